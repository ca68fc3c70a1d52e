# eventlet must patch the standard library before anything else imports it (nameko runs on eventlet).
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402

import pytest  # noqa: E402

os.environ.setdefault("HUB_ENV", "test")
# The keys that sign calls and events (hubkit.keys) derive from one seed per test run; every process the tests
# start inherits it.
os.environ.setdefault("HUB_TRUST_DEV_SEED", os.urandom(16).hex())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_kind(request):
    """Integration tests that touch a database run on both embedded SQLite and PostgreSQL."""
    return request.param


# The tiers (README, "Tests"): each test is marked by what it needs, so `make test` runs the fast tier first.
PLATFORM_FIXTURES = {"platform", "platform_both"}  # tests/conftest.py: every service and the gateway as processes
SERVER_FIXTURES = {"rabbit_config", "rabbit_manager", "rabbit_ssl_config", "vhost_pipeline",  # nameko's: RabbitMQ
                   "throttle"}  # hubkit.testing.throttle_fixture: the real Redis
TIERS = ("unit", "integration", "e2e", "browser")


def tier_markers(fixture_names, database_kind=None) -> list:
    """The tier a test joins by the fixtures it uses: the platform makes it end-to-end, a broker, Redis or a
    PostgreSQL database makes it an integration test."""
    names = set(fixture_names)
    if names & PLATFORM_FIXTURES:
        return ["e2e"]
    if names & SERVER_FIXTURES or database_kind == "postgresql":
        return ["integration"]
    return []


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for tier in tier_markers(getattr(item, "fixturenames", ()), params.get("database_kind")):
            item.add_marker(tier)
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker("unit")  # no broker, no database server, no platform: the fast tier

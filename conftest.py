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

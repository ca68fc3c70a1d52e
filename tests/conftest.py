"""Fixtures for the cross-service tests: the running platform, a real SMTP server, mail links."""
import re
from pathlib import Path

import pytest

from hubkit.testing import Platform, body_of, drop_templates

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}


@pytest.fixture(scope="session", autouse=True)
def _drop_database_templates():
    yield
    drop_templates()


# Routing's undo window on the shared platform: long enough for the browser test to undo a decision it has just
# made (two page loads), short enough that waiting for a decision to take effect (the authorization matrix's world:
# a forwarded idea's draft project) does not wait routing's production minute; its sweep runs every second
# instead of five, so the decision applies right after the window.
SHARED_PLATFORM_SETTINGS = {"ROUTING_UNDO_SECONDS": "15", "ROUTING_SWEEP_SECONDS": "1"}


def start_platform(kind: str, settings: dict = None):
    platform = Platform(SERVICES, kind, settings=settings)
    return platform


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform_both(request):
    """The platform on each storage: embedded SQLite (the default: the shared `platform`, as a platform start costs
    seconds) and PostgreSQL (one of the module's own)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("platform")
        return
    platform = start_platform(request.param)
    yield platform
    platform.stop()


@pytest.fixture(scope="session")
def platform():
    """The platform as `make run` runs it (SQLite; routing's undo window shorter, above), shared by the form, browser
    and contract tests."""
    platform = start_platform("sqlite", SHARED_PLATFORM_SETTINGS)
    yield platform
    platform.stop()


@pytest.fixture
def mail_link():
    return read_mail_link


def read_mail_link(platform, recipient: str, path: str) -> str:
    """The link to `path` in the last mail `recipient` received through the real SMTP server."""
    message = platform.smtp.wait_for(lambda m: m["To"] == recipient and path in body_of(m))
    matches = [m for m in platform.smtp.messages() if m["To"] == recipient and path in body_of(m)]
    message = matches[-1] if matches else message
    return re.search(r"(https?://\S+" + re.escape(path) + r"\S*)", body_of(message)).group(1)

from pathlib import Path

import pytest

from hubkit.testing import service_database_fixtures
from notifications import SERVICE_NAME
from notifications.handlers import Context, Notifications
from notifications.models import Base
from notifications.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "notifications"
BUSINESS_TABLES = ("notifications", "preferences", "idea_authors", "proposal_authors", "digests", "outbox_events",
                   "space_items", "space_roles", "space_entries")
HUB_URL = "https://participation.paris.fr"
SECRET = "k" * 8 + "tests-only-notifications-key-9f3a2b7c"

_templates, _fresh_database, notifications_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)


@pytest.fixture
def settings():
    return Settings(secret=SECRET, environment="test")


@pytest.fixture
def use(store, settings):
    """`use(uow, clock=None)`: the use-case groups on a unit of work, with the tests' settings and hub address."""
    def build(uow, clock=None):
        extra = {"clock": clock} if clock is not None else {}
        return Notifications(Context(uow, settings, hub_url=HUB_URL, **extra))
    return build

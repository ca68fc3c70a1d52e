from pathlib import Path

import pytest

from hubkit.testing import service_database_fixtures, throttle_fixture
from petitions import SERVICE_NAME
from petitions.handlers import Context, Petitions
from petitions.models import Base
from tests.fakes import FakeAccounts

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "petitions"
BUSINESS_TABLES = ("petitions", "petition_sponsors", "petition_signatures", "petition_signature_counters",
                   "petition_history", "petition_moderation_log", "outbox_events")

_templates, _fresh_database, petitions_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)
throttle = throttle_fixture()


@pytest.fixture
def accounts():
    return FakeAccounts()


def find_use_case(context: Context, name: str):
    """The use case `name`, from whichever group of `Petitions` has it: the tests name use cases, the service
    names the group too. Exactly one group has it."""
    petitions = Petitions(context)
    [group] = [getattr(petitions, group) for group in Petitions.GROUPS if hasattr(getattr(petitions, group), name)]
    return getattr(group, name)


@pytest.fixture
def use_case():
    return find_use_case

from pathlib import Path

import pytest

from hubkit.errors import NotFound
from hubkit.testing import service_database_fixtures, throttle_fixture
from petitions import SERVICE_NAME
from petitions.handlers import Context, Petitions
from petitions.models import Base

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "petitions"
BUSINESS_TABLES = ("petitions", "petition_sponsors", "petition_signatures", "petition_signature_counters",
                   "petition_history", "petition_moderation_log", "outbox_events")

_templates, _fresh_database, petitions_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)
throttle = throttle_fixture()


class FakeAccounts:
    """Stands in for the accounts service's RPC: pseudonyms and eligibility attributes from dicts."""

    def __init__(self):
        self.profiles, self.attributes, self.domains, self.calls = {}, {}, {}, []

    def add(self, account_id: str, pseudonym: str, lives_in_paris=True, arrondissement=11, email_verified=True,
            email_domain="exemple.fr", registered_at="2025-01-15T09:00:00+00:00"):
        self.profiles[account_id] = pseudonym
        self.domains[account_id] = {"account_id": account_id, "email_domain": email_domain,
                                    "registered_at": registered_at}
        self.attributes[account_id] = {
            "account_id": account_id, "lives_in_paris": lives_in_paris,
            "arrondissement": arrondissement if lives_in_paris else None, "sector": None,
            "birth_date": "1990-05-14", "certification": "declared", "email_verified": email_verified}

    def public_profiles(self, data):
        self.calls.append(("public_profiles", data))
        return [{"account_id": a, "pseudonym": self.profiles[a]} for a in data["account_ids"] if a in self.profiles]

    def eligibility_attributes(self, data):
        self.calls.append(("eligibility_attributes", data))
        if data["account_id"] not in self.attributes:
            raise NotFound("Compte introuvable.")
        return self.attributes[data["account_id"]]

    def eligibility_attributes_many(self, data):
        self.calls.append(("eligibility_attributes_many", data))
        assert 1 <= len(data["account_ids"]) <= 500  # as accounts' schema bounds it
        return [self.attributes[a] for a in data["account_ids"] if a in self.attributes]

    def email_domains(self, data):
        self.calls.append(("email_domains", data))
        assert 1 <= len(data["account_ids"]) <= 500  # as accounts' schema bounds it
        return [self.domains[a] for a in data["account_ids"] if a in self.domains]


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

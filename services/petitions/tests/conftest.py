import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from hubkit.db import UnitOfWork, make_engine
from hubkit.errors import NotFound
from hubkit.testing import FreshDatabase, drop_templates
from hubkit.throttle import Throttle, connect
from petitions import SERVICE_NAME
from petitions.models import Base

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "petitions"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("petitions", "petition_sponsors", "petition_signatures", "petition_signature_counters",
                   "petition_history", "petition_moderation_log", "outbox_events")


@pytest.fixture(scope="session", autouse=True)
def _templates():
    yield
    drop_templates()


@pytest.fixture
def petitions_db(database_kind):
    database = FreshDatabase(database_kind, SERVICE_NAME, PACKAGE_DIR)
    yield database
    database.drop()


class Store:
    """Opens units of work on the test database and reads what was written."""

    def __init__(self, url):
        self.engine = make_engine(url)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.factory, SERVICE_NAME, Base.metadata)

    def rows(self, table: str, *where):
        with self.factory() as session:
            return session.execute(sa.select(TABLES[table]).where(*where)).all()

    def one(self, table: str, *where):
        [row] = self.rows(table, *where)
        return row

    def events(self, type_=None) -> list:
        envelopes = [row.envelope for row in self.rows("outbox_events")]
        return [e for e in envelopes if type_ is None or e["type"] == type_]

    def snapshot(self) -> dict:
        """Every business and outbox row, to show that a refused command wrote nothing."""
        return {name: sorted(map(repr, self.rows(name))) for name in BUSINESS_TABLES}


@pytest.fixture
def store(petitions_db):
    store = Store(petitions_db.url)
    yield store
    store.engine.dispose()


@pytest.fixture
def throttle():
    """The real Redis, under a prefix of this test's own."""
    prefix = f"test:{uuid.uuid4().hex}"
    client = connect()
    yield Throttle(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


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

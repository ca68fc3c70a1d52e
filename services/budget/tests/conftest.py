import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from budget import SERVICE_NAME
from budget.models import Base
from hubkit.db import UnitOfWork, make_engine
from hubkit.errors import NotFound
from hubkit.testing import FreshDatabase, drop_templates
from sqlalchemy.orm import sessionmaker

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "budget"
PABULIB_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "pabulib"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("budget_cycles", "budget_stage_changes", "budget_projects", "budget_project_carriers",
                   "budget_ballots", "budget_ballot_choices", "budget_replaced_receipts", "budget_paper_ballots",
                   "budget_merge_invitations", "budget_status_changes", "budget_project_follows",
                   "budget_pending_ideas", "outbox_events")
PARIS_CSV = Path(__file__).resolve().parents[4] / "shared" / "data" / "paris" / "bp_projets_gagnants.csv"


@pytest.fixture(scope="session", autouse=True)
def _templates():
    yield
    drop_templates()


@pytest.fixture
def budget_db(database_kind):
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
def store(budget_db):
    store = Store(budget_db.url)
    yield store
    store.engine.dispose()


class FakeAccounts:
    """Stands in for the accounts service's RPC: eligibility attributes from a dict."""

    def __init__(self):
        self.attributes, self.calls, self.emails, self.directions = {}, [], {}, {}

    def add(self, account_id: str, lives_in_paris=True, arrondissement=11, birth_date="1990-05-14",
            certification="declared", email_verified=True, email=None):
        if email:
            self.emails[email] = account_id
        self.attributes[account_id] = {
            "account_id": account_id, "lives_in_paris": lives_in_paris,
            "arrondissement": arrondissement if lives_in_paris else None, "sector": None,
            "birth_date": birth_date, "certification": certification, "email_verified": email_verified}

    def eligibility_attributes(self, data):
        self.calls.append(("eligibility_attributes", data))
        if data["account_id"] not in self.attributes:
            raise NotFound("Compte introuvable.")
        return self.attributes[data["account_id"]]

    def get_account(self, actor_id):
        self.calls.append(("get_account", actor_id))
        return {"id": actor_id, "direction": self.directions.get(actor_id)}

    def search_accounts(self, actor_id, query):
        self.calls.append(("search_accounts", query))
        return [{"id": account_id, "email": email, "birth_date": self.attributes[account_id]["birth_date"]}
                for email, account_id in self.emails.items() if query["query"] in email]


@pytest.fixture
def accounts():
    return FakeAccounts()


def new_account() -> str:
    return str(uuid.uuid4())

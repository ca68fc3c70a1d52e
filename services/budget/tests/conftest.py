import uuid
from pathlib import Path

import pytest
from accounts.domain import DIRECTIONS, GRANTABLE_ROLES, ROLES
from budget import SERVICE_NAME
from budget.handlers import Context, use_case
from budget.models import Base
from budget.settings import Settings
from hubkit.errors import NotFound
from hubkit.testing import service_database_fixtures

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "budget"
# the repository's tests/data (third-party files, see its README): a missing file fails the test that reads it
PABULIB_DIR = Path(__file__).resolve().parents[3] / "tests" / "data" / "pabulib"
BUSINESS_TABLES = ("budget_cycles", "budget_stage_changes", "budget_projects", "budget_project_carriers",
                   "budget_ballots", "budget_ballot_choices", "budget_replaced_receipts", "budget_paper_ballots",
                   "budget_merge_invitations", "budget_status_changes", "budget_project_follows",
                   "budget_pending_ideas", "outbox_events")
# the Paris winners as the product ships them (what `python -m budget import-paris` imports)
PARIS_CSV = PACKAGE_DIR / "data" / "bp_projets_gagnants.csv"

_templates, _fresh_database, budget_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)


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

    def reference_data(self):
        """As accounts answers it: the City's directions are accounts' table."""
        self.calls.append(("reference_data",))
        return {"roles": list(ROLES), "grantable_roles": list(GRANTABLE_ROLES),
                "directions": [{"code": code, "name": name} for code, name in DIRECTIONS.items()]}

    def search_accounts(self, actor_id, query):
        self.calls.append(("search_accounts", query))
        # as accounts' AccountSummarySchema answers: no birth date in a search result
        return [{"id": account_id, "email": email, "pseudonym": "Votant·e", "roles": ["citizen"]}
                for email, account_id in self.emails.items() if query["query"] in email]


@pytest.fixture
def accounts():
    return FakeAccounts()


# The settings a test service reads, whatever the environment of the test run.
SETTINGS = Settings(organising_direction="DDCT", submissions_per_day=10)


def context(uow, **more) -> Context:
    """The use cases' context on a test's unit of work: the test settings unless `settings=` says otherwise."""
    return Context(uow, more.pop("settings", SETTINGS), **more)


class UseCasesOf:
    """Every use case by its name on one context, as a test calls them: `UseCasesOf(context(uow)).create_cycle(...)`."""

    def __init__(self, context: Context):
        self.context = context

    def __getattr__(self, name: str):
        return use_case(self.context, name)


def new_account() -> str:
    return str(uuid.uuid4())

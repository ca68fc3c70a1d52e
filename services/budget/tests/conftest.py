from pathlib import Path

import pytest
from budget import SERVICE_NAME
from budget.handlers import Context, use_case
from budget.models import Base
from budget.settings import Settings
from hubkit.testing import service_database_fixtures
from tests.fakes import FakeAccounts

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "budget"
# the repository's tests/data (third-party files, see its README): a missing file fails the test that reads it
PABULIB_DIR = Path(__file__).resolve().parents[3] / "tests" / "data" / "pabulib"
BUSINESS_TABLES = ("budget_cycles", "budget_stage_changes", "budget_projects", "budget_project_carriers",
                   "budget_ballots", "budget_ballot_choices", "budget_replaced_receipts", "budget_paper_ballots",
                   "budget_merge_invitations", "budget_status_changes", "budget_project_follows",
                   "budget_pending_ideas", "budget_vote_counts", "outbox_events")
# the Paris winners as the product ships them (what `python -m budget import-paris` imports)
PARIS_CSV = PACKAGE_DIR / "data" / "bp_projets_gagnants.csv"

_templates, _fresh_database, budget_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)


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

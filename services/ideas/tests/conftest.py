from pathlib import Path

import pytest

from hubkit.testing import service_database_fixtures, throttle_fixture
from ideas import SERVICE_NAME
from ideas.models import Base
from ideas.peers import directions_cache

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "ideas"
REPO_ROOT = Path(__file__).resolve().parents[3]
# the repository's tests/data (third-party files, see its README): a missing file fails the test that reads it
MADRID_CSV = REPO_ROOT / "tests" / "data" / "ideas" / "decide_madrid_proposals.csv"
# the Paris budget's winners as the budget service ships them: their « Thématique » labels are the idea themes
PARIS_BUDGET_PROJECTS = REPO_ROOT / "services" / "budget" / "budget" / "data" / "bp_projets_gagnants.csv"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("ideas", "idea_status_changes", "idea_supports", "idea_comments", "idea_follows", "outbox_events")

_templates, _fresh_database, ideas_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)
throttle = throttle_fixture()


@pytest.fixture(autouse=True)
def _no_directions_cached():
    """The directions cache lives as long as the process: each test starts without it (its own accounts fake)."""
    directions_cache.clear()
    yield
    directions_cache.clear()

from pathlib import Path

from hubkit.testing import service_database_fixtures, throttle_fixture
from ideas import SERVICE_NAME
from ideas.models import Base

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "ideas"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("ideas", "idea_status_changes", "idea_supports", "idea_comments", "idea_follows", "outbox_events")

_templates, _fresh_database, ideas_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, BUSINESS_TABLES)
throttle = throttle_fixture()

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from hubkit.db import UnitOfWork, make_engine
from hubkit.testing import FreshDatabase, drop_templates
from hubkit.throttle import Throttle, connect
from ideas import SERVICE_NAME
from ideas.models import Base

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "ideas"
TABLES = Base.metadata.tables


@pytest.fixture(scope="session", autouse=True)
def _templates():
    yield
    drop_templates()


@pytest.fixture
def ideas_db(database_kind):
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
        return {name: sorted(map(repr, self.rows(name))) for name in
                ("ideas", "idea_status_changes", "idea_supports", "idea_comments", "idea_follows", "outbox_events")}


@pytest.fixture
def store(ideas_db):
    store = Store(ideas_db.url)
    yield store
    store.engine.dispose()


@pytest.fixture
def throttle():
    prefix = f"test:{uuid.uuid4().hex}"
    client = connect()
    yield Throttle(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)

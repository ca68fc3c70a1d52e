from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from hubkit.db import UnitOfWork, make_engine
from hubkit.rpc import PeerUnavailable
from hubkit.testing import FreshDatabase, drop_templates
from routing import SERVICE_NAME
from routing.models import Base

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "routing"
TABLES = Base.metadata.tables
BUSINESS_TABLES = ("schemes", "inbox_items", "decisions", "dossiers", "webhook_deliveries", "trace_entries", "links",
                   "outbox_events", "outgoing_mails", "reconciliation_cursors")


@pytest.fixture(scope="session", autouse=True)
def _templates():
    yield
    drop_templates()


@pytest.fixture
def routing_db(database_kind):
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
def store(routing_db):
    store = Store(routing_db.url)
    yield store
    store.engine.dispose()


class FakeIdeas:
    """Stands in for the ideas service's RPC: ideas from a dict; `submissions` lists them in submission order
    behind a cursor, as ideas does. `down`: every call fails as a peer that does not answer."""

    def __init__(self):
        self.ideas, self.calls, self.down = {}, [], False

    def add(self, idea_id: str, title: str, description: str, status="submitted", theme="environnement",
            arrondissement=None, created_at=None, author_id=None, correlation_id=None):
        self.ideas[idea_id] = {"id": idea_id, "title": title, "description": description, "status": status,
                               "theme": theme, "arrondissement": arrondissement,
                               "created_at": (created_at or datetime.now(timezone.utc)).isoformat(),
                               "author_id": author_id, "correlation_id": correlation_id}
        return self.ideas[idea_id]

    def _answer(self, call: str, data: dict):
        self.calls.append((call, data))
        if self.down:
            raise PeerUnavailable(f"{call} timed out")

    def get_idea(self, data):
        self._answer("get_idea", data)
        return {key: value for key, value in self.ideas[data["idea_id"]].items()
                if key not in ("author_id", "correlation_id")}  # never told to callers of get_idea

    def submissions(self, data):
        self._answer("submissions", data)
        found = sorted((f"{idea['created_at']}|{idea['id']}", idea) for idea in self.ideas.values())
        after = [(cursor, idea) for cursor, idea in found if data["after"] is None or cursor > data["after"]]
        page = after[:data["limit"]]
        return {"items": [{"idea_id": idea["id"], "author_id": idea["author_id"],
                           "correlation_id": idea["correlation_id"], "submitted_at": idea["created_at"],
                           "status": idea["status"], "theme": idea["theme"],
                           "arrondissement": idea["arrondissement"], "cursor": cursor} for cursor, idea in page],
                "next_cursor": page[-1][0] if page else data["after"], "has_more": len(after) > len(page)}


@pytest.fixture
def ideas():
    return FakeIdeas()

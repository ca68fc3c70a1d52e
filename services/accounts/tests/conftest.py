import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from accounts import SERVICE_NAME
from accounts.models import Base
from hubkit.db import UnitOfWork, make_engine
from hubkit.testing import FreshDatabase, drop_templates
from hubkit.throttle import Throttle, connect

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "accounts"
TABLES = Base.metadata.tables


@pytest.fixture(scope="session", autouse=True)
def _templates():
    yield
    drop_templates()


@pytest.fixture
def accounts_db(database_kind):
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

    def events(self, type_=None) -> list:
        envelopes = [row.envelope for row in self.rows("outbox_events")]
        return [e for e in envelopes if type_ is None or e["type"] == type_]

    def mails_to(self, recipient: str) -> list:
        return [row for row in self.rows("outgoing_mails") if row.recipient == recipient]

    def link_token(self, recipient: str) -> str:
        body = self.mails_to(recipient)[-1].body
        return re.search(r"token=([\w-]+)", body).group(1)


@pytest.fixture
def store(accounts_db):
    store = Store(accounts_db.url)
    yield store
    store.engine.dispose()


@pytest.fixture
def throttle():
    prefix = f"test:{uuid.uuid4().hex}"
    client = connect()
    yield Throttle(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)

"""Fresh migrated test databases: a template migrated once per test session, a cheap copy per test.

PostgreSQL: `HUB_TEST_POSTGRES_URL` is the server's administration URL (CREATE and DROP DATABASE, migrations);
`HUB_TEST_POSTGRES_POOLER_URL`, if set, is a pooler in front of that same server (tests/integration/
test_pgbouncer.py runs a service's suite through PgBouncer): the tests' and services' connections then go
through it, while CREATE DATABASE (no pooler runs it) and migrations (their session lock needs a session of
their own, hubkit.migrations) still go straight to the server.
"""
import os
import shutil
import tempfile
import uuid
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from .runner import migrate

ADMIN_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POOLER_URL = os.environ.get("HUB_TEST_POSTGRES_POOLER_URL", "")
_templates = {}


def _admin_execute(statement: str):
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def _postgres_url(name: str, direct: bool = False) -> str:
    """The URL of the test database `name`: through the pooler if there is one, unless `direct`."""
    server = ADMIN_URL if direct or not POOLER_URL else POOLER_URL
    return server.rsplit("/", 1)[0] + "/" + name


def _template(kind: str, service: str, package_dir: Path) -> str:
    key = (kind, service)
    if key not in _templates:
        if kind == "sqlite":
            path = Path(tempfile.mkdtemp(prefix=f"hub-{service}-")) / "template.db"
            migrate(service, package_dir, f"sqlite:///{path}")
            _templates[key] = str(path)
        else:
            name = f"hub_test_tpl_{service}_{uuid.uuid4().hex[:8]}"
            _admin_execute(f'CREATE DATABASE "{name}"')
            migrate(service, package_dir, _postgres_url(name, direct=True))
            _templates[key] = name
    return _templates[key]


class FreshDatabase:
    """A migrated, empty database of `service`, removed by `drop()`."""

    def __init__(self, kind: str, service: str, package_dir: Path):
        self.kind, template = kind, _template(kind, service, package_dir)
        if kind == "sqlite":
            self.path = Path(tempfile.mkdtemp(prefix=f"hub-{service}-")) / f"{service}.db"
            shutil.copyfile(template, self.path)
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"hub_test_{service}_{uuid.uuid4().hex[:10]}"
            _admin_execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
            self.url = _postgres_url(self.name)

    def drop(self):
        if self.kind == "sqlite":
            shutil.rmtree(self.path.parent, ignore_errors=True)
        else:
            _admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class InMemoryDatabase:
    """A private in-memory SQLite copy of the migrated template of `service`: the use-case tests' database.

    The copy is made with SQLite's backup API, so it holds exactly the migrated schema (and Alembic's version).
    One connection, as the embedded database of a run has (hubkit.db): green threads queue for it. It lives as long
    as its engine: `engine.dispose()` closes it. No URL reaches it from another engine or process: a test that also
    hands its database to a nameko container, a migration or a subprocess gets a `FreshDatabase` file instead.
    """

    url = "sqlite://"

    def __init__(self, service: str, package_dir: Path):
        import sqlite3

        from .db import make_engine
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(_template("sqlite", service, package_dir))) as template:
            template.backup(memory)
        # QueuePool of one: SQLAlchemy would otherwise give `sqlite://` one connection per (green) thread
        self.engine = make_engine(self.url, creator=lambda: memory, poolclass=sa.pool.QueuePool)


def drop_templates():
    for (kind, _service), template in list(_templates.items()):
        if kind == "sqlite":
            shutil.rmtree(Path(template).parent, ignore_errors=True)
        else:
            _admin_execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    _templates.clear()

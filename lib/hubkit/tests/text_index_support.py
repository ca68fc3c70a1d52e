"""Scratch databases holding only the text index's tables, made by the migration helper (as a service's
migration makes them): SQLite in a temporary file, or a PostgreSQL database of its own, dropped after."""
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import Session

from hubkit.db import make_engine
from hubkit.migrations import create_text_index_tables
from hubkit.testing_databases import _admin_execute, _postgres_url


@contextmanager
def text_index_database(kind: str):
    """An engine on a new database with the index's tables."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="hubkit-text-index-")
        url = f"sqlite:///{Path(folder) / 'index.db'}"
    else:
        name = f"hubkit_text_index_{uuid.uuid4().hex[:10]}"
        _admin_execute(f'CREATE DATABASE "{name}"')
        url = _postgres_url(name)
    engine = sa.create_engine(url) if kind == "sqlite" else make_engine(url)  # green waits under eventlet
    try:
        with engine.begin() as connection:
            create_text_index_tables(Operations(MigrationContext.configure(connection)))
        yield engine
    finally:
        engine.dispose()
        if kind != "sqlite":
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def session_on(engine):
    with Session(engine) as session, session.begin():
        yield session

"""Alembic helpers shared by every service's migrations."""
import hashlib
import logging
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import context

from .db import normalise_url, postgres_connect_args

log = logging.getLogger(__name__)


def create_infrastructure_tables(op):
    """Version 1 of the outbox, processed-events and outgoing-mail tables."""
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("envelope", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_events_published_at", "outbox_events", ["published_at"])
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handler", sa.String(120), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outgoing_mails_sent_at", "outgoing_mails", ["sent_at"])


def create_idempotency_table(op):
    """Version 1 of `idempotency_keys` (hubkit.tables.add_idempotency_table), for a service taking keyed requests."""
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(120), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def create_mail_headers_table(op):
    """Version 1 of `outgoing_mail_headers` (hubkit.tables.add_mail_headers_table), for a service sending mails
    with headers of their own."""
    op.create_table(
        "outgoing_mail_headers",
        sa.Column("mail_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outgoing_mail_headers_created_at", "outgoing_mail_headers", ["created_at"])


def create_text_index_tables(op):
    """Version 1 of the shared text index's tables (hubkit.text_index), with their indexes."""
    from .text_index import text_index_tables
    for table in text_index_tables(sa.MetaData()):
        op.create_table(table.name, *(sa.Column(column.name, column.type, primary_key=column.primary_key,
                                                nullable=column.nullable) for column in table.columns))
        for index in sorted(table.indexes, key=lambda index: index.name):
            op.create_index(index.name, table.name, [column.name for column in index.columns])


def drop_text_index_tables(op):
    from .text_index import POSTINGS, DOCUMENTS, TERMS
    for name in (POSTINGS, DOCUMENTS, TERMS):
        op.drop_table(name)


def run_migrations(target_metadata, default_url: str, lock_name: str = None):
    """Body of a service's alembic env.py: online migrations on SQLite or PostgreSQL.

    On PostgreSQL the run holds a session advisory lock named after the service (`lock_name`, by default the
    package holding the migrations): two `migrate` runs at once (two replicas' init containers, a Job retried
    while the first still runs) take turns, and the second finds the database at head and does nothing."""
    config = context.config
    url = normalise_url(config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or default_url)
    lock_name = lock_name or Path(context.script.dir).resolve().parent.name
    connectable = config.attributes.get("connection")
    if connectable is not None:
        with migration_lock(connectable, lock_name):
            _run(connectable, target_metadata, url)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args=postgres_connect_args() if url.startswith("postgresql") else {})
    with engine.connect() as connection, migration_lock(connection, lock_name):
        _run(connection, target_metadata, url)
    engine.dispose()


def migration_lock_key(lock_name: str) -> int:
    """The advisory lock's 64-bit key: the same in every process and release (Python's hash() is salted)."""
    digest = hashlib.blake2b(f"hub-migrations:{lock_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def migration_lock(connection: sa.Connection, lock_name: str):
    """Hold PostgreSQL's session advisory lock for `lock_name` meanwhile (SQLite: nothing, one file, one writer).

    A session lock, not a transaction one, because a migration may commit on its way (alembic's
    `autocommit_block` for CREATE INDEX CONCURRENTLY) and must stay alone after that commit. Hence a migration
    needs a connection of its own to PostgreSQL, never one through a pooler in transaction mode
    (docs/operations.md, "Migrations")."""
    if connection.dialect.name != "postgresql":
        yield
        return
    key = migration_lock_key(lock_name)
    outer = connection.in_transaction()  # a caller's connection: its transaction stays the caller's
    connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
    if not outer:
        connection.commit()  # alembic begins its own transaction on a connection left idle
    try:
        yield
    finally:
        _release(connection, key, lock_name, outer)


def _release(connection: sa.Connection, key: int, lock_name: str, outer: bool):
    """Let go of the migration lock; a migration's own error, if any, goes on unchanged."""
    if connection.closed or connection.invalidated:
        return  # the server ends a session lock with its session
    if connection.in_transaction() and not outer:
        connection.rollback()  # a failed migration's transaction, which alembic may leave open
    try:
        connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    except sa.exc.DBAPIError:  # the caller's transaction failed: its session, when it ends, frees the lock
        log.warning("migration lock left to the end of the session", extra={"lock": lock_name})
    else:
        if not outer:
            connection.commit()


def _run(connection, target_metadata, url):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=url.startswith("sqlite"), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()

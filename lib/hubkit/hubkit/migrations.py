"""Alembic helpers shared by every service's migrations."""
import sqlalchemy as sa
from alembic import context

from .db import normalise_url


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


def run_migrations(target_metadata, default_url: str):
    """Body of a service's alembic env.py: online migrations on SQLite or PostgreSQL."""
    config = context.config
    url = normalise_url(config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or default_url)
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, target_metadata, url)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        _run(connection, target_metadata, url)
    engine.dispose()


def _run(connection, target_metadata, url):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=url.startswith("sqlite"), compare_type=True)
    with context.begin_transaction():
        context.run_migrations()

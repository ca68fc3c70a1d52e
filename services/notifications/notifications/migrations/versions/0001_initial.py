"""Notifications, preferences, idea authors, digests, and the outbox/processed/mail tables.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from hubkit.migrations import create_infrastructure_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_infrastructure_tables(op)
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("source_event_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("account_id", "source_event_id", name="uq_notifications_account_event"),
    )
    op.create_index("ix_notifications_account_created", "notifications", ["account_id", "created_at"])
    op.create_index("ix_notifications_account_unread", "notifications", ["account_id", "read_at"])
    op.create_index("ix_notifications_digest_pending", "notifications", ["channel", "emailed_at"])
    op.create_table(
        "preferences",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("category", sa.String(24), primary_key=True),
        sa.Column("channel", sa.String(12), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "idea_authors",
        sa.Column("idea_id", sa.String(36), primary_key=True),
        sa.Column("author_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_idea_authors_author_id", "idea_authors", ["author_id"])
    op.create_table(
        "digests",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("notifications_count", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    for table in ("digests", "idea_authors", "preferences", "notifications"):
        op.drop_table(table)

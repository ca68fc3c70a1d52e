"""Petitions, co-sponsors, signatures and their counters, history, and the outbox/processed/mail tables.

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

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    create_infrastructure_tables(op)
    op.create_table(
        "petitions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("asks", sa.Text, nullable=False),
        sa.Column("background", sa.Text, nullable=False),
        sa.Column("arrondissement", sa.SmallInteger, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(60), nullable=False),
        sa.Column("sponsor_token", sa.String(64), nullable=True, unique=True),
        sa.Column("source_idea_id", sa.String(36), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderation_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_by", sa.String(36), nullable=True),
        sa.Column("eligibility", sa.String(24), nullable=True),
        sa.Column("threshold", sa.Integer, nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("threshold_reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_code", sa.String(24), nullable=True),
        sa.Column("rejection_reason", sa.Text, nullable=True),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("council_session_date", sa.Date, nullable=True),
        sa.Column("council_agenda_url", sa.String(500), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(24), nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(16), nullable=True),
    )
    op.create_index("ix_petitions_status", "petitions", ["status"])
    op.create_index("ix_petitions_author_id", "petitions", ["author_id"])
    op.create_index("ix_petitions_closes_at", "petitions", ["closes_at"])
    op.create_table(
        "petition_sponsors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("petition_id", sa.String(36), sa.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("petition_id", "account_id", name="uq_sponsor_petition_account"),
    )
    op.create_index("ix_petition_sponsors_petition_id", "petition_sponsors", ["petition_id"])
    op.create_table(
        "petition_signatures",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("petition_id", sa.String(36), sa.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("lives_in_paris", sa.Boolean, nullable=False),
        sa.Column("works_in_paris", sa.Boolean, nullable=False),
        sa.Column("studies_in_paris", sa.Boolean, nullable=False),
        sa.Column("arrondissement", sa.SmallInteger, nullable=True),
        sa.Column("notify", sa.Boolean, nullable=False),
        sa.Column("client_ip", sa.String(45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("petition_id", "account_id", name="uq_signature_petition_account"),
    )
    op.create_index("ix_signatures_petition_arrondissement", "petition_signatures", ["petition_id", "arrondissement"])
    op.create_index("ix_petition_signatures_account_id", "petition_signatures", ["account_id"])
    op.create_table(
        "petition_signature_counters",
        sa.Column("petition_id", sa.String(36), sa.ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shard", sa.SmallInteger, primary_key=True),
        sa.Column("signatures", sa.Integer, nullable=False),
    )
    op.create_table(
        "petition_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("petition_id", sa.String(36), sa.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("code", sa.String(24), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_petition_history_petition_id", "petition_history", ["petition_id"])


def downgrade():
    for table in ("petition_history", "petition_signature_counters", "petition_signatures", "petition_sponsors",
                  "petitions", "outgoing_mails", "processed_events", "outbox_events"):
        op.drop_table(table)

"""Ideas, their status history, supports, comments and follows, and the outbox/processed/mail tables.

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
        "ideas",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("theme", sa.String(32), nullable=False),
        sa.Column("arrondissement", sa.SmallInteger, nullable=True),
        sa.Column("address_line", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(24), nullable=True),
        sa.Column("merged_into_id", sa.String(36), nullable=True),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(40), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("supports_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("comments_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("theme", "arrondissement", "status", "author_id", "supports_count", "created_at"):
        op.create_index(f"ix_ideas_{column}", "ideas", [column])
    op.create_table(
        "idea_status_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(24), nullable=True),
        sa.Column("merged_into_id", sa.String(36), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(36), nullable=True),
        sa.Column("changed_by_role", sa.String(16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idea_status_changes_idea_id", "idea_status_changes", ["idea_id"])
    op.create_index("ix_idea_status_changes_changed_by", "idea_status_changes", ["changed_by"])
    op.create_table(
        "idea_supports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("idea_id", "account_id", name="uq_idea_supports_idea_account"),
    )
    op.create_index("ix_idea_supports_account_id", "idea_supports", ["account_id"])
    op.create_table(
        "idea_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idea_comments_idea_id", "idea_comments", ["idea_id"])
    op.create_index("ix_idea_comments_author_id", "idea_comments", ["author_id"])
    op.create_table(
        "idea_follows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("idea_id", "account_id", name="uq_idea_follows_idea_account"),
    )
    op.create_index("ix_idea_follows_account_id", "idea_follows", ["account_id"])


def downgrade():
    for table in ("idea_follows", "idea_comments", "idea_supports", "idea_status_changes", "ideas",
                  "outgoing_mails", "processed_events", "outbox_events"):
        op.drop_table(table)

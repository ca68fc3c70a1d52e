"""Moderation (reports, hidden contributions, the log of moderators' actions) and imported ideas
(Decide Madrid seed: their source id, for re-runs, and their supports as a count).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("imported_supports", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_ideas_source_ref", "ideas", ["source_ref"], unique=True)
    with op.batch_alter_table("idea_comments") as batch:
        batch.add_column(sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "content_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_kind", sa.String(8), nullable=False),
        sa.Column("content_id", sa.String(36), nullable=False),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("content_kind", "content_id", "account_id", name="uq_content_reports_content_account"),
    )
    op.create_index("ix_content_reports_account_id", "content_reports", ["account_id"])
    op.create_index("ix_content_reports_idea_id", "content_reports", ["idea_id"])
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_kind", sa.String(8), nullable=False),
        sa.Column("content_id", sa.String(36), nullable=False),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("ideas.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_moderation_actions_idea_id", "moderation_actions", ["idea_id"])
    op.create_index("ix_moderation_actions_actor_id", "moderation_actions", ["actor_id"])


def downgrade():
    op.drop_table("moderation_actions")
    op.drop_table("content_reports")
    with op.batch_alter_table("idea_comments") as batch:
        batch.drop_column("hidden")
    op.drop_index("ix_ideas_source_ref", "ideas")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("hidden")
        batch.drop_column("imported_supports")
        batch.drop_column("source_ref")

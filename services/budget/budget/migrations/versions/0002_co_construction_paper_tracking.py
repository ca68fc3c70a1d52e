"""Co-construction (merged projects, invitations), paper ballots, implementation statuses and follows, Paris
open-data columns, drafts from forwarded ideas.

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
    with op.batch_alter_table("budget_cycles") as table:
        table.add_column(sa.Column("identity_salt", sa.String(64), nullable=True))
        table.add_column(sa.Column("edition", sa.SmallInteger, nullable=True))
    op.create_index("ix_budget_cycles_edition", "budget_cycles", ["edition"])
    with op.batch_alter_table("budget_projects") as table:
        table.add_column(sa.Column("votes_paper", sa.Integer, nullable=True))
        table.add_column(sa.Column("arrondissement", sa.SmallInteger, nullable=True))
        table.add_column(sa.Column("direction", sa.String(16), nullable=True))
        table.add_column(sa.Column("popular_district", sa.Boolean, nullable=True))
        table.add_column(sa.Column("draft", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("origin_decision_id", sa.String(36), nullable=True))
        table.add_column(sa.Column("merged_into", sa.String(36), nullable=True))
        table.add_column(sa.Column("implementation_status", sa.String(24), nullable=True))
        table.create_unique_constraint("uq_budget_projects_origin_decision_id", ["origin_decision_id"])
    op.create_index("ix_budget_projects_merged_into", "budget_projects", ["merged_into"])
    with op.batch_alter_table("budget_ballots") as table:
        table.add_column(sa.Column("channel", sa.String(8), nullable=False, server_default="online"))
        table.add_column(sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "budget_paper_ballots",
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                  sa.ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("identity_digest", sa.String(64), nullable=True),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("ballot_box", sa.String(120), nullable=False),
        sa.Column("id_document_kind", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.String(36), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("cycle_id", "identity_digest", name="uq_paper_ballot_identity"),
    )
    op.create_index("ix_budget_paper_ballots_cycle_id", "budget_paper_ballots", ["cycle_id"])
    op.create_index("ix_budget_paper_ballots_account_id", "budget_paper_ballots", ["account_id"])
    op.create_table(
        "budget_merge_invitations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("answer", sa.String(8), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("project_id", "account_id", name="uq_merge_invitation"),
    )
    op.create_index("ix_budget_merge_invitations_project_id", "budget_merge_invitations", ["project_id"])
    op.create_index("ix_budget_merge_invitations_account_id", "budget_merge_invitations", ["account_id"])
    op.create_table(
        "budget_status_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("justification", sa.Text, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_status_changes_project_id", "budget_status_changes", ["project_id"])
    op.create_table(
        "budget_project_follows",
        sa.Column("project_id", sa.String(36), sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_project_follows_account_id", "budget_project_follows", ["account_id"])
    op.create_table(
        "budget_pending_ideas",
        sa.Column("decision_id", sa.String(36), primary_key=True),
        sa.Column("idea_id", sa.String(36), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("draft", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_pending_ideas_idea_id", "budget_pending_ideas", ["idea_id"])


def downgrade():
    for table in ("budget_pending_ideas", "budget_project_follows", "budget_status_changes",
                  "budget_merge_invitations", "budget_paper_ballots"):
        op.drop_table(table)
    op.drop_index("ix_budget_projects_merged_into", "budget_projects")
    with op.batch_alter_table("budget_ballots") as table:
        table.drop_column("counted")
        table.drop_column("channel")
    with op.batch_alter_table("budget_projects") as table:
        table.drop_constraint("uq_budget_projects_origin_decision_id", type_="unique")
        for column in ("implementation_status", "merged_into", "origin_decision_id", "draft", "popular_district",
                       "direction", "arrondissement", "votes_paper"):
            table.drop_column(column)
    op.drop_index("ix_budget_cycles_edition", "budget_cycles")
    with op.batch_alter_table("budget_cycles") as table:
        table.drop_column("edition")
        table.drop_column("identity_salt")

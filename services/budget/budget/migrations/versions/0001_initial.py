"""Cycles and their stages, projects and carriers, ballots, choices and receipts; outbox/processed/mail tables.

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
        "budget_cycles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("paris_envelope", sa.BigInteger, nullable=False),
        sa.Column("sector_envelopes", sa.JSON, nullable=False),
        sa.Column("max_choices", sa.SmallInteger, nullable=False),
        sa.Column("eligibility", sa.JSON, nullable=False),
        sa.Column("vote_day", sa.Date, nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("results", sa.JSON, nullable=True),
        sa.Column("ballots_count", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vote_closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "budget_stage_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_stage_changes_cycle_id", "budget_stage_changes", ["cycle_id"])
    op.create_table(
        "budget_projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("theme", sa.String(120), nullable=False),
        sa.Column("scale", sa.String(16), nullable=False),
        sa.Column("sector", sa.String(16), nullable=True),
        sa.Column("address", sa.String(250), nullable=True),
        sa.Column("origin_idea_id", sa.String(36), nullable=True),
        sa.Column("estimated_cost", sa.BigInteger, nullable=True),
        sa.Column("admissible", sa.Boolean, nullable=True),
        sa.Column("admissibility_reason", sa.Text, nullable=True),
        sa.Column("feasible", sa.Boolean, nullable=True),
        sa.Column("feasibility_reason", sa.Text, nullable=True),
        sa.Column("cost", sa.BigInteger, nullable=True),
        sa.Column("studied_by", sa.String(36), nullable=True),
        sa.Column("studied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("selected", sa.Boolean, nullable=False),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("votes", sa.Integer, nullable=True),
        sa.Column("won", sa.Boolean, nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_budget_projects_cycle_id", "budget_projects", ["cycle_id"])
    op.create_table(
        "budget_project_carriers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_budget_project_carriers_project_id", "budget_project_carriers", ["project_id"])
    op.create_index("ix_budget_project_carriers_account_id", "budget_project_carriers", ["account_id"])
    op.create_table(
        "budget_ballots",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("sector", sa.String(16), nullable=True),
        sa.Column("receipt_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer, nullable=False),
        sa.UniqueConstraint("cycle_id", "account_id", name="uq_ballot_cycle_account"),
    )
    op.create_index("ix_budget_ballots_cycle_id", "budget_ballots", ["cycle_id"])
    op.create_table(
        "budget_ballot_choices",
        sa.Column("ballot_id", BIG_ID, sa.ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("project_id", sa.String(36), sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                  primary_key=True),
    )
    op.create_index("ix_budget_ballot_choices_project_id", "budget_ballot_choices", ["project_id"])
    op.create_table(
        "budget_replaced_receipts",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_budget_replaced_receipts_cycle_id", "budget_replaced_receipts", ["cycle_id"])


def downgrade():
    for table in ("budget_replaced_receipts", "budget_ballot_choices", "budget_ballots", "budget_project_carriers",
                  "budget_projects", "budget_stage_changes", "budget_cycles", "outgoing_mails", "processed_events",
                  "outbox_events"):
        op.drop_table(table)

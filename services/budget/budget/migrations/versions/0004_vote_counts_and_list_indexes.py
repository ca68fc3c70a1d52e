"""Paths that grew with the data (issue 17): live vote counts kept by the ballots' writes, indexes for the project
lists' orders and for ballots looked up by account alone.

`budget_vote_counts` is filled here from the ballots already cast (counted ones), so that every cycle, open or
closed, reads the same figures as a recount.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BALLOTS = ""  # the rows that count a cycle's ballots themselves (handlers/vote_counts.py)
# The listed projects (neither drafts nor merged sources), written as the lists' queries write it (models.py).
LISTED_POSTGRESQL, LISTED_SQLITE = "draft IS false AND merged_into IS NULL", "draft IS 0 AND merged_into IS NULL"


def upgrade():
    op.create_table(
        "budget_vote_counts",
        sa.Column("cycle_id", sa.String(36), sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("shard", sa.SmallInteger, primary_key=True),
        sa.Column("total", sa.Integer, nullable=False),
    )
    op.create_index("ix_budget_ballots_account_id", "budget_ballots", ["account_id"])
    op.create_index("ix_budget_projects_cycle_position", "budget_projects", ["cycle_id", "position", "id"])
    op.create_index("ix_budget_projects_cycle_title", "budget_projects", ["cycle_id", "title"])
    # The listed projects' counts per cycle and place (the list's total and map) read this index alone.
    op.create_index("ix_budget_projects_listed", "budget_projects", ["cycle_id", "arrondissement", "sector"],
                    postgresql_where=sa.text(LISTED_POSTGRESQL), sqlite_where=sa.text(LISTED_SQLITE))
    _count_the_ballots_cast()


def _count_the_ballots_cast():
    counts = sa.table("budget_vote_counts", *(sa.column(name) for name in (
        "cycle_id", "project_id", "channel", "shard", "total")))
    ballots = sa.table("budget_ballots", sa.column("id"), sa.column("cycle_id"), sa.column("channel"),
                       sa.column("counted", sa.Boolean))
    choices = sa.table("budget_ballot_choices", sa.column("ballot_id"), sa.column("project_id"))
    columns = ["cycle_id", "project_id", "channel", "shard", "total"]
    votes = (sa.select(ballots.c.cycle_id, choices.c.project_id, ballots.c.channel, sa.literal(0), sa.func.count())
             .select_from(choices.join(ballots, ballots.c.id == choices.c.ballot_id))
             .where(ballots.c.counted == sa.true())
             .group_by(ballots.c.cycle_id, choices.c.project_id, ballots.c.channel))
    cast = (sa.select(ballots.c.cycle_id, sa.literal(BALLOTS), ballots.c.channel, sa.literal(0), sa.func.count())
            .where(ballots.c.counted == sa.true()).group_by(ballots.c.cycle_id, ballots.c.channel))
    op.execute(counts.insert().from_select(columns, votes))
    op.execute(counts.insert().from_select(columns, cast))


def downgrade():
    op.drop_index("ix_budget_projects_listed", "budget_projects")
    op.drop_index("ix_budget_projects_cycle_title", "budget_projects")
    op.drop_index("ix_budget_projects_cycle_position", "budget_projects")
    op.drop_index("ix_budget_ballots_account_id", "budget_ballots")
    op.drop_table("budget_vote_counts")

"""The public list's version, the latest `updated_at` of the petitions, read in one index step: the tab counts
are remembered under it (handlers/tab_counts.py).

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_petitions_updated_at", "petitions", ["updated_at"])


def downgrade():
    op.drop_index("ix_petitions_updated_at", "petitions")

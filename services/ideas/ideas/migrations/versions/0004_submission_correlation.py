"""The correlation id of each idea's `idea_submitted`, kept on the idea for the `submissions` RPC.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("submission_correlation_id", sa.String(128), nullable=True))


def downgrade():
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("submission_correlation_id")

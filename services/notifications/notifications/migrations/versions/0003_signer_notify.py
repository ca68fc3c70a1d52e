"""« Mon espace »: whether a petition's signer asked to be told of its steps (`petition_signatures_recorded`'s
`notify_account_ids`); the signers recorded before stay untold (false), as nothing said they asked.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("space_roles", sa.Column("notify", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column("space_roles", "notify")

"""Pseudonyms held for the account whose address was used again at a registration (no e-mail enumeration).

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
    op.create_table(
        "pseudonym_reservations",
        sa.Column("pseudonym_key", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("pseudonym_reservations")

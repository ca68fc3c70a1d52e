"""Audit of the account search's exact e-mail address lookups (issue 12, section 3).

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
    op.create_table(
        "email_lookups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("looked_up_by", sa.String(36), nullable=False, index=True),
        sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("results", sa.Integer, nullable=False),
    )


def downgrade():
    op.drop_table("email_lookups")

"""Idempotency keys: a retried request gets its first answer, and nothing is done twice (hubkit.idempotency).

Revision ID: 0008
Revises: 0007
"""
from alembic import op

from hubkit.migrations import create_idempotency_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    create_idempotency_table(op)


def downgrade():
    op.drop_table("idempotency_keys")

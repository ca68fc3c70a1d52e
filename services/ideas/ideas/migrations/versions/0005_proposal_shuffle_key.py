"""Each proposal's random number, so that a visitor's random order of proposals is computed and paged in SQL.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SHUFFLE_MODULUS = 2_147_483_647  # consultation_domain.SHUFFLE_MODULUS when this was written


def upgrade():
    with op.batch_alter_table("consultation_proposals") as batch:
        batch.add_column(sa.Column("shuffle_key", sa.Integer, nullable=False, server_default="0"))
    drawn = ("abs(random()) % {m}" if op.get_bind().dialect.name == "sqlite"
             else "floor(random() * {m})::integer").format(m=SHUFFLE_MODULUS)
    op.execute(f"UPDATE consultation_proposals SET shuffle_key = {drawn}")
    with op.batch_alter_table("consultation_proposals") as batch:  # new rows draw theirs (models.py)
        batch.alter_column("shuffle_key", server_default=None)


def downgrade():
    with op.batch_alter_table("consultation_proposals") as batch:
        batch.drop_column("shuffle_key")

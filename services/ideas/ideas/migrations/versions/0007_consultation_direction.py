"""The direction that owns a consultation: its agents (and administrators) edit, close and conclude it.
Consultations made before have none (NULL): administrators run them until one names their direction.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consultations") as batch:
        batch.add_column(sa.Column("direction", sa.String(16), nullable=True))


def downgrade():
    with op.batch_alter_table("consultations") as batch:
        batch.drop_column("direction")

"""An expand step: a nullable column."""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("notes", sa.Column("author", sa.String(100), nullable=True))

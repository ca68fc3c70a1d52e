"""When a reporter's account was created: only reports of accounts older than IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS
hide an item. Reports made before are left unknown (NULL) and no longer hide anything on their own.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_reports") as batch:
        batch.add_column(sa.Column("reporter_registered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("content_reports") as batch:
        batch.drop_column("reporter_registered_at")

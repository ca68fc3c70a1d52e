"""Anti-fraud: bulk invalidation by e-mail domain (the domain a moderator invalidated, in the log).

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
    with op.batch_alter_table("petition_moderation_log") as batch:
        batch.add_column(sa.Column("email_domain", sa.String(253), nullable=True))


def downgrade():
    with op.batch_alter_table("petition_moderation_log") as batch:
        batch.drop_column("email_domain")

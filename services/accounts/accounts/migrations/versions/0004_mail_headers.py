"""Extra headers of queued mails: the List-Unsubscribe link of notifications (issue 15).

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from hubkit.migrations import create_mail_headers_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    create_mail_headers_table(op)


def downgrade():
    op.drop_table("outgoing_mail_headers")

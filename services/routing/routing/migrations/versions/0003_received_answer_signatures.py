"""The schemes' answers already accepted, remembered until too old to be accepted again (replay refusal).

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
        "received_answer_signatures",
        sa.Column("signature_digest", sa.String(64), primary_key=True),
        sa.Column("dossier_reference", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_received_answer_signatures_expires_at", "received_answer_signatures", ["expires_at"])


def downgrade():
    op.drop_index("ix_received_answer_signatures_expires_at", "received_answer_signatures")
    op.drop_table("received_answer_signatures")

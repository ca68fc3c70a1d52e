"""Anti-fraud: invalidated signatures (kept, no longer counted) and the moderation log of bulk invalidations.

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
        "petition_moderation_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("petition_id", sa.String(36), sa.ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("criterion", sa.String(16), nullable=False),
        sa.Column("client_ip", sa.String(45), nullable=True),
        sa.Column("affected", sa.Integer, nullable=False),
        sa.Column("signatures_count", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("petition_signatures") as batch:
        batch.add_column(sa.Column("invalidated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("invalidation_id", sa.Integer,
                                   sa.ForeignKey("petition_moderation_log.id", name="fk_signature_invalidation"),
                                   nullable=True))
    op.create_index("ix_signatures_petition_ip", "petition_signatures", ["petition_id", "client_ip"])
    op.create_index("ix_signatures_petition_created", "petition_signatures", ["petition_id", "created_at"])


def downgrade():
    op.drop_index("ix_signatures_petition_created", "petition_signatures")
    op.drop_index("ix_signatures_petition_ip", "petition_signatures")
    with op.batch_alter_table("petition_signatures") as batch:
        batch.drop_column("invalidation_id")
        batch.drop_column("invalidated_at")
    op.drop_table("petition_moderation_log")

"""« Mon espace »: the items people take part in, each person's roles in them, and the listing rows.

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
        "space_items",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(400), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("cycle_id", sa.String(36), nullable=True),
        sa.Column("scheme", sa.String(40), nullable=True),
        sa.Column("origin_idea_id", sa.String(36), nullable=True),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_space_items_cycle", "space_items", ["cycle_id"])
    op.create_table(
        "space_roles",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("contributions", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "space_entries",
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("item_id", sa.String(64), primary_key=True),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("contributions", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_space_entries_account_recent", "space_entries",
                    ["account_id", sa.text("updated_at DESC"), "kind", "item_id"])
    op.create_index("ix_space_entries_item", "space_entries", ["kind", "item_id"])


def downgrade():
    for table in ("space_entries", "space_roles", "space_items"):
        op.drop_table(table)

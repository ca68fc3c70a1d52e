"""The public list stays flat in the data: each petition's total of signatures on its row (the popular order),
and an index per order of a tab and for the tab counts, on the visible petitions (handlers/signature_totals.py,
models.py).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VISIBLE = {"postgresql_where": sa.text("hidden = false"), "sqlite_where": sa.text("hidden = 0")}
PUBLISHED_AT = "coalesce(opened_at, moderated_at)"


def upgrade():
    op.add_column("petitions", sa.Column("signatures_count", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE petitions SET signatures_count = (SELECT coalesce(sum(c.signatures), 0) "
               "FROM petition_signature_counters c WHERE c.petition_id = petitions.id)")
    op.create_index("ix_petitions_list_recent", "petitions", ["status", sa.text(f"{PUBLISHED_AT} DESC"), "id"],
                    **VISIBLE)
    op.create_index("ix_petitions_list_popular", "petitions",
                    ["status", sa.text("signatures_count DESC"), sa.text(f"{PUBLISHED_AT} DESC"), "id"], **VISIBLE)
    op.create_index("ix_petitions_list_arrondissement", "petitions", ["arrondissement", "status"], **VISIBLE)


def downgrade():
    for name in ("ix_petitions_list_arrondissement", "ix_petitions_list_popular", "ix_petitions_list_recent"):
        op.drop_index(name, "petitions")
    with op.batch_alter_table("petitions") as batch:
        batch.drop_column("signatures_count")

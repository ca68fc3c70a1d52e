"""The text index (hubkit.text_index): the petitions citizens may find by words, suggested to someone about to
file something similar or found by the list's search (domain/suggestions.py), filled with the petitions already
published.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from hubkit.migrations import create_text_index_tables, drop_text_index_tables
from hubkit.text_index import TextIndex

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500
PETITIONS = sa.table("petitions", *(sa.column(name) for name in (
    "id", "status", "hidden", "threshold_reached_at", "title", "asks")))


def upgrade():
    from petitions import domain  # the rule of what is indexed, as the service applies it
    create_text_index_tables(op)
    session = Session(bind=op.get_bind())
    rows = op.get_bind().execute(sa.select(PETITIONS).where(PETITIONS.c.status.in_(domain.PUBLIC_STATUSES))
                                 .order_by(PETITIONS.c.id)).all()
    documents = [(kind, row.id, row.title, row.asks) for row in rows
                 if (kind := domain.index_kind(row.status, bool(row.hidden), row.threshold_reached_at is not None))]
    index = TextIndex(session)
    for start in range(0, len(documents), BATCH):
        index.put_many(documents[start:start + BATCH])
    session.flush()


def downgrade():
    drop_text_index_tables(op)

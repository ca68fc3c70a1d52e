"""The text index (hubkit.text_index): similar ideas and search read it instead of scanning every idea. The ideas
and consultation proposals already there enter it, as the service would have put them: ideas neither hidden nor
merged, proposals neither hidden nor amendments (domain.similarity, when this was written).

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from hubkit.migrations import create_text_index_tables, drop_text_index_tables
from hubkit.text_index import TextIndex

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 1000  # documents read and indexed at a time: memory stays flat however large the box
MERGED = "merged"

ideas = sa.table("ideas", sa.column("id", sa.String), sa.column("title", sa.String), sa.column("description", sa.Text),
                 sa.column("status", sa.String), sa.column("hidden", sa.Boolean))
proposals = sa.table("consultation_proposals", sa.column("id", sa.String), sa.column("title", sa.String),
                     sa.column("body", sa.Text), sa.column("amends_id", sa.String), sa.column("hidden", sa.Boolean))


def upgrade():
    create_text_index_tables(op)
    session = Session(bind=op.get_bind())  # joins the migration's transaction: indexed with it or not at all
    index = TextIndex(session)
    backfill(session, index, "idea", ideas.c.id, sa.select(ideas.c.id, ideas.c.title, ideas.c.description).where(
        ideas.c.hidden == sa.false(), ideas.c.status != MERGED))
    backfill(session, index, "proposal", proposals.c.id, sa.select(proposals.c.id, proposals.c.title,
                                                                   proposals.c.body).where(
        proposals.c.hidden == sa.false(), proposals.c.amends_id.is_(None)))
    session.flush()
    session.close()


def backfill(session, index: TextIndex, kind: str, key, query):
    """Puts the rows of `query` (id, title, text) in the index, `BATCH` at a time, in the order of their id."""
    after = None
    while True:
        page = query.where(key > after) if after is not None else query
        rows = session.execute(page.order_by(key).limit(BATCH)).all()
        if not rows:
            return
        index.put_many([(kind, row[0], row[1], row[2] or "") for row in rows])
        after = rows[-1][0]


def downgrade():
    drop_text_index_tables(op)

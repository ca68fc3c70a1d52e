"""The text index (hubkit.text_index): similar content while a citizen types, and the project lists' search. The
projects already there enter it as the service keeps them (handlers/project_index.py): every project but drafts
and projects merged into a co-constructed one, the imported Paris winners included.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from hubkit.migrations import create_text_index_tables, drop_text_index_tables
from hubkit.text_index import TextIndex

from budget.handlers.project_index import document

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000  # projects read and indexed at a time: memory stays flat however many there are

projects = sa.table("budget_projects", sa.column("id", sa.String), sa.column("title", sa.String),
                    sa.column("description", sa.Text), sa.column("address", sa.String),
                    sa.column("external_id", sa.String), sa.column("draft", sa.Boolean),
                    sa.column("merged_into", sa.String))


def upgrade():
    create_text_index_tables(op)
    session = Session(bind=op.get_bind())  # joins the migration's transaction: indexed with it or not at all
    index = TextIndex(session)
    findable = sa.select(projects).where(projects.c.draft == sa.false(), projects.c.merged_into.is_(None))
    after = None
    while True:
        page = findable.where(projects.c.id > after) if after is not None else findable
        rows = session.execute(page.order_by(projects.c.id).limit(BATCH)).mappings().all()
        if not rows:
            break
        index.put_many([document(row) for row in rows])
        after = rows[-1]["id"]
    session.flush()
    session.close()


def downgrade():
    drop_text_index_tables(op)

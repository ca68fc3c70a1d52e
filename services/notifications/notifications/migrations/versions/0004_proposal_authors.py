"""Who wrote a consultation's proposal or amendment (`proposal_authors`), for the amendment notices moved here from
the ideas service (issue 15 §1); the proposals written before are not known (their authors are not told).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("proposal_authors",
                    sa.Column("proposal_id", sa.String(64), primary_key=True),
                    sa.Column("author_id", sa.String(36), nullable=True))
    op.create_index("ix_proposal_authors_author_id", "proposal_authors", ["author_id"])


def downgrade():
    op.drop_index("ix_proposal_authors_author_id", table_name="proposal_authors")
    op.drop_table("proposal_authors")

"""Consultations (sections, proposals and amendments, comments, supports, argued votes, questionnaire
responses); moderation of their content; routing decisions on the status history.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _moment(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    with op.batch_alter_table("ideas") as batch:
        batch.alter_column("scheme", type_=sa.String(64), existing_nullable=True)
    with op.batch_alter_table("idea_status_changes") as batch:
        batch.alter_column("scheme", type_=sa.String(64), existing_nullable=True)
        batch.add_column(sa.Column("decision_id", sa.String(36), nullable=True))
    op.create_index("ix_idea_status_changes_decision_id", "idea_status_changes", ["decision_id"])
    for table in ("content_reports", "moderation_actions"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("content_kind", type_=sa.String(24), existing_nullable=False)
            batch.alter_column("idea_id", existing_type=sa.String(36), nullable=True)
            batch.add_column(sa.Column("consultation_id", sa.String(36), nullable=True))
        op.create_index(f"ix_{table}_consultation_id", table, ["consultation_id"])

    op.create_table(
        "consultations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("resources", sa.JSON, nullable=False),
        sa.Column("agenda", sa.JSON, nullable=False),
        _moment("opens_at"), _moment("closes_at"),
        _moment("opened_announced_at", True), _moment("closed_announced_at", True),
        sa.Column("synthesis", sa.Text, nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("decision_body", sa.String(200), nullable=True),
        sa.Column("decision_date", sa.Date, nullable=True),
        sa.Column("deliberation_url", sa.String(500), nullable=True),
        _moment("synthesis_published_at", True),
        sa.Column("created_by", sa.String(36), nullable=True),
        _moment("created_at"), _moment("updated_at"),
    )
    op.create_index("ix_consultations_opens_at", "consultations", ["opens_at"])
    op.create_index("ix_consultations_closes_at", "consultations", ["closes_at"])
    op.create_index("ix_consultations_created_by", "consultations", ["created_by"])
    op.create_table(
        "consultation_sections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("agree_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disagree_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("responses_count", sa.Integer, nullable=False, server_default="0"),
        _moment("created_at"),
    )
    op.create_index("ix_consultation_sections_consultation_id", "consultation_sections", ["consultation_id"])
    op.create_table(
        "consultation_proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("section_id", sa.Integer, sa.ForeignKey("consultation_sections.id"), nullable=False),
        sa.Column("amends_id", sa.String(36), nullable=True),
        sa.Column("amendment_status", sa.String(12), nullable=True),
        sa.Column("decision_note", sa.Text, nullable=True),
        sa.Column("decided_by_role", sa.String(16), nullable=True),
        _moment("decided_at", True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(40), nullable=False),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in (
            "supports_count", "comments_count", "amendments_count", "arguments_count", "agree_count",
            "disagree_count")],
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        _moment("created_at"),
    )
    for column in ("consultation_id", "section_id", "amends_id", "author_id", "created_at"):
        op.create_index(f"ix_consultation_proposals_{column}", "consultation_proposals", [column])
    op.create_table(
        "consultation_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("proposal_id", sa.String(36), sa.ForeignKey("consultation_proposals.id"), nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("supports_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        _moment("created_at"),
    )
    for column in ("consultation_id", "proposal_id", "author_id"):
        op.create_index(f"ix_consultation_comments_{column}", "consultation_comments", [column])
    op.create_table(
        "consultation_supports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("target_kind", sa.String(24), nullable=False),
        sa.Column("target_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        _moment("created_at"),
        sa.UniqueConstraint("target_kind", "target_id", "account_id", name="uq_consultation_supports_target_account"),
    )
    op.create_index("ix_consultation_supports_consultation_id", "consultation_supports", ["consultation_id"])
    op.create_index("ix_consultation_supports_account_id", "consultation_supports", ["account_id"])
    op.create_table(
        "consultation_arguments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("section_id", sa.Integer, sa.ForeignKey("consultation_sections.id"), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=True),
        sa.Column("target", sa.String(48), nullable=False),
        sa.Column("position", sa.String(8), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("author_pseudonym", sa.String(40), nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        _moment("created_at"),
        sa.UniqueConstraint("target", "author_id", name="uq_consultation_arguments_target_author"),
    )
    for column in ("consultation_id", "section_id", "proposal_id", "author_id"):
        op.create_index(f"ix_consultation_arguments_{column}", "consultation_arguments", [column])
    op.create_table(
        "consultation_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consultation_id", sa.String(36), sa.ForeignKey("consultations.id"), nullable=False),
        sa.Column("section_id", sa.Integer, sa.ForeignKey("consultation_sections.id"), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=True),
        sa.Column("answers", sa.JSON, nullable=False),
        _moment("created_at"),
        sa.UniqueConstraint("section_id", "account_id", name="uq_consultation_responses_section_account"),
    )
    for column in ("consultation_id", "section_id", "account_id"):
        op.create_index(f"ix_consultation_responses_{column}", "consultation_responses", [column])


def downgrade():
    for table in ("consultation_responses", "consultation_arguments", "consultation_supports",
                  "consultation_comments", "consultation_proposals", "consultation_sections", "consultations"):
        op.drop_table(table)
    for table in ("content_reports", "moderation_actions"):
        op.drop_index(f"ix_{table}_consultation_id", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("consultation_id")
    op.drop_index("ix_idea_status_changes_decision_id", "idea_status_changes")
    with op.batch_alter_table("idea_status_changes") as batch:
        batch.drop_column("decision_id")

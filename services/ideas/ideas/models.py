"""Tables of the ideas database.

Authors are kept as an account id (for their own export and erasure) plus a snapshot of their
pseudonym (what readers see): the ideas service cannot read the accounts database.
"""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_idempotency_table, add_infrastructure_tables
from hubkit.text_index import add_text_index_tables

from .domain.consultations import new_shuffle_key


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)
add_idempotency_table(Base.metadata)
add_text_index_tables(Base.metadata)  # what similar ideas and search find (handlers/findable.py)


def new_id() -> str:
    return str(uuid.uuid4())


class Idea(Base):
    __tablename__ = "ideas"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(140))
    description: Mapped[str] = mapped_column(sa.Text)
    theme: Mapped[str] = mapped_column(sa.String(32), index=True)
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)
    address_line: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    scheme: Mapped[str | None] = mapped_column(sa.String(64))  # where a forwarded idea went
    merged_into_id: Mapped[str | None] = mapped_column(sa.String(36))
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)  # NULL once the account is deleted
    author_pseudonym: Mapped[str] = mapped_column(sa.String(40))
    # lower case, without accents: the same case- and accent-blind search on SQLite and PostgreSQL
    search_text: Mapped[str] = mapped_column(sa.Text)
    supports_count: Mapped[int] = mapped_column(sa.Integer, default=0, index=True)
    comments_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # imported ideas: "decide_madrid:<id>" (a re-run finds them) and the supports they had there, as a count
    source_ref: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    imported_supports: Mapped[int] = mapped_column(sa.Integer, default=0)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # by moderation: shown as masked
    # The correlation id of the idea's `idea_submitted` (the citizen's click), for the `submissions` RPC;
    # NULL for ideas submitted before it was kept (their outbox row tells it) and for imported ones.
    submission_correlation_id: Mapped[str | None] = mapped_column(sa.String(128))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class StatusChange(Base):
    """The public timeline of an idea: its submission, then each change of status with its message."""
    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    scheme: Mapped[str | None] = mapped_column(sa.String(64))
    # the routing service's decision that made this change (its events are applied once per decision)
    decision_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    merged_into_id: Mapped[str | None] = mapped_column(sa.String(36))
    message: Mapped[str | None] = mapped_column(sa.Text)
    changed_by: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    changed_by_role: Mapped[str] = mapped_column(sa.String(16))
    changed_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Support(Base):
    """One support per account and idea; a deleted account's support stays counted, unlinked (NULL)."""
    __tablename__ = "idea_supports"
    __table_args__ = (sa.UniqueConstraint("idea_id", "account_id", name="uq_idea_supports_idea_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Comment(Base):
    __tablename__ = "idea_comments"

    # a sequence, not a random id: comments are listed in the order they were posted
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_pseudonym: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Follow(Base):
    """Who follows an idea (to be told of its news once the hub sends notifications)."""
    __tablename__ = "idea_follows"
    __table_args__ = (sa.UniqueConstraint("idea_id", "account_id", name="uq_idea_follows_idea_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Report(Base):
    """A citizen's report of an idea or a comment: one per account and item. `reviewed` once a
    moderator hid or restored the item (later reports count towards a new review)."""
    __tablename__ = "content_reports"
    __table_args__ = (sa.UniqueConstraint("content_kind", "content_id", "account_id",
                                          name="uq_content_reports_content_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    content_kind: Mapped[str] = mapped_column(sa.String(24))  # domain.CONTENT_KINDS
    content_id: Mapped[str] = mapped_column(sa.String(36))
    # where the content lives: an idea (its own or its comment's) or a consultation (the rest)
    idea_id: Mapped[str | None] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    consultation_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    reviewed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    # when the reporter's account was created, as accounts said at the report (NULL: unknown, or not asked
    # because no minimum age is set): only reports of accounts old enough hide an item
    reporter_registered_at = mapped_column(sa.DateTime(timezone=True), nullable=True)


class ModerationAction(Base):
    """The log of moderation: hidden (by reports or a moderator) and restored, with the reason."""
    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    content_kind: Mapped[str] = mapped_column(sa.String(24))
    content_id: Mapped[str] = mapped_column(sa.String(36))
    idea_id: Mapped[str | None] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    consultation_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))  # "hidden" or "restored"
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(16))  # "system" when reports hid it
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


# --- consultations ------------------------------------------------------------------------------

class Consultation(Base):
    """A consultation of the City: its state comes from its dates; `opened_announced_at` and
    `closed_announced_at` record that `consultation_opened` / `consultation_closed` were emitted (once)."""
    __tablename__ = "consultations"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(140))
    context: Mapped[str] = mapped_column(sa.Text)
    resources = mapped_column(sa.JSON, nullable=False)  # [{"label", "url"}]
    agenda = mapped_column(sa.JSON, nullable=False)  # [{"title", "place", "starts_at"}]
    opens_at = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    closes_at = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    opened_announced_at = mapped_column(sa.DateTime(timezone=True))
    closed_announced_at = mapped_column(sa.DateTime(timezone=True))
    synthesis: Mapped[str | None] = mapped_column(sa.Text)
    decision: Mapped[str | None] = mapped_column(sa.Text)
    decision_body: Mapped[str | None] = mapped_column(sa.String(200))
    decision_date = mapped_column(sa.Date)
    deliberation_url: Mapped[str | None] = mapped_column(sa.String(500))
    synthesis_published_at = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # the direction that runs it (its agents edit, close and conclude it); None: administrators only
    direction: Mapped[str | None] = mapped_column(sa.String(16))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ConsultationSection(Base):
    """A part of a consultation with one participation mode (domain.consultations.MODES). `body`: the
    introduction, the question of an argued vote, or the amendable text; `questions`: a questionnaire's."""
    __tablename__ = "consultation_sections"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(140))
    mode: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str | None] = mapped_column(sa.Text)
    questions = mapped_column(sa.JSON, nullable=False)
    agree_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # argued vote on the section's question
    disagree_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    responses_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # questionnaire
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Proposal(Base):
    """A citizen's proposal in a section; an amendment is a proposal too (`amends_id` set), with its
    own supports, accepted or rejected by the amended proposal's author or an agent."""
    __tablename__ = "consultation_proposals"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_sections.id"), index=True)
    amends_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    amendment_status: Mapped[str | None] = mapped_column(sa.String(12))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_role: Mapped[str | None] = mapped_column(sa.String(16))
    decided_at = mapped_column(sa.DateTime(timezone=True))
    title: Mapped[str] = mapped_column(sa.String(140))
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_pseudonym: Mapped[str] = mapped_column(sa.String(40))
    supports_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    comments_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    amendments_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    arguments_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    agree_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    disagree_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # drawn once; a visitor's random order mixes it with their seed (domain.consultations.shuffle_rank)
    shuffle_key: Mapped[int] = mapped_column(sa.Integer, default=new_shuffle_key)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)


class ProposalComment(Base):
    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    proposal_id: Mapped[str] = mapped_column(sa.ForeignKey("consultation_proposals.id"), index=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_pseudonym: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    supports_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ConsultationSupport(Base):
    """« D'accord » on a proposal (or amendment) or on a comment: one per account and item."""
    __tablename__ = "consultation_supports"
    __table_args__ = (sa.UniqueConstraint("target_kind", "target_id", "account_id",
                                          name="uq_consultation_supports_target_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    target_kind: Mapped[str] = mapped_column(sa.String(24))  # "proposal" or "proposal_comment"
    target_id: Mapped[str] = mapped_column(sa.String(36))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Argument(Base):
    """An argued vote: agree or disagree, with the argument, on a section's question or on a proposal.
    One per account and target (`target`: "section:<id>" or "proposal:<id>"); it is final."""
    __tablename__ = "consultation_arguments"
    __table_args__ = (sa.UniqueConstraint("target", "author_id", name="uq_consultation_arguments_target_author"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_sections.id"), index=True)
    proposal_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    target: Mapped[str] = mapped_column(sa.String(48))
    position: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_pseudonym: Mapped[str] = mapped_column(sa.String(40))
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class QuestionnaireResponse(Base):
    """One account's answers to a questionnaire section, once: {question id: choice, [choices] or text}."""
    __tablename__ = "consultation_responses"
    __table_args__ = (sa.UniqueConstraint("section_id", "account_id",
                                          name="uq_consultation_responses_section_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(sa.ForeignKey("consultations.id"), index=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_sections.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    answers = mapped_column(sa.JSON, nullable=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)

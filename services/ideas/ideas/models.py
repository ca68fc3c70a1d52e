"""Tables of the ideas database.

Authors are kept as an account id (for their own export and erasure) plus a snapshot of their
pseudonym (what readers see): the ideas service cannot read the accounts database.
"""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_infrastructure_tables


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)


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
    scheme: Mapped[str | None] = mapped_column(sa.String(24))  # where a forwarded idea went
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
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class StatusChange(Base):
    """The public timeline of an idea: its submission, then each change of status with its message."""
    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    scheme: Mapped[str | None] = mapped_column(sa.String(24))
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
    content_kind: Mapped[str] = mapped_column(sa.String(8))  # "idea" or "comment"
    content_id: Mapped[str] = mapped_column(sa.String(36))
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    reviewed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ModerationAction(Base):
    """The log of moderation: hidden (by reports or a moderator) and restored, with the reason."""
    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    content_kind: Mapped[str] = mapped_column(sa.String(8))
    content_id: Mapped[str] = mapped_column(sa.String(36))
    idea_id: Mapped[str] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))  # "hidden" or "restored"
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(16))  # "system" when reports hid it
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)

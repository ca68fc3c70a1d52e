"""Tables of the petitions database."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_idempotency_table, add_infrastructure_tables
from hubkit.text_index import add_text_index_tables


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)
add_idempotency_table(Base.metadata)
add_text_index_tables(Base.metadata)  # the petitions citizens may find by words (domain/suggestions.py)

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


def new_id() -> str:
    return str(uuid.uuid4())


# The public list reads one tab (status) of visible petitions in one order, a page at a time: each order has an
# index that gives it within a status, and the tab counts are read from the smaller of them (index only).
_VISIBLE = {"postgresql_where": sa.text("hidden = false"), "sqlite_where": sa.text("hidden = 0")}
PUBLISHED_AT = "coalesce(opened_at, moderated_at)"  # when a petition reached the public list


class Petition(Base):
    __tablename__ = "petitions"
    __table_args__ = (
        sa.Index("ix_petitions_list_recent", "status", sa.text(f"{PUBLISHED_AT} DESC"), "id", **_VISIBLE),
        sa.Index("ix_petitions_list_popular", "status", sa.text("signatures_count DESC"),
                 sa.text(f"{PUBLISHED_AT} DESC"), "id", **_VISIBLE),
        sa.Index("ix_petitions_list_arrondissement", "arrondissement", "status", **_VISIBLE),
        sa.Index("ix_petitions_updated_at", "updated_at"),  # the list's version (handlers/tab_counts.py)
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    asks: Mapped[str] = mapped_column(sa.Text)
    background: Mapped[str] = mapped_column(sa.Text)
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger)
    search_text: Mapped[str] = mapped_column(sa.Text)
    # The author: unlinked (NULL, anonymous pseudonym) when the account is deleted.
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_pseudonym: Mapped[str] = mapped_column(sa.String(60))
    # The private link co-sponsors open. Not a credential (it lets a signed-in account co-sponsor a
    # draft, once): kept in clear so the author can share it again.
    sponsor_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # An idea forwarded by the routing service becomes at most one draft (column named before the routing
    # contract called it the origin idea).
    origin_idea_id: Mapped[str | None] = mapped_column("source_idea_id", sa.String(36), unique=True)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    submitted_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    moderation_due_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    moderated_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    moderated_by: Mapped[str | None] = mapped_column(sa.String(36))
    # Fixed at publication, for the whole life of the petition.
    eligibility: Mapped[str | None] = mapped_column(sa.String(24))
    threshold: Mapped[int | None] = mapped_column(sa.Integer)
    opened_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    closes_at = mapped_column(sa.DateTime(timezone=True), nullable=True, index=True)
    threshold_reached_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    rejection_code: Mapped[str | None] = mapped_column(sa.String(24))
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    hidden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    council_session_date = mapped_column(sa.Date, nullable=True)
    council_agenda_url: Mapped[str | None] = mapped_column(sa.String(500))
    scheduled_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    decision: Mapped[str | None] = mapped_column(sa.String(24))
    response: Mapped[str | None] = mapped_column(sa.Text)
    answered_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    closed_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    closed_reason: Mapped[str | None] = mapped_column(sa.String(16))
    # The sum of its counter rows, for the popular order: kept by the signing write (on PostgreSQL only when no
    # other transaction holds the row, never waiting for it: concurrent signers of one petition would queue on
    # it) and set exactly whenever the counters are (publication, recount, closing); the sweep catches up what
    # was skipped, so it is at most `sweep_seconds` behind (handlers/signature_totals.py).
    signatures_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Sponsor(Base):
    """A co-sponsor of a draft: one per account and petition (unlinked when the account is deleted)."""
    __tablename__ = "petition_sponsors"
    __table_args__ = (sa.UniqueConstraint("petition_id", "account_id", name="uq_sponsor_petition_account"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    petition_id: Mapped[str] = mapped_column(sa.ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Signature(Base):
    """One signature per account and petition: the unique constraint is the source of truth."""
    __tablename__ = "petition_signatures"
    __table_args__ = (sa.UniqueConstraint("petition_id", "account_id", name="uq_signature_petition_account"),
                      sa.Index("ix_signatures_petition_arrondissement", "petition_id", "arrondissement"),
                      sa.Index("ix_signatures_petition_ip", "petition_id", "client_ip"),
                      sa.Index("ix_signatures_petition_created", "petition_id", "created_at"))

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    petition_id: Mapped[str] = mapped_column(sa.ForeignKey("petitions.id", ondelete="CASCADE"))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    lives_in_paris: Mapped[bool] = mapped_column(sa.Boolean)
    works_in_paris: Mapped[bool] = mapped_column(sa.Boolean)
    studies_in_paris: Mapped[bool] = mapped_column(sa.Boolean)
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger)
    notify: Mapped[bool] = mapped_column(sa.Boolean)  # opted in to the threshold, Council and response e-mails
    client_ip: Mapped[str | None] = mapped_column(sa.String(45))  # for the anti-fraud view; erased with the account
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    # Set by a moderator's bulk invalidation (fraud): the signature stays recorded (its account cannot sign
    # again: the unique constraint stays) but no longer counts.
    invalidated_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    invalidation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("petition_moderation_log.id", name="fk_signature_invalidation"))


class SignatureCounter(Base):
    """The count of a petition is the sum of its counter rows (see domain.COUNTER_SHARDS)."""
    __tablename__ = "petition_signature_counters"

    petition_id: Mapped[str] = mapped_column(sa.ForeignKey("petitions.id", ondelete="CASCADE"), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    signatures: Mapped[int] = mapped_column(sa.Integer, default=0)


class HistoryEntry(Base):
    """Audit trail of every step of a petition: who (an account id and a role), what, when."""
    __tablename__ = "petition_history"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    petition_id: Mapped[str] = mapped_column(sa.ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str | None] = mapped_column(sa.String(24))  # rejection code, decision, close reason
    at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class ModerationLogEntry(Base):
    """A moderator's bulk action on signatures (invalidation), with its criterion and its public reason."""
    __tablename__ = "petition_moderation_log"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    petition_id: Mapped[str] = mapped_column(sa.ForeignKey("petitions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    criterion: Mapped[str] = mapped_column(sa.String(16))  # "ip", "email_domain" or "ids"
    client_ip: Mapped[str | None] = mapped_column(sa.String(45))  # the address invalidated, for "ip"
    email_domain: Mapped[str | None] = mapped_column(sa.String(253))  # the domain invalidated, for "email_domain"
    affected: Mapped[int] = mapped_column(sa.Integer)  # signatures invalidated by this action
    signatures_count: Mapped[int] = mapped_column(sa.Integer)  # the exact count after it
    reason: Mapped[str] = mapped_column(sa.Text)  # public: shown on the petition page
    at = mapped_column(sa.DateTime(timezone=True), nullable=False)

"""Tables of the routing database."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_infrastructure_tables


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite autoincrements INTEGER keys only
AT = sa.DateTime(timezone=True)


def new_id() -> str:
    return str(uuid.uuid4())


# The open inbox (domain.OPEN_STATUSES), as the partial indexes below and the queries that use them spell it: a
# partial index serves a query only if its WHERE holds this very condition with the values written in the SQL
# (handlers/inbox_queries.open_items), not sent as parameters.
OPEN_ITEMS = "status IN ('waiting', 'pending')"
PENDING_DECISIONS = "state = 'pending'"
UNDELIVERED = "delivered_at IS NULL"


def _partial(condition: str) -> dict:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


class Scheme(Base):
    """A scheme of the City an idea can be sent to (the catalogue, also published as Open311 services)."""
    __tablename__ = "schemes"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text)
    direction: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(16))
    delivery: Mapped[str] = mapped_column(sa.String(16))
    webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    # Signs what the hub sends and authenticates what the scheme answers; never shown once set.
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(128))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    deadline_days: Mapped[int] = mapped_column(sa.Integer)
    keywords: Mapped[list] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # The action door « Agir » (domain/actions.py): the fields of the form a citizen fills to ask the scheme
    # directly (None: the scheme takes no direct request), who may ask (a rule, and its wording).
    request_form: Mapped[list | None] = mapped_column(sa.JSON)
    eligibility: Mapped[str | None] = mapped_column(sa.String(24))
    who_may_ask: Mapped[str | None] = mapped_column(sa.Text)
    created_at = mapped_column(AT)
    updated_at = mapped_column(AT)


class InboxItem(Base):
    """An idea of the idea box as the agents' inbox sees it: a snapshot of its text, the suggestion, the
    checklist, who it is assigned to, its deadline and where it went.

    The inbox lists in the order (deadline_at, received_at, idea_id) (domain/paging.py): one index per way of
    filtering it gives that order without a sort, so a page costs the page, not the inbox (migration 0004)."""
    __tablename__ = "inbox_items"
    __table_args__ = (
        sa.Index("ix_inbox_items_open_queue", "deadline_at", "received_at", "idea_id", **_partial(OPEN_ITEMS)),
        sa.Index("ix_inbox_items_open_direction_queue", "direction", "deadline_at", "received_at", "idea_id",
                 **_partial(OPEN_ITEMS)),
        # the gauges by scheme, and the open inbox's counts (the deadline tells the overdue), from the index alone
        sa.Index("ix_inbox_items_open_by_scheme", "scheme", "direction", "deadline_at", **_partial(OPEN_ITEMS)),
        sa.Index("ix_inbox_items_status_queue", "status", "deadline_at", "received_at", "idea_id"),
        sa.Index("ix_inbox_items_queue", "deadline_at", "received_at", "idea_id"),
    )

    idea_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    excerpt: Mapped[str] = mapped_column(sa.Text)
    theme: Mapped[str | None] = mapped_column(sa.String(32))
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # The correlation id of the citizen's submission: every later event about the idea carries it.
    correlation_id: Mapped[str] = mapped_column(sa.String(128), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    suggested_scheme: Mapped[str] = mapped_column(sa.String(40))
    suggestion_reason: Mapped[str] = mapped_column(sa.Text)
    suggestion_keywords: Mapped[list] = mapped_column(sa.JSON)
    checklist: Mapped[dict] = mapped_column(sa.JSON)
    # The scheme the idea is currently headed to (the suggestion, then the agent's choice), and its direction.
    scheme: Mapped[str] = mapped_column(sa.String(40), index=True)
    direction: Mapped[str] = mapped_column(sa.String(16), index=True)
    assigned_agent_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    submitted_at = mapped_column(AT)
    received_at = mapped_column(AT, index=True)
    deadline_at = mapped_column(AT)
    first_response_at = mapped_column(AT, nullable=True)
    decided_at = mapped_column(AT, nullable=True)
    # set by every write of the item: the inbox's latest is the version its remembered counts are kept under
    updated_at = mapped_column(AT, index=True)


class Decision(Base):
    """What an agent decided about an idea. It takes effect (events, dossier, webhook) once the undo window
    passed; an undone decision stays, cancelled, in the history, and so does a re-routed one."""
    __tablename__ = "decisions"
    # the sweep's due decisions: the few pending ones, not every decision ever taken
    __table_args__ = (sa.Index("ix_decisions_pending_due", "effective_at", **_partial(PENDING_DECISIONS)),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    idea_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("inbox_items.idea_id"), index=True)
    # The form token or Idempotency-Key of the agent's request: the same request twice is one decision.
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    scheme: Mapped[str | None] = mapped_column(sa.String(40))
    direction: Mapped[str] = mapped_column(sa.String(16))
    message: Mapped[str] = mapped_column(sa.Text)
    reason_code: Mapped[str | None] = mapped_column(sa.String(32))
    duplicate_of: Mapped[str | None] = mapped_column(sa.String(36))
    state: Mapped[str] = mapped_column(sa.String(16), index=True)  # pending, effective, cancelled, superseded
    replaces: Mapped[str | None] = mapped_column(sa.String(36))  # the forward a re-routing replaces
    actor_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)  # an agent's export and erasure
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    request_id: Mapped[str] = mapped_column(sa.String(128))
    created_at = mapped_column(AT)
    effective_at = mapped_column(AT, index=True)
    applied_at = mapped_column(AT, nullable=True)
    cancelled_at = mapped_column(AT, nullable=True)


class Dossier(Base):
    """What an external scheme received for a forwarded idea (one per decision), or for a citizen's direct request
    through « Agir » (no idea, no decision: `direct_request_id` names its story), with its reference."""
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    decision_id: Mapped[str | None] = mapped_column(sa.String(36), sa.ForeignKey("decisions.id"), unique=True)
    idea_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(16), default="idea", server_default="idea")
    # A direct request: the id its events and trace entries are about, who asked (None once their account is
    # deleted), what they wrote, the correlation id of their click, the form's token (sent twice: one dossier).
    direct_request_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    requester_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    request: Mapped[dict | None] = mapped_column(sa.JSON)
    correlation_id: Mapped[str | None] = mapped_column(sa.String(128))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    scheme: Mapped[str] = mapped_column(sa.String(40))
    delivery: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))  # sent, delivered, answered
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answer_status: Mapped[str | None] = mapped_column(sa.String(40))
    created_at = mapped_column(AT)
    delivered_at = mapped_column(AT, nullable=True)
    answered_at = mapped_column(AT, nullable=True)


class WebhookDelivery(Base):
    """A webhook call owed to a scheme, retried with backoff until it answers 2xx (like an outbox row)."""
    __tablename__ = "webhook_deliveries"
    # the delivery timer's due calls: those not delivered yet, not every call ever made
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "next_attempt_at", **_partial(UNDELIVERED)),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(BIG_ID, sa.ForeignKey("dossiers.id"), unique=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    body: Mapped[str] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at = mapped_column(AT, index=True)
    delivered_at = mapped_column(AT, nullable=True, index=True)
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class ReceivedAnswerSignature(Base):
    """A scheme's answer already accepted, remembered (by a digest of its signature) until its timestamp is too old
    to be accepted anyway: the same signed answer played again is refused. Written in the answer's transaction."""
    __tablename__ = "received_answer_signatures"

    signature_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    dossier_reference: Mapped[str] = mapped_column(sa.String(40))
    expires_at = mapped_column(AT, index=True)


class TraceEntry(Base):
    """One step of an idea's history across services: an event applied once (event id unique per idea). A direct
    request's steps are kept the same way, under its `direct_request_id` in `idea_id`."""
    __tablename__ = "trace_entries"
    __table_args__ = (sa.UniqueConstraint("event_id", "idea_id", name="uq_trace_event_idea"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(36))
    type: Mapped[str] = mapped_column(sa.String(80))
    service: Mapped[str] = mapped_column(sa.String(64))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    correlation_id: Mapped[str] = mapped_column(sa.String(128), index=True)
    causation_id: Mapped[str] = mapped_column(sa.String(128))
    occurred_at = mapped_column(AT, index=True)
    summary: Mapped[str] = mapped_column(sa.Text)  # French, safe for the author and the public
    # Only for agents: who acted, private notes (never in the citizen's timeline).
    agent_note: Mapped[str | None] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class Link(Base):
    """What another service made of an idea (a budget project, a petition): lets their later events, even
    without `origin_idea_id`, find the idea's timeline."""
    __tablename__ = "links"

    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)  # events name it alone
    idea_id: Mapped[str] = mapped_column(sa.String(36), index=True)


class ReconciliationCursor(Base):
    """How far reconciliation has read a feed of another service (the ideas service's `submissions`): the
    cursor of the last entry it finished with, so each run reads only what came after."""
    __tablename__ = "reconciliation_cursors"

    feed: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(sa.String(200))
    updated_at = mapped_column(AT)

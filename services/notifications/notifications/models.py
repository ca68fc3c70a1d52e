"""Tables of the notifications database: what each person was told, how they want to be told, whose ideas are
whose (to find the author of an idea when an event does not name them), and which digests went out."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_infrastructure_tables


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)  # outbox (it emits nothing yet), processed events, outgoing mails


def new_id() -> str:
    return str(uuid.uuid4())


class Notification(Base):
    """One thing one person was told. `channel`: how they wanted it told when it was written (`hub`, `email` or
    `digest`); `emailed_at`: when it went out by e-mail (at once, or in a digest), else NULL."""
    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_account_created", "account_id", "created_at"),
        sa.Index("ix_notifications_account_unread", "account_id", "read_at"),
        sa.Index("ix_notifications_digest_pending", "channel", "emailed_at"),
        # one notification per person and event, whatever redelivers it
        sa.UniqueConstraint("account_id", "source_event_id", name="uq_notifications_account_event"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(sa.String(36))
    category: Mapped[str] = mapped_column(sa.String(24))
    channel: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(500))
    source_event_id: Mapped[str] = mapped_column(sa.String(36))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    read_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    emailed_at = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Preference(Base):
    """A person's choice for one category; no row: the category's default (domain.DEFAULT_CHANNELS)."""
    __tablename__ = "preferences"

    account_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(12))
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class IdeaAuthor(Base):
    """Who wrote an idea, from the events that say it (`idea_submitted`'s actor, routing's `author_id`): the
    `dossier_answered` and `idea_merged` events do not name the author, and ideas.get_idea does not either."""
    __tablename__ = "idea_authors"

    idea_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class ProposalAuthor(Base):
    """Who wrote a consultation's proposal or amendment, from the events that say it (`proposal_submitted`'s and
    `amendment_proposed`'s citizen actor): `amendment_proposed` and `amendment_decided` tell these authors, and
    ideas.get_proposal shows a pseudonym only. An erased author stays NULL (nobody to tell)."""
    __tablename__ = "proposal_authors"

    proposal_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class Digest(Base):
    """One weekly digest sent to one person: the primary key makes a second one for the same week impossible,
    whichever replica or run tries."""
    __tablename__ = "digests"

    account_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # ISO week, "2026-W49"
    notifications_count: Mapped[int] = mapped_column(sa.Integer)
    sent_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


# --- « Mon espace »: a read model of what each person took part in, fed by the owners' events ----------------------

class SpaceItem(Base):
    """One thing people take part in (an idea, a consultation, a project, a cycle's vote, a petition, a dossier), as
    the events told it: its state and details here, its title read once from its owner. `state_at`: when the event
    that set the state happened (an older event arriving late changes nothing)."""
    __tablename__ = "space_items"
    __table_args__ = (
        sa.Index("ix_space_items_cycle", "cycle_id"),
    )

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    state: Mapped[str] = mapped_column(sa.String(40), default="")
    detail: Mapped[str] = mapped_column(sa.String(400), default="")
    counts = mapped_column(sa.JSON, nullable=False, default=dict)
    link: Mapped[str] = mapped_column(sa.String(500))
    # keys to find the item from events that name something else: a project's cycle (results), a dossier's scheme
    cycle_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    scheme: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    origin_idea_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    state_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class SpaceRole(Base):
    """One person's part in one item (author, follower, contributor…). `active` false: they unfollowed (kept, with
    `changed_at`, so that a follow older than the unfollow, delivered late, does not bring it back)."""
    __tablename__ = "space_roles"

    account_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    contributions: Mapped[int] = mapped_column(sa.Integer, default=0)  # the person's own, for `contributor`
    # a signer who ticked « être informé·e » when signing: told of the petition's steps (« Pétitions signées »)
    notify: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    changed_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class SpaceEntry(Base):
    """What the person's space lists: one row per (person, item) with their active roles (sorted, comma-separated)
    and the last change of the item or of their part in it. The page reads it on its index, newest first: one
    person's 1,000 items are one index range, never a sort of the table."""
    __tablename__ = "space_entries"
    __table_args__ = (
        sa.Index("ix_space_entries_account_recent", "account_id", sa.text("updated_at DESC"), "kind", "item_id"),
        sa.Index("ix_space_entries_item", "kind", "item_id"),
    )

    account_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    roles: Mapped[str] = mapped_column(sa.String(200))
    contributions: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)

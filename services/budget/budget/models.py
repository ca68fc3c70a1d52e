"""Tables of the budget database."""
import uuid

import sqlalchemy as sa
from hubkit.tables import add_idempotency_table, add_infrastructure_tables
from hubkit.text_index import add_text_index_tables
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)
add_idempotency_table(Base.metadata)
add_text_index_tables(Base.metadata)  # projects findable by their words (handlers/project_index.py)

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")  # SQLite autoincrements INTEGER keys only


def new_id() -> str:
    return str(uuid.uuid4())


class Cycle(Base):
    """One participatory budget (« Budget participatif 2026 »): its stage, envelopes, ballot size and vote rules."""
    __tablename__ = "budget_cycles"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(150))
    edition: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)  # the year its title names
    stage: Mapped[str] = mapped_column(sa.String(24))
    paris_envelope: Mapped[int] = mapped_column(sa.BigInteger)
    sector_envelopes = mapped_column(sa.JSON, nullable=False)  # sector code -> euros, every sector
    max_choices: Mapped[int] = mapped_column(sa.SmallInteger)
    eligibility = mapped_column(sa.JSON, nullable=False)  # {"email_verified", "lives_in_paris", "min_age", ...}
    vote_day = mapped_column(sa.Date, nullable=True)  # the age rule's reference date (else the day of the ballot)
    source: Mapped[str | None] = mapped_column(sa.String(200))  # e.g. "pabulib:France_Toulouse_2024.pb"
    results = mapped_column(sa.JSON, nullable=True)  # per scope: envelope, used, winners (after the tally)
    ballots_count: Mapped[int | None] = mapped_column(sa.Integer)  # fixed when the vote closes
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    vote_closed_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    # Keys the digests of paper voters' identities (one per cycle, never exposed); erased when the vote closes.
    identity_salt: Mapped[str | None] = mapped_column(sa.String(64))


class StageChange(Base):
    """Audit trail of a cycle's stages: who moved it forward, when."""
    __tablename__ = "budget_stage_changes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(24))
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Project(Base):
    __tablename__ = "budget_projects"
    # The lists' orders within a cycle (submission, title) read an index, not a sort of the cycle's projects; the
    # listed projects' counts per cycle and place (the list's total and map) read the partial index alone.
    __table_args__ = (sa.Index("ix_budget_projects_cycle_position", "cycle_id", "position", "id"),
                      sa.Index("ix_budget_projects_cycle_title", "cycle_id", "title"),
                      sa.Index("ix_budget_projects_listed", "cycle_id", "arrondissement", "sector",
                               postgresql_where=sa.text("draft IS false AND merged_into IS NULL"),
                               sqlite_where=sa.text("draft IS 0 AND merged_into IS NULL")))

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)  # order of submission within the cycle (tie-break)
    external_id: Mapped[str | None] = mapped_column(sa.String(64))  # the project_id of an imported .pb file
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text)
    theme: Mapped[str] = mapped_column(sa.String(120))
    scale: Mapped[str] = mapped_column(sa.String(16))
    sector: Mapped[str | None] = mapped_column(sa.String(16))
    address: Mapped[str | None] = mapped_column(sa.String(250))
    origin_idea_id: Mapped[str | None] = mapped_column(sa.String(36))
    estimated_cost: Mapped[int | None] = mapped_column(sa.BigInteger)  # the carriers' estimate
    admissible: Mapped[bool | None] = mapped_column(sa.Boolean)
    admissibility_reason: Mapped[str | None] = mapped_column(sa.Text)  # public
    feasible: Mapped[bool | None] = mapped_column(sa.Boolean)
    feasibility_reason: Mapped[str | None] = mapped_column(sa.Text)  # public
    cost: Mapped[int | None] = mapped_column(sa.BigInteger)  # the City's estimate, what the envelope pays
    studied_by: Mapped[str | None] = mapped_column(sa.String(36))
    studied_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    selected: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    selected_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    votes: Mapped[int | None] = mapped_column(sa.Integer)  # after the tally
    won: Mapped[bool | None] = mapped_column(sa.Boolean)  # after the tally
    votes_paper: Mapped[int | None] = mapped_column(sa.Integer)  # of `votes`, from paper ballots (after the tally)
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1..20, when known
    direction: Mapped[str | None] = mapped_column(sa.String(16))  # owning direction code
    popular_district: Mapped[bool | None] = mapped_column(sa.Boolean)  # « quartier populaire »
    draft: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # forwarded idea not confirmed yet
    origin_decision_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)  # routing's decision
    merged_into: Mapped[str | None] = mapped_column(sa.String(36), index=True)  # co-construction
    implementation_status: Mapped[str | None] = mapped_column(sa.String(24))  # winners
    submitted_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Carrier(Base):
    """Who carries a project (unlinked, NULL, when the account is deleted)."""
    __tablename__ = "budget_project_carriers"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)


class Ballot(Base):
    """One ballot per account and cycle (the unique constraint is the source of truth); changed in place until
    the vote closes. Unlinked from the account (NULL) when it is deleted, still counted."""
    __tablename__ = "budget_ballots"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "account_id", name="uq_ballot_cycle_account"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    # indexed alone too: the personal-data export and forgetting an account look ballots up by account only
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    sector: Mapped[str | None] = mapped_column(sa.String(16))
    receipt_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 of the receipt shown once
    cast_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    changes: Mapped[int] = mapped_column(sa.Integer, default=0)
    channel: Mapped[str] = mapped_column(sa.String(8), default="online")  # online | paper
    counted: Mapped[bool] = mapped_column(sa.Boolean, default=True)  # False: a paper ballot the online one beats


class VoteCount(Base):
    """Live counts, kept by the writes of ballots in their own transaction (handlers/vote_counts.py): a cycle's
    votes per project and channel, and its ballots per channel (`project_id` BALLOTS, ""). Each count is spread over
    a few `shard` rows so that concurrent batches of ballots rarely wait on one row; a read sums them."""
    __tablename__ = "budget_vote_counts"

    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    shard: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    total: Mapped[int] = mapped_column(sa.Integer)


class BallotChoice(Base):
    __tablename__ = "budget_ballot_choices"

    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_projects.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)


class ReplacedReceipt(Base):
    """The receipt of a ballot its voter changed afterwards: checking it says « replaced, not counted »."""
    __tablename__ = "budget_replaced_receipts"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)


class PaperBallot(Base):
    """The identity check of a paper ballot (its choices are the Ballot's). No name, birth date nor document digits:
    a keyed digest of the identity (to refuse a second paper ballot of the same person), erased when the vote
    closes, and the hub account the voter named, if any (the online ballot wins)."""
    __tablename__ = "budget_paper_ballots"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "identity_digest", name="uq_paper_ballot_identity"),)

    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_cycles.id", ondelete="CASCADE"), index=True)
    identity_digest: Mapped[str | None] = mapped_column(sa.String(64))
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    ballot_box: Mapped[str] = mapped_column(sa.String(120))
    id_document_kind: Mapped[str] = mapped_column(sa.String(16))
    recorded_by: Mapped[str | None] = mapped_column(sa.String(36))
    recorded_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class MergeInvitation(Base):
    """A carrier of a source project invited to carry the merged one: pending, accepted or refused."""
    __tablename__ = "budget_merge_invitations"
    __table_args__ = (sa.UniqueConstraint("project_id", "account_id", name="uq_merge_invitation"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    answer: Mapped[str] = mapped_column(sa.String(8))  # pending | accepted | refused
    invited_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    answered_at = mapped_column(sa.DateTime(timezone=True), nullable=True)


class StatusChange(Base):
    """One step of a winner's planning timeline: dated, justified, by whom (or imported from the open data)."""
    __tablename__ = "budget_status_changes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(24))
    justification: Mapped[str] = mapped_column(sa.Text)
    effective_date = mapped_column(sa.Date, nullable=True)
    actor_id: Mapped[str | None] = mapped_column(sa.String(36))
    source: Mapped[str] = mapped_column(sa.String(8))  # agent | import
    recorded_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Follow(Base):
    """« Ajouter à mes favoris » (favorite) or « je m'associe au projet » (associate)."""
    __tablename__ = "budget_project_follows"

    project_id: Mapped[str] = mapped_column(sa.ForeignKey("budget_projects.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class PendingIdea(Base):
    """An idea forwarded to the budget while no cycle takes submissions: the next cycle created drafts it."""
    __tablename__ = "budget_pending_ideas"

    decision_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    idea_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    author_id: Mapped[str | None] = mapped_column(sa.String(36))
    draft = mapped_column(sa.JSON, nullable=False)  # the draft's fields, read from the idea when it arrived
    received_at = mapped_column(sa.DateTime(timezone=True), nullable=False)

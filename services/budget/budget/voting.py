"""Casting online ballots, one or a whole batch in ONE transaction (the gateway coalesces concurrent votes with
hubkit.batching: see docs/architecture.md and bench/ballots.py).

For a batch: each cycle is read once with a share lock (closing the vote takes it exclusively, so no ballot
commits after the tally on PostgreSQL), its candidates once; every item is checked in order against the cycle's
stage, its eligibility rules (attributes fetched for every account of the batch in one accounts call, before the
database is touched) and the ballot rules; each refusal is that item's outcome only. Replacement semantics are
exactly those of one ballot at a time, in the batch's order: a voter's last ballot counts, each earlier receipt
(in the database or earlier in the batch) then reads « replaced ». The writes are a handful of statements for
the whole batch: one SELECT ... FOR UPDATE of the existing ballots, one multi-row INSERT ... ON CONFLICT DO
NOTHING RETURNING of the new ones (a voter whose first ballot another transaction is writing at the same moment
gets 409 BALLOT_IN_PROGRESS, as before), one UPDATE of the replaced ones, the choices, the replaced receipts, the
paper ballots the online ones supersede, and one anonymous `ballot_cast` per cycle of the batch (its `count`
the ballots it stands for). On PostgreSQL the new ballots and the choices are each ONE statement whatever the
batch's size (unnest of arrays: a cached statement, no per-row work in the driver).
"""
from contextlib import nullcontext
from dataclasses import dataclass, field

import sqlalchemy as sa
from hubkit import batching
from hubkit.errors import Conflict, HubError, NotFound
from sqlalchemy.dialects import sqlite

from . import domain, events
from .common import as_error
from .models import Ballot, BallotChoice, Cycle, PaperBallot, ReplacedReceipt

MAX_BATCH = 500
# PostgreSQL: a whole batch in one statement each (arrays unnested), whatever its size.
INSERT_BALLOTS = sa.text(
    "INSERT INTO budget_ballots (cycle_id, account_id, sector, receipt_digest, cast_at, changes, channel, counted) "
    "SELECT c, a, s, d, :now, n, 'online', true FROM unnest(CAST(:cycle_id AS varchar[]), "
    "CAST(:account_id AS varchar[]), CAST(:sector AS varchar[]), CAST(:receipt_digest AS varchar[]), "
    "CAST(:changes AS integer[])) AS t(c, a, s, d, n) "
    "ON CONFLICT (cycle_id, account_id) DO NOTHING RETURNING id, cycle_id, account_id")
INSERT_CHOICES = sa.text(
    "INSERT INTO budget_ballot_choices (ballot_id, project_id) "
    "SELECT * FROM unnest(CAST(:ballot_ids AS bigint[]), CAST(:project_ids AS varchar[]))")


@dataclass
class Vote:
    """One accepted item of a batch: what it chose and the receipt shown to its voter."""
    index: int
    cycle_id: str
    account_id: str
    sector: str | None
    paris: list
    local: list
    receipt: str
    replaced: bool = False


@dataclass
class Voter:
    """Every accepted vote of one account in one cycle within the batch, in order (the last one counts)."""
    votes: list = field(default_factory=list)
    ballot_id: int | None = None
    existing_digest: str | None = None
    changes: int = 0


class Voting:
    """Mixed into the Budget use cases."""

    def cast_ballot(self, actor: dict, command: dict) -> dict:
        account_id = str(actor["account_id"])
        # Asked before the database is touched: no transaction (nor SQLite's one connection) waits on accounts.
        attributes = self.accounts.eligibility_attributes({"account_id": account_id})
        [outcome] = self.cast_ballots([(None, actor, command)], {account_id: attributes})
        if isinstance(outcome, HubError):
            raise outcome
        return outcome

    def cast_ballots(self, entries: list, attributes: dict) -> list:
        """`entries`: (BatchItem or None, actor, command) or a HubError (an item refused before, e.g. malformed);
        `attributes`: account id → eligibility attributes. One outcome per entry, in order."""
        outcomes = list(entries)
        cycles, candidates = self._cycles_of(entries)
        now = self.clock()
        voters = {}
        for index, entry in enumerate(entries):
            if isinstance(entry, HubError):
                continue
            _item, actor, command = entry
            try:
                vote = self._accepted(index, actor, command, cycles, candidates, attributes, now)
            except HubError as refused:
                outcomes[index] = refused
                continue
            voters.setdefault((vote.cycle_id, vote.account_id), Voter()).votes.append(vote)
        if not voters:
            return outcomes
        self._read_existing(voters)
        self._insert_new(voters, now, outcomes)
        written = {key: voter for key, voter in voters.items() if voter.ballot_id is not None}
        self._write(written, now)
        for (cycle_id, _account_id), voter in written.items():
            for vote in voter.votes:
                outcomes[vote.index] = {"cycle_id": cycle_id, "receipt": vote.receipt, "replaced": vote.replaced,
                                        "paris_projects": vote.paris, "sector": vote.sector,
                                        "sector_projects": vote.local, "cast_at": now}
        self._emit_cast(entries, written)
        return outcomes

    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _emit_cast(self, entries: list, written: dict):
        """One anonymous `ballot_cast` per cycle of the batch, `count` the ballots it stands for, with the ids of
        its first ballot: the outbox, the envelopes and the broker see one event per batch, not one per ballot
        (and nobody can line up a ballot event with a voter's request)."""
        by_cycle = {}
        for (cycle_id, _account_id), voter in written.items():
            by_cycle.setdefault(cycle_id, []).extend(vote.index for vote in voter.votes)
        for cycle_id, indexes in by_cycle.items():
            item = entries[min(indexes)][0]
            with batching.bound(item) if item is not None else nullcontext():
                self.uow.emit(events.BALLOT_CAST, events.cycle_subject(cycle_id),
                              {"cycle_id": cycle_id, "channel": domain.ONLINE, "count": len(indexes)},
                              actor=events.ANONYMOUS_VOTER)

    def _cycles_of(self, entries: list) -> tuple:
        ids = sorted({str(entry[2]["cycle_id"]) for entry in entries if not isinstance(entry, HubError)})
        cycles = {cycle.id: cycle for cycle in self.session.execute(
            sa.select(Cycle).where(Cycle.id.in_(ids)).order_by(Cycle.id).with_for_update(read=True)).scalars()}
        return cycles, {cycle_id: self._candidates(cycle_id) for cycle_id in cycles}

    def _accepted(self, index, actor, command, cycles, candidates, attributes, now) -> Vote:
        cycle = cycles.get(str(command["cycle_id"]))
        if cycle is None:
            raise NotFound("Cycle de budget participatif introuvable.")
        account_id = str(actor["account_id"])
        if account_id not in attributes:
            raise NotFound("Compte introuvable.")
        paris = [str(p) for p in command["paris_projects"]]
        local = [str(p) for p in command["sector_projects"]]
        sector = command.get("sector") if local else None
        try:
            domain.require_stage(cycle.stage, domain.VOTE, action="voter")
            domain.check_eligible(cycle.eligibility, attributes[account_id], cycle.vote_day or now.date())
            domain.check_ballot(candidates[cycle.id], cycle.max_choices, paris, sector, local)
        except domain.RuleBroken as broken:
            raise as_error(broken) from None
        return Vote(index, cycle.id, account_id, sector, paris, local, domain.new_receipt())

    def _read_existing(self, voters: dict):
        by_cycle = {}
        for cycle_id, account_id in voters:
            by_cycle.setdefault(cycle_id, []).append(account_id)
        for cycle_id, account_ids in by_cycle.items():
            rows = self.session.execute(sa.select(Ballot.id, Ballot.account_id, Ballot.receipt_digest, Ballot.changes)
                                        .where(Ballot.cycle_id == cycle_id, Ballot.account_id.in_(account_ids))
                                        .order_by(Ballot.id).with_for_update())
            for row in rows:
                voter = voters[(cycle_id, row.account_id)]
                voter.ballot_id, voter.existing_digest, voter.changes = row.id, row.receipt_digest, row.changes

    def _insert_new(self, voters: dict, now, outcomes: list):
        new = {key: voter for key, voter in voters.items() if voter.ballot_id is None}
        if not new:
            return
        rows = [{"cycle_id": cycle_id, "account_id": account_id, "sector": voter.votes[-1].sector,
                 "receipt_digest": domain.receipt_digest(voter.votes[-1].receipt), "cast_at": now,
                 "changes": len(voter.votes) - 1, "channel": domain.ONLINE, "counted": True}
                for (cycle_id, account_id), voter in new.items()]
        if self._postgresql():
            inserted = self.session.execute(INSERT_BALLOTS, {
                "now": now, **{column: [row[column] for row in rows]
                               for column in ("cycle_id", "account_id", "sector", "receipt_digest", "changes")}})
        else:
            table = Ballot.__table__
            inserted = self.session.execute(sqlite.insert(table).values(rows).on_conflict_do_nothing(
                index_elements=["cycle_id", "account_id"]).returning(table.c.id, table.c.cycle_id,
                                                                      table.c.account_id))
        for row in inserted:
            new[(row.cycle_id, row.account_id)].ballot_id = row.id
        for voter in new.values():
            if voter.ballot_id is None:  # the same account's first ballot, written by another transaction now
                for vote in voter.votes:
                    outcomes[vote.index] = Conflict("Un autre bulletin de ce compte est en cours d'enregistrement : "
                                                    "réessayez.", code="BALLOT_IN_PROGRESS")
            else:
                voter.changes = -1  # inserted with its final receipt and count of changes

    def _write(self, written: dict, now):
        replaced, updates = [], []
        for (cycle_id, _account_id), voter in written.items():
            digests = [domain.receipt_digest(vote.receipt) for vote in voter.votes]
            previous = ([voter.existing_digest] if voter.existing_digest else []) + digests[:-1]
            replaced += [{"digest": digest, "cycle_id": cycle_id} for digest in previous]
            for position, vote in enumerate(voter.votes):
                vote.replaced = position > 0 or voter.existing_digest is not None
            if voter.existing_digest is not None:
                updates.append({"b_id": voter.ballot_id, "b_digest": digests[-1], "b_sector": voter.votes[-1].sector,
                                "b_changes": voter.changes + len(voter.votes)})
        table = Ballot.__table__
        if updates:
            self.session.execute(sa.delete(BallotChoice).where(BallotChoice.ballot_id.in_(
                [update["b_id"] for update in updates])))
            self.session.connection().execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
                receipt_digest=sa.bindparam("b_digest"), sector=sa.bindparam("b_sector"), cast_at=now,
                changes=sa.bindparam("b_changes")), updates)
        if replaced:
            self.session.execute(sa.insert(ReplacedReceipt), replaced)
        choices = [(voter.ballot_id, project_id)
                   for voter in written.values() for project_id in voter.votes[-1].paris + voter.votes[-1].local]
        if self._postgresql():
            self.session.execute(INSERT_CHOICES, {"ballot_ids": [c[0] for c in choices],
                                                  "project_ids": [c[1] for c in choices]})
        else:
            self.session.execute(sa.insert(BallotChoice), [{"ballot_id": ballot_id, "project_id": project_id}
                                                           for ballot_id, project_id in choices])
        by_cycle = {}
        for cycle_id, account_id in written:
            by_cycle.setdefault(cycle_id, []).append(account_id)
        for cycle_id, account_ids in by_cycle.items():  # the online ballot wins over paper (paper.py)
            linked = sa.select(PaperBallot.ballot_id).where(PaperBallot.cycle_id == cycle_id,
                                                            PaperBallot.account_id.in_(account_ids))
            self.session.execute(sa.update(Ballot).where(Ballot.id.in_(linked), Ballot.counted.is_(True))
                                 .values(counted=False).execution_options(synchronize_session=False))


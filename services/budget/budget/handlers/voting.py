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
paper ballots the online ones supersede, the live counts' differences (one upsert: vote_counts.py), one
anonymous `ballot_cast` per cycle of the batch (its `count` the ballots it stands for) and, next to it, one personal
`ballots_recorded` naming the cycle's voters of the batch (events.PERSONAL_EVENTS: no choice, sector nor receipt).
On PostgreSQL each of these is ONE statement whatever the batch's size (unnest of arrays, or = ANY(array), each
array ONE text parameter: a cached statement, no per-row work in the driver).
"""
from contextlib import nullcontext
from dataclasses import dataclass, field

import sqlalchemy as sa
from hubkit import batching
from hubkit.errors import Conflict, HubError, NotFound
from hubkit.idempotency import IdempotencyKeys, keyed
from hubkit.sqllists import array_literal
from sqlalchemy.dialects import sqlite

from .. import business_metrics, domain, events
from ..models import Ballot, BallotChoice, Base, Cycle, PaperBallot, ReplacedReceipt
from . import vote_counts
from .common import UseCases, as_error

MAX_BATCH = 500
CAST_BALLOT = "cast_ballot"  # the operation in an idempotency key's scope
# PostgreSQL: a whole batch in one statement each (arrays unnested), whatever its size. Each array is sent as ONE
# text parameter, an array literal (hubkit.sqllists): a list of hundreds of separate parameters (IN (...)) would
# be a new query to parse every time.
INSERT_BALLOTS = sa.text(
    "INSERT INTO budget_ballots (cycle_id, account_id, sector, receipt_digest, cast_at, changes, channel, counted) "
    "SELECT c, a, s, d, :now, n, 'online', true FROM unnest(CAST(:cycle_id AS varchar[]), "
    "CAST(:account_id AS varchar[]), CAST(:sector AS varchar[]), CAST(:receipt_digest AS varchar[]), "
    "CAST(:changes AS integer[])) AS t(c, a, s, d, n) "
    "ON CONFLICT (cycle_id, account_id) DO NOTHING RETURNING id, cycle_id, account_id")
INSERT_CHOICES = sa.text(
    "INSERT INTO budget_ballot_choices (ballot_id, project_id) "
    "SELECT * FROM unnest(CAST(:ballot_ids AS bigint[]), CAST(:project_ids AS varchar[]))")
EXISTING_BALLOTS = sa.text(
    "SELECT id, account_id, receipt_digest, changes FROM budget_ballots "
    "WHERE cycle_id = :cycle_id AND account_id = ANY(CAST(:account_ids AS varchar[])) ORDER BY id FOR UPDATE")
DELETE_CHOICES = sa.text("DELETE FROM budget_ballot_choices WHERE ballot_id = ANY(CAST(:ballot_ids AS bigint[]))")
UPDATE_BALLOTS = sa.text(
    "UPDATE budget_ballots AS b SET receipt_digest = t.d, sector = t.s, cast_at = :now, changes = t.n "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:digests AS varchar[]), CAST(:sectors AS varchar[]), "
    "CAST(:changes AS integer[])) AS t(i, d, s, n) WHERE b.id = t.i")
INSERT_REPLACED = sa.text(
    "INSERT INTO budget_replaced_receipts (digest, cycle_id) "
    "SELECT * FROM unnest(CAST(:digests AS varchar[]), CAST(:cycle_ids AS varchar[]))")
SUPERSEDE_PAPER = sa.text(  # the online ballot wins over paper (handlers/paper.py)
    "UPDATE budget_ballots SET counted = false WHERE counted AND id IN (SELECT ballot_id FROM budget_paper_ballots "
    "WHERE cycle_id = :cycle_id AND account_id = ANY(CAST(:account_ids AS varchar[]))) RETURNING id")
_cycles = Cycle.__table__.c
CYCLES = (sa.select(_cycles.id, _cycles.stage, _cycles.eligibility, _cycles.vote_day, _cycles.max_choices)
          .where(_cycles.id.in_(sa.bindparam("ids", expanding=True))).order_by(_cycles.id).with_for_update(read=True))


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
    digest: str  # of the receipt: what the database keeps
    replaced: bool = False


@dataclass
class Voter:
    """Every accepted vote of one account in one cycle within the batch, in order (the last one counts)."""
    votes: list = field(default_factory=list)
    ballot_id: int | None = None
    existing_digest: str | None = None
    changes: int = 0


class Voting(UseCases):
    """Casting online ballots."""

    def cast_ballot(self, actor: dict, command: dict, dump=None) -> dict:
        """One ballot; with `dump` (the receipt's wire form), a keyed one is cast once (`cast_ballots_once`)."""
        account_id = str(actor["account_id"])
        # Asked before the database is touched: no transaction (nor SQLite's one connection) waits on accounts.
        attributes = self.accounts.eligibility_attributes({"account_id": account_id})
        entries = [(None, actor, command)]
        [outcome] = (self.cast_ballots_once(entries, attributes={account_id: attributes}, dump=dump)
                     if dump is not None else self.cast_ballots(entries, {account_id: attributes}))
        if isinstance(outcome, HubError):
            raise outcome
        return outcome

    def cast_ballots_once(self, entries: list, attributes: dict, dump) -> list:
        """`cast_ballots`, each ballot with an idempotency key cast once: the same key and ballot again answers the
        first receipt (stored with the key, as `dump` gives it) and casts and emits nothing (hubkit.idempotency).
        Answers are in their wire form (`dump`) or HubErrors."""
        requests = [None if isinstance(entry, HubError) else keyed(CAST_BALLOT, entry[1]["account_id"], entry[2])
                    for entry in entries]
        return IdempotencyKeys(self.uow, Base.metadata).once(
            requests, lambda picked: self.cast_ballots([entries[index] for index in picked], attributes), dump)

    def cast_ballots(self, entries: list, attributes: dict) -> list:
        """`entries`: (BatchItem or None, actor, command) or a HubError (an item refused before, e.g. malformed);
        `attributes`: account id → eligibility attributes. One outcome per entry, in order."""
        outcomes = list(entries)
        choices = _choices(entries)
        cycles, candidates = self._cycles_of(entries, choices)
        now = self.clock()
        voters = {}
        for index, entry in enumerate(entries):
            if isinstance(entry, HubError):
                continue
            _item, actor, command = entry
            try:
                vote = self._accepted(index, actor, command, choices[index], cycles, candidates, attributes, now)
            except HubError as refused:
                outcomes[index] = refused
                continue
            voters.setdefault((vote.cycle_id, vote.account_id), Voter()).votes.append(vote)
        if not voters:
            return outcomes
        postgresql = self._postgresql()
        self._read_existing(voters, postgresql)
        self._insert_new(voters, now, outcomes, postgresql)
        written = {key: voter for key, voter in voters.items() if voter.ballot_id is not None}
        self._write(written, now, postgresql)
        for (cycle_id, _account_id), voter in written.items():
            for vote in voter.votes:
                outcomes[vote.index] = {"cycle_id": cycle_id, "receipt": vote.receipt, "replaced": vote.replaced,
                                        "paris_projects": vote.paris, "sector": vote.sector,
                                        "sector_projects": vote.local, "cast_at": now}
        self._emit_cast(entries, written)
        # counted here, where they are written: a replay answered from its stored receipt never comes this far
        self.uow.on_commit(lambda: business_metrics.count_ballots(
            [vote.sector for voter in written.values() for vote in voter.votes]))
        return outcomes

    def _emit_cast(self, entries: list, written: dict):
        """Per cycle of the batch, one anonymous `ballot_cast`, `count` the ballots it stands for, and one personal
        `ballots_recorded` naming the accounts whose ballot was recorded or replaced (nothing of what they chose),
        both with the ids of the cycle's first ballot: the outbox, the envelopes and the broker see two events per
        batch, not one per ballot."""
        by_cycle = {}
        for (cycle_id, account_id), voter in written.items():
            indexes, account_ids = by_cycle.setdefault(cycle_id, ([], []))
            indexes.extend(vote.index for vote in voter.votes)
            account_ids.append(account_id)
        for cycle_id, (indexes, account_ids) in by_cycle.items():
            item = entries[min(indexes)][0]
            with batching.bound(item) if item is not None else nullcontext():
                self.uow.emit(events.BALLOT_CAST, events.cycle_subject(cycle_id),
                              {"cycle_id": cycle_id, "channel": domain.ONLINE, "count": len(indexes)},
                              actor=events.ANONYMOUS_VOTER)
                for named in events.account_id_chunks(account_ids):  # one chunk: a batch holds 500 ballots at most
                    self.uow.emit(events.BALLOTS_RECORDED, events.cycle_subject(cycle_id),
                                  {"cycle_id": cycle_id, "account_ids": named}, actor=events.ANONYMOUS_VOTER)

    def _cycles_of(self, entries: list, choices: dict) -> tuple:
        """The batch's cycles (the columns the rules read, share-locked) and, of their candidates, the ones the batch
        names (a cycle puts hundreds of projects on the ballot paper, a batch names a few dozen)."""
        named = {}
        for index, (paris, local) in choices.items():
            projects = named.setdefault(str(entries[index][2]["cycle_id"]), set())
            projects.update(paris)
            projects.update(local)
        if not named:
            return {}, {}
        cycles = {row.id: row for row in self.session.execute(CYCLES, {"ids": sorted(named)})}
        return cycles, {cycle_id: self._candidates(cycle_id, only=named[cycle_id]) for cycle_id in cycles}

    def _accepted(self, index, actor, command, choices, cycles, candidates, attributes, now) -> Vote:
        cycle = cycles.get(str(command["cycle_id"]))
        if cycle is None:
            raise NotFound("Cycle de budget participatif introuvable.")
        account_id = str(actor["account_id"])
        if account_id not in attributes:
            raise NotFound("Compte introuvable.")
        paris, local = choices
        sector = command.get("sector") if local else None
        try:
            domain.require_stage(cycle.stage, domain.VOTE, action="voter")
            domain.check_eligible(cycle.eligibility, attributes[account_id], cycle.vote_day or now.date())
            domain.check_ballot(candidates[cycle.id], cycle.max_choices, paris, sector, local)
        except domain.RuleBroken as broken:
            raise as_error(broken) from None
        receipt = domain.new_receipt()
        return Vote(index, cycle.id, account_id, sector, paris, local, receipt, domain.receipt_digest(receipt))

    def _read_existing(self, voters: dict, postgresql: bool):
        for cycle_id, account_ids in _by_cycle(voters).items():
            if postgresql:
                rows = self.session.execute(EXISTING_BALLOTS, {"cycle_id": cycle_id,
                                                               "account_ids": array_literal(account_ids)})
            else:
                rows = self.session.execute(
                    sa.select(Ballot.id, Ballot.account_id, Ballot.receipt_digest, Ballot.changes)
                    .where(Ballot.cycle_id == cycle_id, Ballot.account_id.in_(account_ids))
                    .order_by(Ballot.id).with_for_update())
            for row in rows.all():
                voter = voters[(cycle_id, row.account_id)]
                voter.ballot_id, voter.existing_digest, voter.changes = row.id, row.receipt_digest, row.changes

    def _insert_new(self, voters: dict, now, outcomes: list, postgresql: bool):
        new = {key: voter for key, voter in voters.items() if voter.ballot_id is None}
        if not new:
            return
        rows = [{"cycle_id": cycle_id, "account_id": account_id, "sector": voter.votes[-1].sector,
                 "receipt_digest": voter.votes[-1].digest, "cast_at": now,
                 "changes": len(voter.votes) - 1, "channel": domain.ONLINE, "counted": True}
                for (cycle_id, account_id), voter in new.items()]
        if postgresql:
            inserted = self.session.execute(INSERT_BALLOTS, {
                "now": now, **{column: array_literal([row[column] for row in rows])
                               for column in ("cycle_id", "account_id", "sector", "receipt_digest", "changes")}})
        else:
            table = Ballot.__table__
            inserted = self.session.execute(sqlite.insert(table).values(rows).on_conflict_do_nothing(
                index_elements=["cycle_id", "account_id"]).returning(table.c.id, table.c.cycle_id,
                                                                      table.c.account_id))
        for row in inserted.all():
            new[(row.cycle_id, row.account_id)].ballot_id = row.id
        for voter in new.values():
            if voter.ballot_id is None:  # the same account's first ballot, written by another transaction now
                for vote in voter.votes:
                    outcomes[vote.index] = Conflict("Un autre bulletin de ce compte est en cours d'enregistrement : "
                                                    "réessayez.", code="BALLOT_IN_PROGRESS")
            else:
                voter.changes = -1  # inserted with its final receipt and count of changes

    def _write(self, written: dict, now, postgresql: bool):
        replaced, updates = [], []
        for (cycle_id, _account_id), voter in written.items():
            digests = [vote.digest for vote in voter.votes]
            previous = ([voter.existing_digest] if voter.existing_digest else []) + digests[:-1]
            replaced += [{"digest": digest, "cycle_id": cycle_id} for digest in previous]
            for position, vote in enumerate(voter.votes):
                vote.replaced = position > 0 or voter.existing_digest is not None
            if voter.existing_digest is not None:
                updates.append({"b_id": voter.ballot_id, "b_digest": digests[-1], "b_sector": voter.votes[-1].sector,
                                "b_changes": voter.changes + len(voter.votes)})
        choices = [(voter.ballot_id, project_id)
                   for voter in written.values() for project_id in voter.votes[-1].paris + voter.votes[-1].local]
        differences = self._count_differences(written, updates)
        if postgresql:
            self._write_postgresql(updates, replaced, choices, now)
        else:
            self._write_sqlite(updates, replaced, choices, now)
        for cycle_id, account_ids in _by_cycle(written).items():  # the online ballot wins over paper (paper.py)
            if postgresql:
                superseded = self.session.execute(SUPERSEDE_PAPER, {"cycle_id": cycle_id,
                                                                    "account_ids": array_literal(account_ids)})
            else:
                linked = sa.select(PaperBallot.ballot_id).where(PaperBallot.cycle_id == cycle_id,
                                                                PaperBallot.account_id.in_(account_ids))
                superseded = self.session.execute(sa.update(Ballot).where(Ballot.id.in_(linked),
                                                                          Ballot.counted.is_(True))
                                                  .values(counted=False).returning(Ballot.id)
                                                  .execution_options(synchronize_session=False))
            superseded = superseded.scalars().all()
            if superseded:
                differences.add(cycle_id, vote_counts.BALLOTS, domain.PAPER, -len(superseded))
                for _ballot_id, project_id in vote_counts.choices_of(self.session, superseded):
                    differences.add(cycle_id, project_id, domain.PAPER, -1)
        differences.write(self.session)

    def _count_differences(self, written: dict, updates: list) -> vote_counts.Differences:
        """What the batch changes in the live counts (vote_counts.py): a new ballot and its choices count; a
        replaced one swaps its former choices (read before they are deleted) for its last ones."""
        differences = vote_counts.Differences()
        cycle_of = {}
        for (cycle_id, _account_id), voter in written.items():
            last = voter.votes[-1]
            differences.ballot(cycle_id, domain.ONLINE, last.paris + last.local, ballot=voter.existing_digest is None)
            cycle_of[voter.ballot_id] = cycle_id
        for ballot_id, project_id in vote_counts.choices_of(self.session, [update["b_id"] for update in updates]):
            differences.add(cycle_of[ballot_id], project_id, domain.ONLINE, -1)
        return differences

    def _write_postgresql(self, updates: list, replaced: list, choices: list, now):
        """Each write one statement whatever the batch's size (arrays unnested)."""
        if updates:
            ids = array_literal([update["b_id"] for update in updates])
            self.session.execute(DELETE_CHOICES, {"ballot_ids": ids})
            self.session.execute(UPDATE_BALLOTS, {
                "now": now, "ids": ids, "digests": array_literal([update["b_digest"] for update in updates]),
                "sectors": array_literal([update["b_sector"] for update in updates]),
                "changes": array_literal([update["b_changes"] for update in updates])})
        if replaced:
            self.session.execute(INSERT_REPLACED, {"digests": array_literal([row["digest"] for row in replaced]),
                                                   "cycle_ids": array_literal([row["cycle_id"] for row in replaced])})
        self.session.execute(INSERT_CHOICES, {"ballot_ids": array_literal([choice[0] for choice in choices]),
                                              "project_ids": array_literal([choice[1] for choice in choices])})

    def _write_sqlite(self, updates: list, replaced: list, choices: list, now):
        table = Ballot.__table__
        if updates:
            self.session.execute(sa.delete(BallotChoice).where(BallotChoice.ballot_id.in_(
                [update["b_id"] for update in updates])))
            self.session.connection().execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
                receipt_digest=sa.bindparam("b_digest"), sector=sa.bindparam("b_sector"), cast_at=now,
                changes=sa.bindparam("b_changes")), updates)
        if replaced:
            self.session.execute(sa.insert(ReplacedReceipt), replaced)
        self.session.execute(sa.insert(BallotChoice), [{"ballot_id": ballot_id, "project_id": project_id}
                                                       for ballot_id, project_id in choices])


def _choices(entries: list) -> dict:
    """index → (Paris-wide, sector) project ids of each entry not refused before, as text: converted once."""
    return {index: ([str(p) for p in entry[2]["paris_projects"]], [str(p) for p in entry[2]["sector_projects"]])
            for index, entry in enumerate(entries) if not isinstance(entry, HubError)}


def _by_cycle(voters: dict) -> dict:
    """cycle id → the account ids of `voters` ((cycle id, account id) → Voter) in that cycle."""
    by_cycle = {}
    for cycle_id, account_id in voters:
        by_cycle.setdefault(cycle_id, []).append(account_id)
    return by_cycle

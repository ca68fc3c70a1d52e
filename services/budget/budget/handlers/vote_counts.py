"""Live vote counts, kept by the writes of ballots (issue 17: the agents' live counts summed every ballot choice
per view, 100 ms at 1,500 ballots and 522 ms at 150,000).

Each write that changes what counts adds its difference to `budget_vote_counts` in its own transaction:
an online ballot cast (+1 ballot, +1 per project chosen) or replaced (-1 per project it no longer chooses, +1 per
project it now chooses), a paper ballot recorded and counted, a paper ballot superseded by its voter's online one
(-1 paper ballot, -1 per project it chose). A read then sums a few rows per project, whatever the number of
ballots, and is exact at once: no staleness. Forgetting an account changes no count (its ballot stays counted).

Each count is spread over SHARDS rows (one picked at random per transaction) so that concurrent batches of ballots
rarely wait for one another's row; a writer adds all its differences in ONE statement, rows in sorted order, so
that two writers on PostgreSQL always lock rows in the same order (no deadlock).

The close of the vote still recounts every counted ballot for the tally (`recount`: exact by construction) and
rewrites the cycle's counts with that recount (`replace`): the published results show the tally's figures.
"""
import random

import sqlalchemy as sa
from hubkit.sqllists import array_literal, one_of
from sqlalchemy.dialects import sqlite

from .. import domain
from ..models import Ballot, BallotChoice, Cycle, VoteCount

SHARDS = 4
BALLOTS = ""  # the `project_id` of the rows that count a cycle's ballots themselves, not their choices
# PostgreSQL: one cached statement whatever the number of rows (arrays as one text parameter each, hubkit.sqllists),
# rows upserted in the arrays' order (sorted by the caller).
UPSERT_POSTGRESQL = sa.text(
    "INSERT INTO budget_vote_counts (cycle_id, project_id, channel, shard, total) "
    "SELECT c, p, ch, :shard, t FROM unnest(CAST(:cycle_ids AS varchar[]), CAST(:project_ids AS varchar[]), "
    "CAST(:channels AS varchar[]), CAST(:totals AS integer[])) WITH ORDINALITY AS u(c, p, ch, t, n) ORDER BY n "
    "ON CONFLICT (cycle_id, project_id, channel, shard) DO UPDATE SET total = budget_vote_counts.total + "
    "EXCLUDED.total")


class Differences:
    """What one transaction changes in the counts: (cycle id, project id or BALLOTS, channel) → +n / -n."""

    def __init__(self):
        self.by_key = {}

    def ballot(self, cycle_id: str, channel: str, project_ids, sign: int = 1, ballot: bool = True):
        """A ballot that counts (+1) or no longer counts (-1) with its choices; `ballot=False`: its choices only
        (a ballot replaced in place keeps counting as one)."""
        if ballot:
            self.add(cycle_id, BALLOTS, channel, sign)
        for project_id in project_ids:
            self.add(cycle_id, str(project_id), channel, sign)

    def add(self, cycle_id: str, project_id: str, channel: str, amount: int):
        key = (str(cycle_id), project_id, channel)
        self.by_key[key] = self.by_key.get(key, 0) + amount

    def write(self, session, shard: int | None = None):
        """One upsert of every non-zero difference, rows in sorted order, on one shard."""
        shard = random.randrange(SHARDS) if shard is None else shard
        rows = [{"cycle_id": cycle_id, "project_id": project_id, "channel": channel, "shard": shard, "total": amount}
                for (cycle_id, project_id, channel), amount in sorted(self.by_key.items()) if amount]
        self.by_key = {}
        if not rows:
            return
        if session.get_bind().dialect.name == "postgresql":
            session.execute(UPSERT_POSTGRESQL, {"shard": shard, **{
                name: array_literal([row[column] for row in rows]) for name, column in (
                    ("cycle_ids", "cycle_id"), ("project_ids", "project_id"), ("channels", "channel"),
                    ("totals", "total"))}})
            return
        table = VoteCount.__table__
        statement = sqlite.insert(table).values(rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=["cycle_id", "project_id", "channel", "shard"],
            set_={"total": table.c.total + statement.excluded.total}))


def choices_of(session, ballot_ids: list) -> list:
    """(ballot id, project id) of every choice of these ballots (one cached statement whatever their number)."""
    if not ballot_ids:
        return []
    postgresql_dialect = session.get_bind().dialect.name == "postgresql"
    return session.execute(sa.select(BallotChoice.ballot_id, BallotChoice.project_id).where(
        one_of(BallotChoice.ballot_id, [int(ballot_id) for ballot_id in ballot_ids], postgresql_dialect))).all()


def _shaped(rows) -> tuple:
    """({project_id: (all votes, paper votes)}, {"online": n, "paper": n}) from (project id, channel, count) rows."""
    votes, ballots = {}, {domain.ONLINE: 0, domain.PAPER: 0}
    for project_id, channel, count in rows:
        if project_id == BALLOTS:
            ballots[channel] = ballots.get(channel, 0) + int(count)
            continue
        total, paper = votes.get(project_id, (0, 0))
        votes[project_id] = (total + int(count), paper + (int(count) if channel == domain.PAPER else 0))
    return votes, ballots


def live(session, cycle_id: str) -> tuple:
    """The kept counts of a cycle: ({project_id: (all votes, paper votes)}, {"online": n, "paper": n})."""
    return _shaped(session.execute(sa.select(VoteCount.project_id, VoteCount.channel, sa.func.sum(VoteCount.total))
                                   .where(VoteCount.cycle_id == cycle_id)
                                   .group_by(VoteCount.project_id, VoteCount.channel)))


def live_ballots(session, cycle_id: str) -> dict:
    """The kept count of a cycle's ballots per channel: {"online": n, "paper": n}."""
    return _shaped(session.execute(sa.select(VoteCount.project_id, VoteCount.channel, sa.func.sum(VoteCount.total))
                                   .where(VoteCount.cycle_id == cycle_id, VoteCount.project_id == BALLOTS)
                                   .group_by(VoteCount.project_id, VoteCount.channel)))[1]


def recount(session, cycle_id: str) -> tuple:
    """The same figures counted from every counted ballot (the tally's, and the tests' reference)."""
    votes = session.execute(sa.select(BallotChoice.project_id, Ballot.channel, sa.func.count()).join(
        Ballot, Ballot.id == BallotChoice.ballot_id).where(Ballot.cycle_id == cycle_id, Ballot.counted.is_(True))
        .group_by(BallotChoice.project_id, Ballot.channel)).all()
    ballots = session.execute(sa.select(sa.literal(BALLOTS), Ballot.channel, sa.func.count()).where(
        Ballot.cycle_id == cycle_id, Ballot.counted.is_(True)).group_by(Ballot.channel)).all()
    return _shaped([*votes, *ballots])


def recount_every_cycle(session) -> dict:
    """Every cycle's counts rewritten from its ballots (the command line's `recount-votes`, after ballots were
    written by hand): {cycle id: counted ballots}. Run it while no vote is open, or a ballot cast meanwhile may be
    counted twice or not at all until the vote closes (the tally recounts anyway)."""
    cycle_ids = session.execute(sa.select(Cycle.id).order_by(Cycle.id)).scalars().all()
    counted = {}
    for cycle_id in cycle_ids:
        figures = recount(session, cycle_id)
        replace(session, cycle_id, figures)
        counted[cycle_id] = sum(figures[1].values())
    return counted


def replace(session, cycle_id: str, counted: tuple):
    """The cycle's counts become `counted` (a `recount`), on shard 0."""
    votes, ballots = counted
    session.execute(sa.delete(VoteCount).where(VoteCount.cycle_id == cycle_id))
    differences = Differences()
    for project_id, (total, paper) in votes.items():
        differences.add(cycle_id, project_id, domain.ONLINE, total - paper)
        differences.add(cycle_id, project_id, domain.PAPER, paper)
    for channel, count in ballots.items():
        differences.add(cycle_id, BALLOTS, channel, count)
    differences.write(session, shard=0)

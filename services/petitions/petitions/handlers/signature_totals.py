"""Each petition's total of signatures on its own row (`petitions.signatures_count`), for the popular order of
the public list: an index gives a page of it, where summing every counter row of every petition grew with the
city's data.

The count itself stays the sum of the petition's counter rows (exact at every commit: see signing.py); the total
follows it:

- the signing write adds its new signatures to it, last before its commit. On PostgreSQL only if no other
  transaction holds the petition's row (`FOR NO KEY UPDATE SKIP LOCKED`): two batches signing one petition at
  once would otherwise queue on that row (the counters are spread over 16 rows for this very reason), and a
  moderator's invalidation, which locks the petition then its counters, could deadlock with a signer holding a
  counter and waiting for the petition;
- the transitions that hold the petition (closing, recounting after an invalidation, demo seeding) set it to the
  exact count;
- the sweep (`refresh`, every PETITIONS_SWEEP_SECONDS) sets the total of every signable petition whose total
  differs from its counters, skipping rows another transaction holds.

So the popular order is exact, except during a rush on one petition, when it may be up to one sweep behind (30 s
by default). The counts shown next to each petition are always read from the counters.
"""
import sqlalchemy as sa

from hubkit.sqllists import array_of

from .. import domain
from ..models import Petition, SignatureCounter
from .common import Context

REFRESH_BATCH = 500  # petitions set by one sweep (the others at the next)

PETITIONS, COUNTERS = Petition.__table__, SignatureCounter.__table__

# PostgreSQL: the batch's petitions, each with the signatures it added (one array each), on the rows no other
# transaction holds.
_ADDED = sa.func.unnest(array_of("petition_ids", PETITIONS.c.id.type),
                        array_of("added", sa.Integer())).table_valued("petition_id", "signatures").render_derived(
    "added")
_FREE = sa.select(PETITIONS.c.id).where(PETITIONS.c.id == sa.any_(array_of("petition_ids", PETITIONS.c.id.type))
                                        ).with_for_update(key_share=True, skip_locked=True)
ADD_UNLESS_HELD = sa.update(PETITIONS).values(signatures_count=PETITIONS.c.signatures_count + _ADDED.c.signatures
                                              ).where(PETITIONS.c.id == _ADDED.c.petition_id,
                                                      PETITIONS.c.id.in_(_FREE))
# SQLite: one writer at a time, nothing to skip.
ADD = sa.update(PETITIONS).values(signatures_count=PETITIONS.c.signatures_count + sa.bindparam("added")).where(
    PETITIONS.c.id == sa.bindparam("petition_id"))


def _counted(petition_id):
    return sa.select(sa.func.coalesce(sa.func.sum(COUNTERS.c.signatures), 0)).where(
        COUNTERS.c.petition_id == petition_id).scalar_subquery()


def _refresh_statement():
    """Every signable petition whose total is not the sum of its counters (at most REFRESH_BATCH of them, none
    that another transaction holds) gets that sum, computed once its row is held."""
    stale = PETITIONS.alias("stale")
    behind = sa.select(stale.c.id).where(stale.c.status.in_(domain.SIGNABLE_STATUSES),
                                         stale.c.signatures_count != _counted(stale.c.id)).limit(
        REFRESH_BATCH).with_for_update(key_share=True, skip_locked=True)
    return sa.update(PETITIONS).values(signatures_count=_counted(PETITIONS.c.id)).where(PETITIONS.c.id.in_(behind))


REFRESH = _refresh_statement()


def add(context: Context, added: dict):
    """`added`: petition id -> signatures this transaction added to its counters."""
    if not added:
        return
    connection = context.session.connection()
    if connection.dialect.name == "postgresql":
        ids = sorted(added)
        connection.execute(ADD_UNLESS_HELD, {"petition_ids": ids, "added": [added[i] for i in ids]})
    else:
        connection.execute(ADD, [{"petition_id": petition_id, "added": count} for petition_id, count in added.items()])


def refresh(context: Context) -> int:
    """The sweep's catch-up: how many totals it set."""
    return context.session.connection().execute(REFRESH).rowcount

"""The public list's tab counts, remembered in this process under the list's version.

Counting a tab reads every visible petition of the city (or every one a search found): it grew with the data at
every request. The counts of one list (its words and its arrondissement) are kept under the list's version: the
latest `updated_at` of the petitions (indexed: one index step), which every change of a status, of `hidden` or of
what the text index holds of a petition moves, and a slice of TAB_COUNTS_SECONDS of the clock. So the counts are
exact again after any step taken by any replica, and at most TAB_COUNTS_SECONDS old in one case: a step whose
clock read an earlier time than a step committed before it (two moderators at the same millisecond) does not move
the latest `updated_at`. Signatures change no tab count.
"""
from threading import Lock

import sqlalchemy as sa
from cachetools import LRUCache

from ..models import Petition
from .common import Context

TAB_COUNTS_SECONDS = 10
LISTS_KEPT = 1000  # lists (words, arrondissement) remembered per process

_KEPT = LRUCache(maxsize=LISTS_KEPT)
_LOCK = Lock()


def version(context: Context) -> tuple:
    latest = context.session.execute(sa.select(sa.func.max(Petition.updated_at))).scalar()
    return latest, int(context.clock().timestamp() // TAB_COUNTS_SECONDS)


def remembered(context: Context, words: str, arrondissement, count) -> dict:
    """The counts of this list: kept ones if the list's version has not moved, else `count()`'s, kept."""
    key = (str(context.session.get_bind().url), words, arrondissement)
    stamp = version(context)
    with _LOCK:
        kept = _KEPT.get(key)
    if kept is not None and kept[0] == stamp:
        return dict(kept[1])
    counts = count()
    with _LOCK:
        _KEPT[key] = (stamp, dict(counts))
    return counts

"""The inbox's counts, remembered by each process: counting a list reads every item it holds (50,000 open ideas:
tens of milliseconds), where its page reads one page. An agent paging through a list, or several agents reading
the same one, count it once.

A count is kept under the list's version: the latest `updated_at` of the inbox (one step down an index; every
write of an item sets it), so a count is exact again as soon as any item was received, decided, undone, assigned
or closed, in this process or another replica. It is kept for one slice of `FRESH_SECONDS` of the use case's
clock at most, which bounds what the version misses:
- the clock itself, which no write moves: an idea passing its deadline (the overdue count), an age filter;
- a write stamped earlier than the latest `updated_at` but committed after it (two transactions writing the inbox at
  once, or replicas whose clocks differ by a few milliseconds): the version does not move.
The stated staleness is thus FRESH_SECONDS (10 s), and none after a write that is the latest.
"""
import weakref
from collections import OrderedDict
from datetime import datetime

import sqlalchemy as sa

from ..models import InboxItem

FRESH_SECONDS = 10
KEPT = 512  # lists remembered per database: filters × agents reading « assigned to me »


class CountsMemory:
    """{(what, version, clock slice): counts} per database (engine), the oldest forgotten first. The counts are
    shared: callers never change them."""

    def __init__(self):
        self._by_database = weakref.WeakKeyDictionary()

    def counts(self, session, what: str, now: datetime, count):
        """`count()`'s answer, remembered while the inbox's version and the clock's slice stay the same. `what`:
        which count (a list's filters fingerprint...)."""
        version = session.execute(sa.select(sa.func.max(InboxItem.updated_at))).scalar()
        key = (what, version, int(now.timestamp() // FRESH_SECONDS))
        memory = self._by_database.setdefault(session.get_bind(), OrderedDict())
        if key in memory:
            memory.move_to_end(key)
            return memory[key]
        counted = memory[key] = count()
        while len(memory) > KEPT:
            memory.popitem(last=False)
        return counted


MEMORY = CountsMemory()  # the process's

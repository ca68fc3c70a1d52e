"""The inbox's counts, remembered by each process: counting a list reads every item it holds (50,000 open ideas:
tens of milliseconds), where its page reads one page. An agent paging through a list, or several agents reading
the same one, count it once.

A count is kept under the list's version: the latest `updated_at` of the inbox (one step down an index; every
write of an item sets it), so a count is exact again as soon as any item was received, decided, undone, assigned
or closed, in this process or another replica. What no write changes, the clock, moves a list's overdue count
(and an age filter) a little: a count is kept for one slice of `FRESH_SECONDS` of the use case's clock, so these
may lag by that much. Not covered, within the same slice: a write on another replica whose clock is behind the
latest `updated_at` (milliseconds apart, NTP) leaves the version unchanged until the slice ends.
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

    def counts(self, session, what: str, now: datetime | None, count):
        """`count()`'s answer, remembered while the inbox's version (and, given `now`, the clock's slice: for
        counts the clock changes) stays the same. `what`: which count (a list's filters fingerprint...)."""
        version = session.execute(sa.select(sa.func.max(InboxItem.updated_at))).scalar()
        key = (what, version, None if now is None else int(now.timestamp() // FRESH_SECONDS))
        memory = self._by_database.setdefault(session.get_bind(), OrderedDict())
        if key in memory:
            memory.move_to_end(key)
            return memory[key]
        counted = memory[key] = count()
        while len(memory) > KEPT:
            memory.popitem(last=False)
        return counted


MEMORY = CountsMemory()  # the process's

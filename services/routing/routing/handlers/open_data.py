"""Routing's open dataset `routing_response_times`, a page at a time (issue 15, section 5; the statistics and the
cursor: domain/response_times.py).

A row sums up one month of arrivals, so a page reads the inbox from the first day of its cursor's month, in the
order of arrival (the index on `received_at`), one month at a time, and stops at the first month past the page:
the rows of a month are computed once all its ideas are read. Only the scheme, the direction and the three
moments of each idea are read, streamed (never its text, its author or its agent); memory holds one month."""
from contextlib import closing

import sqlalchemy as sa

from ..domain import response_times as statistics
from ..models import InboxItem
from .common import UseCases, aware, rules

STREAMED = 1000  # inbox rows fetched at a time


class OpenData(UseCases):

    def dataset_page(self, query: dict) -> dict:
        """{"rows": [...], "next": cursor or None}: at most `query["limit"]` rows after `query["after"]` (a cursor
        this dataset gave, or None). A cursor that is not one of ours: InvalidInput on `after`."""
        with rules():
            after = statistics.position_of(query["after"]) if query["after"] is not None else None
        limit, now = query["limit"], self.clock()
        rows = []
        with closing(self._months(after[0] if after else None)) as months:
            for month, arrivals in months:
                rows += [row for row in statistics.month_rows(month, arrivals, now)
                         if after is None or statistics.row_key(row) > after]
                if len(rows) > limit:
                    break
        shown = rows[:limit]
        return {"rows": shown, "next": statistics.cursor_after(shown[-1]) if len(rows) > limit else None}

    def _months(self, first_month: str | None):
        """(month, [Arrival, ...]) for each month with arrivals, from `first_month` (None: the first), in order."""
        statement = sa.select(InboxItem.scheme, InboxItem.direction, InboxItem.received_at,
                              InboxItem.first_response_at, InboxItem.deadline_at).order_by(InboxItem.received_at)
        if first_month is not None:
            statement = statement.where(InboxItem.received_at >= statistics.month_start(first_month))
        result = self.session.execute(statement.execution_options(yield_per=STREAMED))
        try:
            month, arrivals = None, []
            for scheme, direction, received_at, first_response_at, deadline_at in result:
                arrival = statistics.Arrival(scheme, direction, aware(received_at), aware(first_response_at),
                                             aware(deadline_at))
                arrived_in = statistics.month_of(arrival.received_at)
                if arrived_in != month and arrivals:
                    yield month, arrivals
                    arrivals = []
                month = arrived_in
                arrivals.append(arrival)
            if arrivals:
                yield month, arrivals
        finally:
            result.close()  # a page full before the last month leaves the rest unread

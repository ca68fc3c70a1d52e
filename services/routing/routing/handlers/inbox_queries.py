"""The inbox's statements: which items a list holds (its filters), its order, where a page starts (an offset, or
after a cursor's item), and its two counts in one statement. Each is shaped for an index of migration 0004, so a
page reads its page and not the inbox:

- the open inbox (the default list) and one direction's open inbox: partial indexes in the list's order, which
  PostgreSQL and SQLite use only when the query's WHERE spells their condition with its values in the SQL text
  (`open_items`), not as parameters;
- one status, or every status: indexes (status, deadline_at, received_at, idea_id) and (deadline_at, ...);
- a page after a cursor: a row comparison (deadline_at, received_at, idea_id) > (...), a range of those indexes;
- the counts (the list's size, and how many of them are overdue): one statement over the same index.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa

from .. import domain
from ..models import InboxItem

ORDER = (InboxItem.deadline_at, InboxItem.received_at, InboxItem.idea_id)


def open_items():
    """`status IN ('waiting', 'pending')`, the values written in the statement (models.OPEN_ITEMS)."""
    return InboxItem.status.in_(sa.bindparam("open_statuses", list(domain.OPEN_STATUSES), expanding=True,
                                             literal_execute=True))


def overdue_items(now: datetime):
    return sa.and_(open_items(), InboxItem.deadline_at < now)


def list_conditions(query: dict, account_id: str, now: datetime) -> list:
    """The WHERE of a list: its filters (InboxQuerySchema), `assigned: me` being the caller's account."""
    conditions = []
    if query["status"] == "open" or query.get("overdue"):
        conditions.append(open_items())
    if query["status"] not in ("open", "all"):
        conditions.append(InboxItem.status == query["status"])
    for name in ("direction", "scheme", "arrondissement"):
        if query.get(name) is not None:
            conditions.append(getattr(InboxItem, name) == query[name])
    if query.get("min_age_days") is not None:
        conditions.append(InboxItem.received_at <= now - timedelta(days=query["min_age_days"]))
    if query.get("max_age_days") is not None:
        conditions.append(InboxItem.received_at >= now - timedelta(days=query["max_age_days"]))
    if query.get("assigned") == "me":
        conditions.append(InboxItem.assigned_agent_id == str(account_id))
    elif query.get("assigned") == "nobody":
        conditions.append(InboxItem.assigned_agent_id.is_(None))
    if query.get("overdue"):
        conditions.append(InboxItem.deadline_at < now)
    return conditions


def after(position: tuple):
    """The items after (deadline_at, received_at, idea_id) in the list's order: one range of its index."""
    values = [sa.literal(value, column.type) for column, value in zip(ORDER, position)]
    return sa.tuple_(*ORDER) > sa.tuple_(*values)


def page_statement(conditions: list, offset: int, limit: int):
    """The page's items. Past the first page by number, the places skipped are read from the index alone (its
    columns are the order's) and only the page's rows from the table: a deep page still walks the index up to
    it, but no longer fetches every row it skips."""
    if not offset:
        return sa.select(InboxItem).where(*conditions).order_by(*ORDER).limit(limit)
    places = sa.select(*ORDER).where(*conditions).order_by(*ORDER).offset(offset).limit(limit).subquery()
    return (sa.select(InboxItem).join(places, InboxItem.idea_id == places.c.idea_id)
            .order_by(places.c.deadline_at, places.c.received_at, places.c.idea_id))


def counts(session, conditions: list, query: dict, now: datetime) -> tuple:
    """(items in the list, of which overdue), in one statement. Within the open inbox « overdue » is only the
    deadline passed, a column of its index: the count reads the index alone."""
    within_open = query["status"] == "open" or query.get("overdue")
    late = InboxItem.deadline_at < now if within_open else overdue_items(now)
    total, overdue = session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((late, 1))))
        .select_from(InboxItem).where(*conditions)).one()
    return total, overdue


def waiting_by_scheme(session) -> dict:
    """{(scheme, direction): open ideas}: the open inbox's index by scheme, not every idea ever received."""
    rows = session.execute(sa.select(InboxItem.scheme, InboxItem.direction, sa.func.count())
                           .where(open_items()).group_by(InboxItem.scheme, InboxItem.direction)).all()
    return {(scheme, direction): count for scheme, direction, count in rows}


def overdue_count(session, now: datetime) -> int:
    """Open ideas past their deadline: a range of the open inbox's index (those overdue, not the inbox)."""
    return session.execute(sa.select(sa.func.count()).select_from(InboxItem)
                           .where(overdue_items(now))).scalar_one()

"""How far behind a service's outbox is: the events committed but not yet published, and how long the oldest has
waited. The relay's timer exports both (`hub_outbox_pending_events`, `hub_outbox_oldest_pending_age_seconds`: an
age that grows means the events do not go out, a count alone does not tell a rush from an outage) and the admin
page "État du hub" shows them (hubkit.status)."""
import sqlalchemy as sa

from .clock import aware, utcnow


def pending_backlog(session_factory, outbox: sa.Table, now=None) -> tuple:
    """(events pending, seconds since the oldest of them was committed, 0.0 if none), in one query on the indexed
    `published_at IS NULL`: pending rows are few unless the broker is away, which is when the age matters."""
    with session_factory() as session:
        count, oldest = session.execute(sa.select(sa.func.count(), sa.func.min(outbox.c.created_at))
                                        .where(outbox.c.published_at.is_(None))).one()
    if not count or oldest is None:
        return 0, 0.0
    return count, max(0.0, ((now or utcnow()) - aware(oldest)).total_seconds())

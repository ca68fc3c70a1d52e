"""Pruning the infrastructure tables: old rows deleted in small batches, once per interval across replicas.

What goes, once older than `HUB_PRUNE_AFTER_DAYS` (30 by default) by its timestamp (`PRUNED`): published outbox
rows (pending ones have no `published_at` and always stay), `processed_events` rows, mails sent or given up (and
their extra headers), and the idempotency keys of the services that keep them. A row of `processed_events` is what
recognises a redelivered event: it must outlive any redelivery, so the retention must be longer than a message can
wait in a queue or a dead-letter queue before it is replayed (never replay dead letters older than the retention).

Each batch is one short transaction deleting at most `BATCH_ROWS` rows (`FOR UPDATE SKIP LOCKED` on
PostgreSQL: rows another pruner is deleting are skipped, never waited for), so no lock is held for long. The
outbox relay's timer calls `run_if_due` every few seconds in every replica; a run starts only when no replica of
the service started one within `HUB_PRUNE_INTERVAL_SECONDS` (3600 by default): an advisory lock
(`hubkit.leader.run_once`) makes replicas decide one at a time, and the time of the last run is the
`processed_at` of one bookkeeping row of `processed_events` (`LAST_RUN`; kept in a table every service already has,
never pruned itself).
"""
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa

from . import metrics
from .clock import aware, utcnow
from .config import env_str
from .leader import run_once
from .mail import MailRelay
from .tables import infrastructure_tables

log = logging.getLogger(__name__)

BATCH_ROWS = 5000
# (event_id, handler) of the bookkeeping row whose processed_at is the service's last pruning run
LAST_RUN = ("hubkit.pruning", "hubkit.pruning.last_run")


@dataclass(frozen=True)
class Pruned:
    """Rows of the infrastructure table `table` (a key of `hubkit.tables.infrastructure_tables`) whose `timestamp`
    is older than the retention (a NULL timestamp never is), and that meet `condition(table)` if given;
    `retention(settings)`: the table's own retention, instead of `after_days`."""
    table: str
    timestamp: str
    condition: Callable[[sa.Table], sa.ColumnElement] | None = None
    retention: Callable[["PruneSettings"], timedelta] | None = None


def _mail_given_up(mails: sa.Table) -> sa.ColumnElement:
    return sa.and_(mails.c.sent_at.is_(None), mails.c.attempts >= MailRelay.max_attempts)


def _mail_headers_unused(headers: sa.Table) -> sa.ColumnElement:
    """Headers no mail still waiting to go needs (a sent mail's are deleted with its sending)."""
    mails = headers.metadata.tables["outgoing_mails"]
    waiting = sa.select(mails.c.id).where(mails.c.sent_at.is_(None), mails.c.attempts < MailRelay.max_attempts)
    return headers.c.mail_id.not_in(waiting)


def _not_bookkeeping(processed: sa.Table) -> sa.ColumnElement:
    return processed.c.handler != LAST_RUN[1]


PRUNED = (
    Pruned("outbox", "published_at"),
    Pruned("processed", "processed_at", _not_bookkeeping),
    Pruned("mails", "sent_at"),
    Pruned("mails", "created_at", _mail_given_up),
    Pruned("mail_headers", "created_at", _mail_headers_unused),  # only in the services sending mails with headers
    # only in the services that take keyed requests; kept a day, not a month: a ballot's answer holds its receipt
    Pruned("idempotency", "created_at", retention=lambda settings: timedelta(hours=settings.idempotency_hours)),
)


@dataclass(frozen=True)
class PruneSettings:
    after_days: int = 30
    interval_seconds: int = 3600
    idempotency_hours: int = 24  # how long a retried request still gets its first answer (hubkit.idempotency)

    @classmethod
    def from_env(cls) -> "PruneSettings":
        """Read once when the service starts: a bad value stops it there, naming the variable."""
        return cls(after_days=_bounded_whole_number("HUB_PRUNE_AFTER_DAYS", env_str("HUB_PRUNE_AFTER_DAYS", "30"),
                                                    1, 3650),
                   interval_seconds=_bounded_whole_number(
                       "HUB_PRUNE_INTERVAL_SECONDS", env_str("HUB_PRUNE_INTERVAL_SECONDS", "3600"), 60, 7 * 86400),
                   idempotency_hours=_bounded_whole_number(
                       "HUB_IDEMPOTENCY_HOURS", env_str("HUB_IDEMPOTENCY_HOURS", "24"), 1, 24 * 366))


def _bounded_whole_number(name: str, text: str, lowest: int, highest: int) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not lowest <= int(value) <= highest:
        raise ValueError(f"{name} doit être un nombre entier entre {lowest} et {highest} (reçu : {value!r}).")
    return int(value)


class Pruner:
    def __init__(self, session_factory, metadata: sa.MetaData, service_name: str, settings: PruneSettings,
                 clock=utcnow, batch_rows: int = BATCH_ROWS):
        self.session_factory, self.metadata, self.service_name = session_factory, metadata, service_name
        self.settings, self.clock, self.batch_rows = settings, clock, batch_rows
        # before this time no run can be due (the last run this replica saw, its own or another's, plus the
        # interval): the relay's timer asks every 2 s, and only then does the database need asking
        self._not_due_before = None

    def run_if_due(self) -> dict | None:
        """Prunes if no replica of the service started a run within the interval: {table name: rows deleted};
        None if it was not due (or another replica was deciding at this very moment)."""
        if self._not_due_before is not None and self.clock() < self._not_due_before:
            return None
        if not self._claim_run():
            return None
        return self.prune()

    def prune(self) -> dict:
        """Deletes every row past the retention now, batch after batch: {table name: rows deleted}."""
        now, usual_retention = self.clock(), timedelta(days=self.settings.after_days)
        tables, pruned = infrastructure_tables(self.metadata), {}
        for rule in PRUNED:
            table = tables.get(rule.table)
            if table is None:
                continue
            cutoff = now - (rule.retention(self.settings) if rule.retention is not None else usual_retention)
            while True:
                deleted = self._delete_batch(table, rule, cutoff)
                pruned[table.name] = pruned.get(table.name, 0) + deleted
                if deleted:
                    metrics.ROWS_PRUNED.labels(self.service_name, table.name).inc(deleted)
                if deleted < self.batch_rows:
                    break
        if any(pruned.values()):
            log.info("old infrastructure rows pruned",
                     extra={"pruned": pruned, "retention_days": self.settings.after_days})
        return pruned

    def _delete_batch(self, table: sa.Table, rule: Pruned, cutoff) -> int:
        key = list(table.primary_key.columns)
        old = sa.select(*key).where(table.c[rule.timestamp] < cutoff)
        if rule.condition is not None:
            old = old.where(rule.condition(table))
        old = old.limit(self.batch_rows)
        with self.session_factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                old = old.with_for_update(skip_locked=True)
            target = key[0] if len(key) == 1 else sa.tuple_(*key)
            deleted = session.execute(table.delete().where(target.in_(old))).rowcount
            session.commit()
        return deleted

    def _claim_run(self) -> bool:
        """True if this replica is to run now: the last run (any replica's) is older than the interval, and this
        one's start is recorded in the same transaction, under the advisory lock."""
        processed, now = infrastructure_tables(self.metadata)["processed"], self.clock()
        this_row = sa.and_(processed.c.event_id == LAST_RUN[0], processed.c.handler == LAST_RUN[1])
        with self.session_factory() as session:
            if not run_once(session, f"hubkit.pruning:{self.service_name}"):
                return False
            last = session.execute(sa.select(processed.c.processed_at).where(this_row)).scalar_one_or_none()
            interval = timedelta(seconds=self.settings.interval_seconds)
            if last is not None and aware(last) > now - interval:
                self._not_due_before = aware(last) + interval
                return False
            if last is None:
                session.execute(processed.insert().values(event_id=LAST_RUN[0], handler=LAST_RUN[1],
                                                          processed_at=now))
            else:
                session.execute(processed.update().where(this_row).values(processed_at=now))
            session.commit()
        self._not_due_before = now + interval
        return True

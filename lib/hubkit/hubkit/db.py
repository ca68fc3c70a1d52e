"""Database engines and the unit of work a service worker writes through.

A unit of work is one transaction: the business rows, the outbox rows of the
events they cause and the e-mails they queue commit together or not at all.
"""
import logging
import time

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from . import correlation, pg
from .clock import utcnow
from .config import database_url, env_float, env_int, env_str
from .envelope import make_event
from .tables import infrastructure_tables

log = logging.getLogger(__name__)
pg.use_green_wait_if_patched()  # e.g. migrations, whose engines are not made by make_engine

def normalise_url(url: str) -> str:
    """PostgreSQL goes through psycopg 3 (green under eventlet), never psycopg2."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs) -> sa.Engine:
    """A pooled engine: on PostgreSQL, sized by `pool_settings()` (the arguments given here win)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    pg.use_green_wait_if_patched()  # under eventlet, psycopg's C build would block the whole process
    for name, value in pool_settings().items():
        kwargs.setdefault(name, value)
    kwargs["connect_args"] = {**postgres_connect_args(), **kwargs.get("connect_args", {})}
    engine = sa.create_engine(url, **kwargs)
    _ping_after_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def pool_settings() -> dict:
    """One process's PostgreSQL pool (docs/operations.md, "PostgreSQL connections"): at most HUB_DB_POOL_SIZE
    (10) connections kept open plus HUB_DB_MAX_OVERFLOW (20) opened under a rush and closed after it; a worker
    waits HUB_DB_POOL_TIMEOUT seconds (30) for one, then fails. A bad value raises ValueError naming it."""
    size, overflow = env_int("HUB_DB_POOL_SIZE", 10), env_int("HUB_DB_MAX_OVERFLOW", 20)
    timeout = env_float("HUB_DB_POOL_TIMEOUT", 30.0)
    if size < 1:
        raise ValueError(f"HUB_DB_POOL_SIZE doit être au moins 1 (reçu : {size}).")
    if overflow < 0:
        raise ValueError(f"HUB_DB_MAX_OVERFLOW doit être positif ou nul (reçu : {overflow}).")
    if not 0 < timeout < float("inf"):  # also refuses "nan", which float() takes
        raise ValueError(f"HUB_DB_POOL_TIMEOUT doit être un nombre de secondes positif (reçu : {timeout}).")
    return {"pool_size": size, "max_overflow": overflow, "pool_timeout": timeout}


def postgres_connect_args() -> dict:
    """psycopg's arguments: with HUB_DB_PREPARED_STATEMENTS=0 no server-side prepared statement (psycopg prepares
    a query it ran 5 times), which PgBouncer in transaction mode would send to another server connection."""
    value = env_str("HUB_DB_PREPARED_STATEMENTS", "1").strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ValueError(f"HUB_DB_PREPARED_STATEMENTS doit valoir 1 ou 0 (reçu : {value[:40]!r}).")
    return {} if value in ("1", "true", "yes", "on") else {"prepare_threshold": None}


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_after_idle(engine: sa.Engine, idle_seconds: float):
    """Check a pooled connection before use only if it sat idle: the pool's `pre_ping` on every checkout is a round
    trip per transaction, which a rush (a transaction every few milliseconds per connection) pays for nothing. A
    connection that sat idle (the database may have restarted meanwhile) is pinged and, if dead, replaced before the
    transaction starts. One that died within the last second fails its transaction once; SQLAlchemy then sees the
    disconnection and renews every pooled connection."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # new, or back from work a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:  # the pool discards it and checks out another
            raise sa.exc.DisconnectionError(str(error)) from error


def _sqlite_engine(url: str, **kwargs) -> sa.Engine:
    """The embedded database of a local run: one connection per process, real transactions.

    One connection: SQLite allows one writer at a time and waits for a lock in C,
    which under eventlet would freeze the whole process while the green thread
    holding the lock can never run; so green threads queue for the connection
    instead (the pool's wait is green). Real transactions: pysqlite's legacy mode
    starts transactions late and lets a SAVEPOINT commit on its own, which would
    break `first_delivery`; the driver is put in autocommit and BEGIN is emitted here.
    """
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 60)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_connection(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    return engine


class UnitOfWork:
    """One transaction. Use as a context manager: commits on success, rolls back on error."""

    def __init__(self, session_factory, producer: str, metadata: sa.MetaData):
        self._session_factory = session_factory
        self.producer = producer
        self._tables = infrastructure_tables(metadata)
        self.session = None
        self.events = []
        self.mails = 0
        self.committed_events = 0
        self.committed_mails = 0
        self._after_commit = []

    def __enter__(self):
        if self.session is None:
            self.session = self._session_factory()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.commit()
            else:
                self.rollback()
        finally:
            self.close()

    def commit(self):
        self.session.commit()
        self.committed_events += len(self.events)
        self.committed_mails += self.mails
        self.events, self.mails = [], 0
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit action failed")

    def rollback(self):
        if self.session is not None:
            self.session.rollback()
        self.events, self.mails, self._after_commit = [], 0, []

    def on_commit(self, callback):
        """Run `callback` once this transaction committed (never if it rolls back): cache invalidation, etc."""
        self._after_commit.append(callback)

    def close(self):
        if self.session is not None:
            self.session.close()
            self.session = None

    def emit(self, type: str, subject: dict, payload: dict, actor: dict = None, version: int = 1) -> dict:
        """Record an event in the outbox, in this transaction; the relay publishes it after commit."""
        correlation_id, causation_id = correlation.current()
        correlation_id = correlation_id or correlation.new_id()
        envelope = make_event(type=type, version=version, producer=self.producer, subject=subject,
                              payload=payload, actor=actor, correlation_id=correlation_id,
                              causation_id=causation_id or correlation_id)
        row = {"event_id": envelope["event_id"], "type": type, "envelope": envelope, "created_at": utcnow(),
               "attempts": 0}
        self.session.execute(self._tables["outbox"].insert().values(**row))
        self.events.append(envelope)
        return envelope

    def queue_mail(self, recipient: str, subject: str, body: str, headers: dict = None):
        """Queue an e-mail in this transaction; the mail relay sends it after commit, with retries. `headers`
        ({name: value}, e.g. List-Unsubscribe) need the service's `outgoing_mail_headers` table."""
        now = utcnow()
        if headers and "mail_headers" not in self._tables:
            raise ValueError("mail headers need the outgoing_mail_headers table (hubkit.tables)")
        queued = self.session.execute(self._tables["mails"].insert().values(
            recipient=recipient, subject=subject, body=body, created_at=now, next_attempt_at=now, attempts=0))
        if headers:
            self.session.execute(self._tables["mail_headers"].insert().values(
                mail_id=queued.inserted_primary_key[0], headers=dict(headers), created_at=now))
        self.mails += 1

    def first_delivery(self, envelope: dict, handler: str) -> bool:
        """Record that `handler` applies this event; False if it already did (the event is a redelivery)."""
        processed = self._tables["processed"]
        event_id = str(envelope["event_id"])
        seen = self.session.execute(sa.select(processed.c.event_id).where(
            processed.c.event_id == event_id, processed.c.handler == handler)).first()
        if seen:
            log.info("event already applied, skipped", extra={"event_id": event_id, "handler": handler})
            return False
        try:
            with self.session.begin_nested():
                self.session.execute(processed.insert().values(
                    event_id=event_id, handler=handler, processed_at=utcnow()))
        except IntegrityError:
            return False
        return True


class Database(DependencyProvider):
    """Gives each nameko worker its own unit of work on the service's database.

    After a worker committed events or mails, the registered relays are woken so
    they publish at once instead of at their next poll.
    """

    def __init__(self, service_name: str, metadata: sa.MetaData, url: str = None):
        self.service_name = service_name
        self.metadata = metadata
        self._url = url
        self.after_commit = []

    def setup(self):
        self.engine = make_engine(self._url or database_url(self.service_name))
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self._units = {}

    def stop(self):
        self.engine.dispose()

    def new_unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.service_name, self.metadata)

    def get_dependency(self, worker_ctx):
        unit = self._units[worker_ctx] = self.new_unit_of_work()
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is None:
            return
        unit.close()
        if unit.committed_events or unit.committed_mails:
            for wake in self.after_commit:
                wake(unit)

"""What a service's `/readyz` checks: its database answers and its broker consumer is connected.

A service is ready when it can do its work: run a statement on its database (`SELECT 1`, cut short after
DATABASE_PROBE_SECONDS: a database that hangs is as unready as one that refuses) and take messages from the broker
(the container's queue consumer holds live channels; during a broker outage it reconnects by itself and is
unready meanwhile). Liveness (`/healthz`) asks neither: a dependency's outage must not get a process restarted.
"""
import logging
import time

import eventlet
import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer

from .db import Database

log = logging.getLogger(__name__)

DATABASE_PROBE_SECONDS = 2.0


class NotReady(Exception):
    """A readiness check failed for a reason of ours (no exception of a library to report)."""


class ReadinessProbe(DependencyProvider):
    """The service's checks, as `self.readiness.checks()` in an entrypoint."""

    def setup(self):
        self._database = next((dependency for dependency in self.container.dependencies
                               if isinstance(dependency, Database)), None)

    def get_dependency(self, worker_ctx):
        return self

    def checks(self) -> dict:
        checks = {"broker": _timed(self._consumer_connected)}
        if self._database is not None:  # a service without a database has nothing to ask there
            checks["database"] = _timed(self._database_answers)
        return checks

    def _database_answers(self):
        with eventlet.Timeout(DATABASE_PROBE_SECONDS):
            with self._database.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

    def _consumer_connected(self):
        consumers = [extension for extension in self.container.extensions if isinstance(extension, QueueConsumer)]
        if not consumers:
            raise NotReady("no queue consumer")
        for consumer in consumers:
            # nameko sets this once its consumers first started; kombu's connection stays private to its loop,
            # so the live state is read from the channels the consumers were declared on
            if not consumer._consumers_ready.ready():
                raise NotReady("consumer not started")
            for declared in list(consumer._consumers.values()):
                connection = getattr(declared.channel, "connection", None)
                if connection is None or not connection.connected:
                    raise NotReady("broker connection lost")


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
    # any failure of a dependency, whatever its library raises, means "not ready": reported, never a 500
    except (Exception, eventlet.Timeout) as error:
        log.warning("readiness check failed", extra={"error_type": type(error).__name__})
        return {"ok": False, "error": str(error) if isinstance(error, NotReady) else type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}

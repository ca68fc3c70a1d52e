"""Is this gateway process alive, ready, and is the platform behind it up?

- `/healthz` (liveness): the process answers; nothing else is asked, so a broker or service outage never gets a
  gateway restarted.
- `/readyz` (readiness): what this process needs to serve: the broker (every request that reaches a service
  goes through it). Redis is reported but not required: without it the session cache misses and the gateway asks
  accounts, slower but right, so a Redis outage must not take every gateway out of rotation. One service down does
  not either: its requests answer 503 on their own. 503 from the moment the process was told to stop (SIGTERM), so
  a load balancer sends no new request while it finishes the ones it has (server.py).
- `/statusz`: every service in HUB_SERVICES answers its `health` call, with the broker and Redis: for operators,
  `make run` and the test platform, which wait for the whole hub; never a readiness or liveness probe.

Each answer is JSON; a failing check is 503, never 500. Every check runs at most once per PROBE_SECONDS in a process
whoever asks (concurrent askers share the run under way): the paths are public, and each check opens a broker
connection or calls every service.
"""
import logging
import time

import eventlet
from eventlet.semaphore import Semaphore
from flask import Blueprint, current_app, jsonify, request
from kombu import Connection

from hubkit import redis_client
from hubkit.config import amqp_ssl
from hubkit.errors import NotFound

from . import remote

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

PROBE_SECONDS = 1.0  # how long a check's outcome is reused
PROBE_TIMEOUT_SECONDS = 1.0  # broker and Redis: a reachable one answers in milliseconds
STOPPING_KEY = "health_stopping"


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    if current_app.extensions.get(STOPPING_KEY):
        return jsonify({"status": "stopping", "checks": {}}), 503
    checks = {"broker": _probes().check("broker"), "redis": {**_probes().check("redis"), "required": False}}
    ready = checks["broker"]["ok"]
    return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), 200 if ready else 503


def refuse_from_the_public_proxy():
    """`/metrics` and `/statusz` are for the operators' tools, which reach the process directly (Prometheus scrapes
    the pod, `make run` and the test platform ask on this machine): a request that came through the proxies this
    gateway trusts (HUB_TRUSTED_PROXIES, which always add X-Forwarded-For) is a visitor from outside, answered 404
    as for a page that does not exist. Without trusted proxies (a local run, compose without a proxy in front) the
    paths stay open."""
    if current_app.config["HUB_SETTINGS"].trusted_proxies and "X-Forwarded-For" in request.headers:
        raise NotFound()


@bp.get("/statusz")
def statusz():
    refuse_from_the_public_proxy()
    probes, services = _probes(), current_app.config["HUB_SETTINGS"].services
    checks = {"broker": probes.check("broker"), "redis": probes.check("redis"),
              **{service: probes.check(service) for service in services}}
    up = all(check["ok"] for check in checks.values())
    return jsonify({"status": "up" if up else "degraded", "checks": checks}), 200 if up else 503


def stop_being_ready(app):
    """From now on /readyz answers 503 (the process is stopping: server.py calls this on SIGTERM)."""
    app.extensions[STOPPING_KEY] = True


def _probes() -> "Probes":
    return current_app.extensions.setdefault("health_probes", Probes(current_app.config["HUB_SETTINGS"]))


class Probes:
    """The checks of one gateway process, each run at most once per PROBE_SECONDS."""

    def __init__(self, settings, clock=time.monotonic):
        self.settings, self.clock = settings, clock
        self._redis = None
        self._kept: dict = {}  # check name -> (monotonic time it expires, outcome)
        self._locks: dict = {}  # check name -> Semaphore: a slow check (a service) never holds up another

    def check(self, name: str) -> dict:
        lock = self._locks.setdefault(name, Semaphore())
        with lock:
            kept = self._kept.get(name)
            if kept is not None and kept[0] > self.clock():
                return kept[1]
            outcome = _timed(self._probe(name))
            self._kept[name] = (self.clock() + PROBE_SECONDS, outcome)
            return outcome

    def _probe(self, name: str):
        if name == "broker":
            return self._broker
        if name == "redis":
            return self._ping_redis
        return lambda: remote.call(name, "health")

    def _broker(self):
        """A connection of its own, opened and closed: the pooled ones are busy serving, and this also proves
        the credentials and the virtual host."""
        uri = self.settings.amqp_uri
        with eventlet.Timeout(PROBE_TIMEOUT_SECONDS):
            with Connection(uri, ssl=amqp_ssl(uri) or False, connect_timeout=PROBE_TIMEOUT_SECONDS,
                            heartbeat=0) as connection:
                connection.connect()

    def _ping_redis(self):
        if self._redis is None:
            self._redis = redis_client.connect(self.settings.redis_url, timeout=PROBE_TIMEOUT_SECONDS)
        with eventlet.Timeout(PROBE_TIMEOUT_SECONDS):
            self._redis.ping()


def _timed(probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
    # Whatever a dependency raises (kombu's OperationalError, a Redis or HubError, a timeout) means "not ok":
    # a health answer reports it, it must never become a 500.
    except (Exception, eventlet.Timeout) as error:
        log.warning("health check failed", extra={"error_type": type(error).__name__})
        return {"ok": False, "error": getattr(error, "code", None) or type(error).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}

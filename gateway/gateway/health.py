"""/healthz: the process answers. /readyz: the broker, Redis and every service answer."""
import time

import redis
from flask import Blueprint, current_app, jsonify

from hubkit.errors import HubError

from . import remote

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    settings = current_app.config["HUB_SETTINGS"]
    checks = {"redis": _check(lambda: redis.Redis.from_url(settings.redis_url, socket_timeout=1,
                                                           socket_connect_timeout=1).ping())}
    for service in settings.services:
        checks[service] = _check(lambda service=service: remote.call(service, "health"))
    ready = all(check["ok"] for check in checks.values())
    # the broker is reachable if any service answered over it
    checks["broker"] = {"ok": any(checks[s]["ok"] for s in settings.services)}
    ready = ready and checks["broker"]["ok"]
    return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), 200 if ready else 503


def _check(probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
    except (HubError, redis.RedisError, OSError) as error:
        return {"ok": False, "error": getattr(error, "code", type(error).__name__)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}

"""A service's own account of its state, for the administrators' page "État du hub" (the gateway's
`/back-office/etat`): the `status` RPC every service has through hubkit.service_base.

It answers the gateway only (hubkit.calls: an RPC not named there is the gateway's) and only for an administrator:
the `actor` must carry the role `admin`, and hubkit.trust has already checked that this actor is the person the
gateway signed for. The answer holds counts and times, never a person:

    {"service", "version", "started_at", "checks": {"broker", "database"} (as /readyz),
     "outbox": {"pending", "oldest_age_seconds"} or null, "dead_letters": depth or null, "extras": {...}}

`version` is HUB_VERSION when the deployment sets it (an image tag, a git sha), else the service package's version.
`dead_letters` is the depth of `<service>.dead-letters`, asked of the broker (null if it did not answer within
DEAD_LETTERS_TIMEOUT_SECONDS). `extras` are the service's own figures, from its optional `status_extras()` method
(routing: overdue ideas, failing webhooks).
"""
import logging
from importlib import metadata

import eventlet
from nameko.extensions import DependencyProvider

from . import dead_letters
from .clock import utcnow
from .config import env_str
from .errors import PermissionDenied

log = logging.getLogger(__name__)

VERSION_VARIABLE = "HUB_VERSION"
DEAD_LETTERS_TIMEOUT_SECONDS = 1.0  # the broker answers a passive declare in milliseconds; the page waits for all


def require_admin(actor):
    """PermissionDenied unless `actor` ({"account_id", "roles"}, verified by hubkit.trust) is an administrator."""
    roles = actor.get("roles") if isinstance(actor, dict) else None
    if not isinstance(roles, (list, tuple)) or "admin" not in roles:
        raise PermissionDenied("Réservé aux administrateurs.")


def version_of(service: str) -> str | None:
    configured = env_str(VERSION_VARIABLE, "").strip()
    if configured:
        return configured[:80]
    try:
        return metadata.version(f"hub-{service}")
    except metadata.PackageNotFoundError:
        return None


class HubStatus(DependencyProvider):
    """`self.hub_status.report(self, actor)` in the service's `status` entrypoint."""

    def setup(self):
        self.started_at = utcnow()
        self.version = version_of(self.container.service_name)

    def get_dependency(self, worker_ctx):
        return self

    def report(self, service, actor) -> dict:
        require_admin(actor)
        extras = getattr(service, "status_extras", None)
        return {"service": self.container.service_name, "version": self.version,
                "started_at": self.started_at.isoformat(), "checks": service.readiness.checks(),
                "outbox": self._outbox(getattr(service, "outbox", None)), "dead_letters": self._dead_letters(),
                "extras": _quietly("extras", extras) if extras is not None else {}}

    @staticmethod
    def _outbox(outbox) -> dict | None:
        backlog = _quietly("outbox backlog", outbox.relay.pending_backlog) if outbox is not None else None
        if backlog is None:
            return None
        pending, oldest_age = backlog
        return {"pending": pending, "oldest_age_seconds": round(oldest_age, 1)}

    def _dead_letters(self) -> int | None:
        def depth():
            with eventlet.Timeout(DEAD_LETTERS_TIMEOUT_SECONDS):
                return dead_letters.depth(self.container.config, self.container.service_name)
        return _quietly("dead-letter depth", depth)


def _quietly(what: str, read):
    """`read()`, or None if it failed (the database or broker away): the page shows what is known, marked unknown."""
    try:
        return read()
    except (Exception, eventlet.Timeout) as error:
        log.warning("status: %s not read", what, extra={"error_type": type(error).__name__})
        return None

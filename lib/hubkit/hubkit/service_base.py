"""The entrypoints every hub service exposes for operations, as a mixin: nameko finds entrypoints on base classes.

`class IdeasService(Infrastructure): ...` gets the `health` RPC, the administrators' `status` RPC (hubkit.status),
the timer relaying what is left pending, and the HTTP `GET /metrics`, `GET /healthz` (alive) and `GET /readyz` (its
database and broker consumer answer: hubkit.readiness; 503 with the failed checks in JSON otherwise). It needs the service's `name` and an `outbox`
(OutboxRelayProvider); a `mails` attribute (MailRelayProvider), where the service sends e-mails itself, is
relayed by the same timer. Service-specific timers stay in the service.
"""
import json

from nameko.timer import timer
from nameko.web.handlers import http

from .metrics import metrics_response
from .readiness import ReadinessProbe
from .status import HubStatus
from .trust import rpc_decorator

RELAY_SECONDS = 2  # a commit wakes the relays at once; this catches what a broker or mail outage left behind

rpc = rpc_decorator()  # verifies the caller before any worker runs (hubkit.trust)


class Infrastructure:
    readiness = ReadinessProbe()
    hub_status = HubStatus()

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}

    @rpc
    def status(self, actor):
        """For the administrators' page "État du hub" (the gateway's, for an admin only): hubkit.status."""
        return self.hub_status.report(self, actor)

    @timer(interval=RELAY_SECONDS)
    def relay_pending(self):
        """Publishes events and sends mails left pending (broker or mail server down, or a crash)."""
        self.outbox.poll()
        mails = getattr(self, "mails", None)
        if mails is not None:
            mails.poll()

    @http("GET", "/metrics")
    def prometheus(self, request):
        return metrics_response()

    @http("GET", "/healthz")
    def healthz(self, request):
        return 200, "ok"

    @http("GET", "/readyz")
    def readyz(self, request):
        checks = self.readiness.checks()
        ready = all(check["ok"] for check in checks.values())
        body = {"service": self.name, "status": "ready" if ready else "unavailable", "checks": checks}
        return 200 if ready else 503, {"Content-Type": "application/json"}, json.dumps(body)

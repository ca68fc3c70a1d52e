"""The administrators' page "État du hub" (issue 14, §5): each service's own account of its state, its `status` RPC
(hubkit.status: health checks, version, outbox backlog and age of its oldest event, dead letters, and routing's
overdue ideas and failing webhooks), with links to the Grafana dashboards when HUB_DASHBOARDS_URL is set.

Every service in HUB_SERVICES is asked at the same time, each in a green thread with a copy of the request's
context (`remote.call` reads it), and waited for STATUS_TIMEOUT_SECONDS at most: a service that does not answer, or
answers with an error, is shown "injoignable" beside the others, never a 500 for the whole page."""
import contextvars
import logging

import eventlet
from flask import Blueprint, current_app, render_template

from .. import remote
from ..actors import actor
from ..auth import roles_required

log = logging.getLogger(__name__)
bp = Blueprint("hub_status", __name__, url_prefix="/back-office")

STATUS_TIMEOUT_SECONDS = 2.0  # a service that answers does so in milliseconds; the page must not hang on one
DASHBOARDS = (("hub-overview", "Vue d'ensemble du hub"), ("hub-business", "Participation (métier)"),
              ("hub-infrastructure", "Infrastructure (RabbitMQ, PostgreSQL, Redis)"),
              ("hub-service-gateway", "Passerelle (pages et API)"))
CHECK_LABELS = {"broker": "RabbitMQ", "database": "base de données"}
EXTRA_LABELS = {"overdue_ideas": "Idées en retard d'orientation", "webhooks_failing": "Webhooks en échec (réessayés)",
                "webhooks_given_up": "Webhooks abandonnés"}


@bp.get("/etat")
@roles_required("admin")
def index():
    settings = current_app.config["HUB_SETTINGS"]
    reader = actor()
    threads = [eventlet.spawn(contextvars.copy_context().run, status_of, service, reader)
               for service in settings.services]
    services = [thread.wait() for thread in threads]
    return render_template("backoffice/hub_status.html", services=services,
                           dashboards=dashboard_links(settings.dashboards_url), dashboards_url=settings.dashboards_url,
                           reachable=sum(1 for service in services if service["reachable"]))


def status_of(service: str, reader: dict) -> dict:
    """What the page shows of one service: its answer, worded, or "unreachable" with the error's code."""
    try:
        with eventlet.Timeout(STATUS_TIMEOUT_SECONDS):
            answer = remote.call(service, "status", reader)
    # whatever the call raised (a HubError, the broker lost, our timeout) means this service cannot be shown
    except (Exception, eventlet.Timeout) as error:
        code = getattr(error, "code", None) or ("TIMEOUT" if isinstance(error, eventlet.Timeout) else "UNAVAILABLE")
        log.warning("hub status: a service did not answer", extra={"target": service, "error_code": code})
        return {"name": service, "reachable": False, "error": code}
    return view_of(service, answer)


def view_of(service: str, answer: dict) -> dict:
    checks = answer.get("checks") or {}
    failing = [CHECK_LABELS.get(name, name) for name, check in checks.items() if not check.get("ok")]
    extras = answer.get("extras")
    return {"name": service, "reachable": True, "healthy": not failing, "failing": failing,
            "version": answer.get("version"), "started_at": answer.get("started_at"),
            "outbox": answer.get("outbox"), "dead_letters": answer.get("dead_letters"),
            "extras": None if extras is None else [(EXTRA_LABELS.get(key, key), value) for key, value in extras.items()]}


def dashboard_links(base_url: str) -> list:
    """[(title, url)] of the hub's dashboards (their uids are the dashboards' own, deploy/grafana/dashboards), or []
    without HUB_DASHBOARDS_URL."""
    if not base_url:
        return []
    return [(title, f"{base_url}/d/{uid}") for uid, title in DASHBOARDS]


def age_label(seconds) -> str:
    """12.3 -> "12 s", 200 -> "3 min 20 s", 7500 -> "2 h 05 min"."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


bp.add_app_template_filter(age_label)

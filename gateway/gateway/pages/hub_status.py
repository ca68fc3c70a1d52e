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
    services = [view_of(status) for status in every_status(settings.services, actor())]
    return render_template("backoffice/hub_status.html", services=services,
                           dashboards=dashboard_links(settings.dashboards_url), dashboards_url=settings.dashboards_url,
                           reachable=sum(1 for service in services if service["reachable"]))


def every_status(services, reader: dict) -> list:
    """Each service's `status_of`, in the order of `services`, all asked at the same time (the page and the API)."""
    threads = [eventlet.spawn(contextvars.copy_context().run, status_of, service, reader) for service in services]
    return [thread.wait() for thread in threads]


def status_of(service: str, reader: dict) -> dict:
    """The service's answer with `reachable` and `error` (None), or only those, with the code of what went wrong."""
    try:
        with eventlet.Timeout(STATUS_TIMEOUT_SECONDS):
            answer = remote.call(service, "status", reader)
    # whatever the call raised (a HubError, the broker lost, our timeout) means this service cannot be shown
    except (Exception, eventlet.Timeout) as error:
        code = getattr(error, "code", None) or ("TIMEOUT" if isinstance(error, eventlet.Timeout) else "UNAVAILABLE")
        log.warning("hub status: a service did not answer", extra={"target": service, "error_code": code})
        return {"service": service, "reachable": False, "error": code}
    return {**answer, "service": service, "reachable": True, "error": None}


def view_of(status: dict) -> dict:
    """What the page shows of one service, worded."""
    if not status["reachable"]:
        return {"name": status["service"], "reachable": False, "error": status["error"]}
    failing = [CHECK_LABELS.get(name, name) for name, check in (status.get("checks") or {}).items()
               if not check.get("ok")]
    extras = status.get("extras")
    return {"name": status["service"], "reachable": True, "healthy": not failing, "failing": failing,
            "version": status.get("version"), "started_at": status.get("started_at"),
            "outbox": status.get("outbox"), "dead_letters": status.get("dead_letters"),
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

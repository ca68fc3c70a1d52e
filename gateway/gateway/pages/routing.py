"""Back office of the routing service: the agents' inbox (filters, countdown, overdue flag), the decision page of
an idea (the idea, similar ideas, the suggestion and why, the checklist, the actions and undo), the scheme
catalogue (administrators), the trace lookup; and the citizen's timeline partial the idea page includes."""
import contextvars
import uuid

import eventlet
from flask import Blueprint, flash, redirect, request, url_for

from hubkit.errors import HubError, InvalidInput

from .. import remote
from ..api.routing import STAFF, agent
from ..auth import roles_required
from ..idempotency import form_key
from ..similar import across_schemes
from .forms import Form, checkbox, flash_failure, render_forms, submitted

bp = Blueprint("routing_pages", __name__, url_prefix="/back-office")

FILTERS = {"direction": "direction", "dispositif": "scheme", "arrondissement": "arrondissement", "statut": "status",
           "anciennete_min": "min_age_days", "anciennete_max": "max_age_days", "attribution": "assigned"}
ACTION_FORMS = ("forward", "answer", "not_retain", "duplicate")
REFRESH_MARGIN = 2  # seconds: past the undo window, the service's sweep (every few seconds) applies the decision
SCHEME_FIELDS = ("name", "description", "direction", "kind", "delivery", "webhook_url", "email", "deadline_days",
                 "keywords")


def new_token() -> str:
    """A form's idempotency key: the same form sent twice (a double click) is one decision."""
    return uuid.uuid4().hex


# --- the inbox ----------------------------------------------------------------------------------------

@bp.get("/orientation")
@roles_required(*STAFF)
def inbox():
    params = {name: (request.args.get(name) or "").strip()[:40] for name in (*FILTERS, "retard", "page")}
    params["apres"] = (request.args.get("apres") or "").strip()[:300]  # the cursor of the page before (keyset)
    query = {FILTERS[name]: value for name, value in params.items() if name in FILTERS and value}
    query["overdue"] = params["retard"] == "1"
    number = int(params["page"]) if params["page"].isdigit() and 0 < int(params["page"]) <= 10_000 else 1
    # "next" follows the cursor: every page costs the service the same, however deep (issue 17); the number
    # shown is carried along. A page opened by its number (a bookmark, "previous") is read at its offset.
    query.update({"page": 1, "after": params["apres"]} if params["apres"] else {"page": number})
    form, page = Form("filtre", params), {"items": [], "total": 0, "overdue": 0, "page": 1, "per_page": 50}
    try:
        page = remote.call("routing", "inbox", agent(), query)
    except InvalidInput as error:
        aliases = {service: form_name for form_name, service in FILTERS.items()}
        form = Form.failed(error, params, name="filtre", fields=tuple(FILTERS), aliases=aliases)
    page["page"] = number if params["apres"] and page["items"] else page["page"]
    reference, schemes = remote.reference_data("routing"), remote.call("routing", "list_schemes", {}, agent())
    pages = _pages(params, page)
    return render_forms("routing/inbox.html", {"filter": form}, page=page, reference=reference, schemes=schemes,
                        params=params, pages=pages, failing=_failing_deliveries())


def _failing_deliveries() -> list:
    """The dossiers of the reader's schemes whose webhook calls fail (agents of a direction and admins watch
    them); the inbox shows without them when routing cannot say."""
    staff = agent()
    if not ("admin" in staff["roles"] or ("agent" in staff["roles"] and staff.get("direction"))):
        return []
    try:
        return remote.call("routing", "failing_deliveries", staff, {})
    except HubError:
        return []


def _pages(params: dict, page: dict) -> dict:
    kept = {key: value for key, value in params.items() if value and key not in ("page", "apres")}
    last = max(1, -(-page["total"] // page["per_page"]))
    cursor, following = page.get("next_cursor", False), None  # None: the last page; False: not told
    if cursor:
        following = url_for(".inbox", **kept, apres=cursor, page=page["page"] + 1)
    elif cursor is False and page["page"] < last:
        following = url_for(".inbox", **kept, page=page["page"] + 1)
    return {"previous": url_for(".inbox", **kept, page=page["page"] - 1) if page["page"] > 1 else None,
            "next": following, "last": last}


# --- one idea -------------------------------------------------------------------------------------------

@bp.get("/orientation/<idea_id>")
@roles_required(*STAFF)
def show(idea_id):
    return _decision_page(idea_id)


def _decision_page(idea_id: str, forms: dict = None):
    staff = agent()
    reader = {"account_id": staff["account_id"], "roles": staff["roles"]}
    # None of these needs another's answer (similar ideas need the idea's text: they follow it in its thread):
    # the page waits for the slowest chain instead of the sum of six calls.
    found = _concurrently(
        item=lambda: remote.call("routing", "get_item", staff, {"idea_id": idea_id}),
        idea=lambda: _idea_and_similar(idea_id, reader),
        reference=lambda: remote.reference_data("routing"),
        schemes=lambda: remote.call("routing", "list_schemes", {}, staff),
        agents=lambda: _agents(staff))
    item, (idea, elsewhere) = found["item"], found["idea"]
    similar = [other for other in elsewhere["items"] if other["kind"] == "idea"]  # the duplicates it may be
    forms = forms or {}
    defaults = {"forward": {"scheme": item["scheme"] if item["scheme"] != "direct_answer" else ""},
                "answer": {}, "not_retain": {}, "duplicate": {}}
    for action in ACTION_FORMS:
        forms.setdefault(action, Form(action, defaults[action]))
        forms[action].values.setdefault("idempotency_key", new_token())
    forms.setdefault("checklist", Form("grille", {check["code"]: check["value"] for check in item["checklist"]}))
    forms.setdefault("assign", Form("attribution", {"direction": item["direction"],
                                                    "agent_id": item["assigned_agent_id"] or ""}))
    return render_forms("routing/show.html", forms, item=item, idea=idea, similar=similar, elsewhere=elsewhere,
                        reference=found["reference"], agents=found["agents"], refresh=_refresh_after(item),
                        schemes=[s for s in found["schemes"] if s["code"] != "direct_answer"])


def _refresh_after(item: dict) -> int | None:
    """Seconds after which the page reloads itself without JavaScript while a decision waits for its undo window
    (its end, plus the sweep's moment to apply it), so the agent sees when it took effect; None: no reload, and
    never when the agent turned it off (`?actualiser=non`: the page offers it, WCAG 2.2.1)."""
    pending = item.get("pending_decision")
    if not pending or request.args.get("actualiser") == "non":
        return None
    return pending["undo_seconds_left"] + REFRESH_MARGIN if pending["undo_seconds_left"] else REFRESH_MARGIN


def _concurrently(**calls) -> dict:
    """Each call's answer by name, the calls made at the same time in green threads (each with a copy of this
    request's context, which `remote.call` reads). All are awaited; then the error of the first failing call
    in the order given is raised: the error page is the one the calls made one after the other would give."""
    threads = {name: eventlet.spawn(contextvars.copy_context().run, _outcome, call) for name, call in calls.items()}
    outcomes = {name: thread.wait() for name, thread in threads.items()}
    for answer, error in outcomes.values():
        if error is not None:
            raise error
    return {name: answer for name, (answer, _) in outcomes.items()}


def _outcome(call) -> tuple:
    """(answer, None) or (None, error): a green thread that raises would also have its traceback logged."""
    try:
        return call(), None
    except Exception as error:  # raised again by the request's thread, in order
        return None, error


def _idea_and_similar(idea_id: str, reader: dict) -> tuple:
    """The idea, and what resembles it across the schemes. ideas gives staff the similar ideas with the idea
    (`similar`): only budget and petitions are asked (each with its deadline: they help, the decision does not
    need them)."""
    idea = remote.call("ideas", "get_idea", {"idea_id": idea_id}, reader)
    found = across_schemes(idea["title"], idea.get("description") or "", exclude_idea=idea_id,
                           known_ideas=idea.get("similar"))
    return idea, found


def _agents(staff: dict) -> list:
    """The City's agents (accounts lets agents and administrators list them), to assign an idea to one."""
    try:
        found = remote.call("accounts", "search_accounts", staff["account_id"],
                            {"query": "", "role": "agent", "limit": 500, "offset": 0})
    except HubError as error:
        if Form.failed(error, {}).status >= 500:
            raise
        return []  # a moderator may not list accounts: they assign to themselves or to a direction
    return sorted(({"id": a["id"], "pseudonym": a["pseudonym"], "direction": a.get("direction")} for a in found),
                  key=lambda a: ((a["direction"] or ""), a["pseudonym"].lower()))


@bp.post("/orientation/<idea_id>/decision")
@roles_required(*STAFF)
def decide(idea_id):
    values = submitted("action", "scheme", "message", "reason_code", "duplicate_of", "idempotency_key")
    action = values["action"] if values["action"] in ACTION_FORMS else "forward"
    command = {"idea_id": idea_id, "action": values["action"], "scheme": values["scheme"] or None,
               "message": values["message"], "reason_code": values["reason_code"] or None,
               "duplicate_of": values["duplicate_of"] or None, "idempotency_key": form_key()}
    try:
        decision = remote.call("routing", "decide", agent(), command)
    except HubError as error:
        form = Form.failed(error, values, name=action, fields=("scheme", "message", "reason_code", "duplicate_of"))
        return _decision_page(idea_id, {action: form})
    if decision["state"] == "pending":
        flash(f"Décision « {decision['action_label']} » enregistrée : elle prendra effet dans "
              f"{decision['undo_seconds_left']} secondes. Vous pouvez l'annuler d'ici là.", "success")
    else:
        flash(f"Décision « {decision['action_label']} » appliquée.", "success")
    return redirect(url_for(".show", idea_id=idea_id))


@bp.post("/orientation/<idea_id>/decisions/<decision_id>/annuler")
@roles_required(*STAFF)
def undo(idea_id, decision_id):
    try:
        remote.call("routing", "undo_decision", agent(), {"decision_id": decision_id})
    except HubError as error:
        flash_failure(error)  # "too late", "already undone"; a refusal is the 403 page
    else:
        flash("Décision annulée : l'idée attend de nouveau une décision.", "success")
    return redirect(url_for(".show", idea_id=idea_id))


@bp.post("/orientation/<idea_id>/grille")
@roles_required(*STAFF)
def checklist(idea_id):
    reference = remote.reference_data("routing")
    values = submitted(*(check["code"] for check in reference["checks"]))
    try:
        remote.call("routing", "update_checklist", agent(), {"idea_id": idea_id, "values": values})
    except HubError as error:
        return _decision_page(idea_id, {"checklist": Form.failed(error, values, name="grille")})
    flash("Grille de pré-recevabilité enregistrée.", "success")
    return redirect(url_for(".show", idea_id=idea_id))


@bp.post("/orientation/<idea_id>/attribution")
@roles_required(*STAFF)
def assign(idea_id):
    values = submitted("direction", "agent_id")
    chosen = agent()["account_id"] if values["agent_id"] == "moi" else values["agent_id"] or None
    command = {"idea_id": idea_id, "agent_id": chosen, "direction": values["direction"] or None}
    try:
        remote.call("routing", "assign", agent(), command)
    except HubError as error:
        return _decision_page(idea_id, {"assign": Form.failed(error, values, name="attribution")})
    flash("Attribution enregistrée.", "success")
    return redirect(url_for(".show", idea_id=idea_id))


# --- the trace lookup -------------------------------------------------------------------------------------

@bp.get("/traces")
@roles_required(*STAFF)
def traces():
    correlation_id = (request.args.get("correlation") or "").strip()[:128]
    form, trace = Form("trace", {"correlation": correlation_id}), None
    if correlation_id:
        try:
            trace = remote.call("routing", "trace", agent(), {"correlation_id": correlation_id})
        except HubError as error:
            form = Form.failed(error, {"correlation": correlation_id}, name="trace", fields=("correlation",),
                               aliases={"correlation_id": "correlation"})
    return render_forms("routing/traces.html", {"trace": form}, trace=trace)


# --- the scheme catalogue (administrators) --------------------------------------------------------------

@bp.get("/dispositifs")
@roles_required("admin")
def schemes():
    return _schemes_page({})


def _schemes_page(forms: dict, secret: dict = None):
    forms.setdefault("create", Form("nouveau", {"kind": "external", "delivery": "webhook", "deadline_days": "30"}))
    listing = remote.call("routing", "list_schemes", {"include_inactive": True}, agent())
    for scheme in listing:
        forms.setdefault(scheme["code"], Form(f"dispositif-{scheme['code']}", {
            **{name: scheme.get(name) or "" for name in SCHEME_FIELDS}, "keywords": ", ".join(scheme["keywords"]),
            "active": scheme["active"]}))
    return render_forms("routing/schemes.html", forms, schemes=listing, secret=secret,
                        reference=remote.reference_data("routing"))


def _scheme_values() -> dict:
    values = submitted("code", *SCHEME_FIELDS)
    values["active"] = checkbox("active")
    return values


def _scheme_command(values: dict) -> dict:
    command = {name: values[name] for name in ("name", "description", "direction", "kind", "delivery")}
    command["webhook_url"], command["email"] = values["webhook_url"] or None, values["email"] or None
    command["keywords"] = [word.strip() for word in values["keywords"].split(",") if word.strip()]
    days = values["deadline_days"]
    if not days.lstrip("-").isdigit():
        raise InvalidInput(details={"deadline_days": ["Un nombre de jours."]})
    command["deadline_days"] = int(days)
    return command


@bp.post("/dispositifs")
@roles_required("admin")
def create_scheme():
    values = _scheme_values()
    try:
        scheme = remote.call("routing", "create_scheme", agent(), {**_scheme_command(values), "code": values["code"]})
    except HubError as error:
        return _schemes_page({"create": Form.failed(error, values, name="nouveau")})
    flash(f"Dispositif « {scheme['name']} » créé.", "success")
    return _schemes_page({}, secret=scheme if scheme.get("webhook_secret") else None)


@bp.post("/dispositifs/<code>")
@roles_required("admin")
def update_scheme(code):
    values = _scheme_values()
    try:
        command = {**_scheme_command(values), "code": code, "active": values["active"],
                   "rotate_secret": checkbox("rotate_secret")}
        scheme = remote.call("routing", "update_scheme", agent(), command)
    except HubError as error:
        return _schemes_page({code: Form.failed(error, values, name=f"dispositif-{code}")})
    flash(f"Dispositif « {scheme['name']} » enregistré.", "success")
    return _schemes_page({}, secret=scheme if scheme.get("webhook_secret") else None)


# --- the citizen's timeline (included by the idea page) ------------------------------------------------

def idea_timeline(idea_id: str) -> dict | None:
    """The idea's journey across the schemes, public-safe; None when routing cannot say (the page still shows)."""
    try:
        timeline = remote.call("routing", "idea_timeline", {"idea_id": idea_id})
    except HubError:
        return None
    return timeline if timeline["entries"] else None

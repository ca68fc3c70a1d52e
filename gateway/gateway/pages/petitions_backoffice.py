"""Petitions in the back-office: the moderation queue (publish with threshold and eligibility, or refuse with a
public reason), the Council of Paris (schedule, record the City's response, close: admins) and the anti-fraud view
of a petition's signatures (moderators). Routes of the petitions blueprint; the service checks the roles again."""
from flask import flash, redirect, request, url_for

from hubkit.errors import HubError, InvalidInput

from .. import remote
from ..api.petitions import actor
from ..auth import roles_required
from .forms import Form, checkbox, none_if_blank, render_forms, require_filled, submitted
from .petitions_common import MODERATORS, bp, reference, thousands


# --- back-office: moderation -------------------------------------------------------------------------

def _moderation_page(failed: dict = None):
    queue = remote.call("petitions", "moderation_queue", actor())
    forms = {f"publish-{p['id']}": Form(f"publier-{p['id']}") for p in queue["items"]}
    forms.update({f"reject-{p['id']}": Form(f"refuser-{p['id']}") for p in queue["items"]})
    orphans = [form for key, form in (failed or {}).items() if key not in forms]  # no longer in the queue
    forms.update(failed or {})
    return render_forms("petitions/moderation.html", forms, queue=queue, reference=reference(), orphans=orphans)


@bp.get("/back-office/petitions/moderation")
@roles_required(*MODERATORS)
def moderation():
    return _moderation_page()


@bp.post("/back-office/petitions/<uuid:petition_id>/publier")
@roles_required(*MODERATORS)
def publish(petition_id):
    values = submitted("threshold", "eligibility")
    threshold = none_if_blank(values["threshold"])
    try:
        petition = remote.call("petitions", "publish_petition", actor(), {
            "petition_id": str(petition_id), "eligibility": none_if_blank(values["eligibility"]),
            "threshold": int(threshold) if threshold and threshold.isdigit() else threshold})
    except HubError as error:
        form = Form.failed(error, values, name=f"publier-{petition_id}", fields=("threshold", "eligibility"))
        return _moderation_page({f"publish-{petition_id}": form})
    flash(f"La pétition « {petition['title']} » est publiée.", "success")
    return redirect(url_for(".moderation"))


@bp.post("/back-office/petitions/<uuid:petition_id>/refuser")
@roles_required(*MODERATORS)
def reject(petition_id):
    values = submitted("code", "reason")
    values["hidden"] = checkbox("hidden")
    try:
        require_filled(values, "code", "reason")
        petition = remote.call("petitions", "reject_petition", actor(), {
            "petition_id": str(petition_id), "code": values["code"], "reason": values["reason"],
            "hidden": values["hidden"]})
    except HubError as error:
        form = Form.failed(error, values, name=f"refuser-{petition_id}", fields=("code", "reason", "hidden"))
        return _moderation_page({f"reject-{petition_id}": form})
    flash(f"La pétition « {petition['title']} » est refusée ; le motif est public.", "success")
    return redirect(url_for(".moderation"))


# --- back-office: the Council of Paris ---------------------------------------------------------------

def _council_page(failed: dict = None):
    agenda = remote.call("petitions", "council_agenda", actor())
    forms = {f"{kind}-{p['id']}": Form(f"{kind}-{p['id']}") for kind, group in
             (("conseil", agenda["awaiting_placement"] + agenda["scheduled"]), ("reponse", agenda["scheduled"]),
              ("clore", agenda["answered"])) for p in group}
    for p in agenda["scheduled"]:
        forms[f"conseil-{p['id']}"] = Form(f"conseil-{p['id']}", {"session_date": p["council"]["session_date"],
                                                                  "agenda_url": p["council"]["agenda_url"]})
    orphans = [form for key, form in (failed or {}).items() if key not in forms]  # no longer in that step
    forms.update(failed or {})
    return render_forms("petitions/council.html", forms, agenda=agenda, reference=reference(), orphans=orphans)


@bp.get("/back-office/petitions/conseil")
@roles_required(*MODERATORS)
def council():
    return _council_page()


@bp.post("/back-office/petitions/<uuid:petition_id>/conseil")
@roles_required("admin")
def schedule(petition_id):
    values = submitted("session_date", "agenda_url")
    try:
        require_filled(values, "session_date", "agenda_url")
        petition = remote.call("petitions", "schedule_for_council", actor(), {"petition_id": str(petition_id),
                                                                              **values})
    except HubError as error:
        form = Form.failed(error, values, name=f"conseil-{petition_id}", fields=("session_date", "agenda_url"))
        return _council_page({f"conseil-{petition_id}": form})
    flash(f"La pétition « {petition['title']} » est inscrite au Conseil de Paris.", "success")
    return redirect(url_for(".council"))


@bp.post("/back-office/petitions/<uuid:petition_id>/reponse")
@roles_required("admin")
def respond(petition_id):
    values = submitted("decision", "response")
    try:
        require_filled(values, "decision", "response")
        petition = remote.call("petitions", "record_response", actor(), {"petition_id": str(petition_id), **values})
    except HubError as error:
        form = Form.failed(error, values, name=f"reponse-{petition_id}", fields=("decision", "response"))
        return _council_page({f"reponse-{petition_id}": form})
    flash(f"La réponse de la Ville à « {petition['title']} » est publiée.", "success")
    return redirect(url_for(".council"))


@bp.post("/back-office/petitions/<uuid:petition_id>/clore")
@roles_required("admin")
def close(petition_id):
    try:
        petition = remote.call("petitions", "close_petition", actor(), {"petition_id": str(petition_id)})
    except HubError as error:
        return _council_page({f"clore-{petition_id}": Form.failed(error, {}, name=f"clore-{petition_id}")})
    flash(f"La pétition « {petition['title']} » est close.", "success")
    return redirect(url_for(".council"))


# --- back-office: anti-fraud (moderators) --------------------------------------------------------------

TREND_WINDOWS = {"1": 1, "24": 24, "168": 168, "720": 720}  # ?heures=… -> hours


def _fraud_page(petition_id, failed: dict = None):
    hours = TREND_WINDOWS.get(request.args.get("heures", ""), 24)
    trends = remote.call("petitions", "signature_trends", actor(), {"petition_id": str(petition_id), "hours": hours})
    forms = {"ip": Form("invalider-ip"), "domain": Form("invalider-domaine"), "ids": Form("invalider-signatures")}
    forms.update(failed or {})
    return render_forms("petitions/fraud.html", forms, trends=trends, windows=TREND_WINDOWS)


@bp.get("/back-office/petitions/<uuid:petition_id>/fraude")
@roles_required(*MODERATORS)
def fraud(petition_id):
    return _fraud_page(petition_id)


# How each invalidation form names itself and which fields it sends (mode -> form name, fields).
INVALIDATION_MODES = {"ip": ("invalider-ip", ("ip", "reason")),
                      "domain": ("invalider-domaine", ("email_domain", "reason")),
                      "ids": ("invalider-signatures", ("signature_ids", "reason"))}


def _invalidation_criterion(kind: str, values: dict, ticked: list) -> dict:
    if kind == "ids":
        if not all(value.isdigit() for value in ticked):
            raise InvalidInput(details={"signature_ids": ["Identifiants de signatures invalides."]})
        return {"signature_ids": [int(value) for value in ticked]}
    if kind == "domain":  # the window the moderator was looking at
        return {"email_domain": values["email_domain"], "hours": TREND_WINDOWS.get(values["heures"], 24)}
    return {"ip": values["ip"]}


@bp.post("/back-office/petitions/<uuid:petition_id>/invalider")
@roles_required(*MODERATORS)
def invalidate(petition_id):
    """Invalidate the signatures of one address (form `ip`), of one e-mail domain in the window (form `domain`)
    or the ticked signatures (form `ids`)."""
    kind = request.form.get("mode") if request.form.get("mode") in INVALIDATION_MODES else "ip"
    name, fields = INVALIDATION_MODES[kind]
    values = submitted("ip", "email_domain", "reason", "heures")
    ticked = request.form.getlist("signature_ids")
    values["signature_ids"] = ticked or ""  # nothing ticked: a missing field
    try:
        require_filled(values, *fields)
        result = remote.call("petitions", "invalidate_signatures", actor(), {
            "petition_id": str(petition_id), "reason": values["reason"],
            **_invalidation_criterion(kind, values, ticked)})
    except HubError as error:
        return _fraud_page(petition_id, {kind: Form.failed(error, values, name=name, fields=fields)})
    flash(f"{result['invalidated']} signature{'s' if result['invalidated'] > 1 else ''} invalidée"
          f"{'s' if result['invalidated'] > 1 else ''}. La pétition compte désormais "
          f"{thousands(result['signatures_count'])} signature{'s' if result['signatures_count'] > 1 else ''}.",
          "success")
    return redirect(url_for(".fraud", petition_id=petition_id,
                            heures=values["heures"] if values["heures"] in TREND_WINDOWS else None))

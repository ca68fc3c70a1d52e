"""Routing: the scheme catalogue (also as Open311 GeoReport v2), the agents' inbox and decisions, external
schemes' signed answers, and the one history of an idea (public timeline, agents' trace)."""
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, request

from hubkit.errors import NotFound

from .. import remote
from .. import routing_schemas as schemas
from ..actors import staff_actor
from ..auth import current_principal, roles_required
from ..idempotency import request_key
from ..openapi import endpoint

bp = Blueprint("api_routing", __name__)
open311 = Blueprint("open311", __name__, url_prefix="/open311/v2")

TAG, BACKOFFICE = "routing", "back-office"
STAFF = ("agent", "moderator", "admin")


agent = staff_actor  # the signed-in staff member as routing sees them


def reader() -> dict | None:
    """The signed-in reader of a public resource, if any."""
    return agent() if current_principal() is not None else None


# --- the catalogue --------------------------------------------------------------------------------------

@bp.get("/routing/reference")
@endpoint("Statuts, actions, motifs, critères de recevabilité, directions (formulaires et filtres)",
          response=schemas.ReferenceSchema, errors=(), tag=TAG)
def reference():
    return remote.reference_data("routing")


@bp.get("/routing/schemes")
@endpoint("Catalogue des dispositifs où une idée peut être transmise", query=schemas.SchemeListQuerySchema,
          response=schemas.SchemeSchema(many=True), tag=TAG)
def list_schemes(data):
    """`include_inactive` : aussi les dispositifs désactivés. Adresses de webhook et de courriel : agents seulement."""
    return remote.call("routing", "list_schemes", data, reader())


@bp.get("/routing/schemes/<code>")
@endpoint("Lire un dispositif", response=schemas.SchemeSchema, errors=(404,), tag=TAG, path=schemas.PATH)
def get_scheme(code):
    return remote.call("routing", "get_scheme", {"code": code}, reader())


@bp.post("/routing/schemes")
@roles_required("admin")
@endpoint("Créer un dispositif (administrateurs)", body=schemas.SchemeCreateSchema, response=schemas.SchemeSchema,
          status=201, auth=True, errors=(400, 403, 409), tag=BACKOFFICE)
def create_scheme(data):
    """Un dispositif à webhook reçoit un secret HMAC, renvoyé une seule fois dans `webhook_secret`."""
    return remote.call("routing", "create_scheme", agent(), data)


@bp.patch("/routing/schemes/<code>")
@roles_required("admin")
@endpoint("Modifier ou désactiver un dispositif (administrateurs)", body=schemas.SchemeUpdateSchema,
          response=schemas.SchemeSchema, auth=True, errors=(400, 403, 404, 409), tag=BACKOFFICE, path=schemas.PATH)
def update_scheme(code, data):
    return remote.call("routing", "update_scheme", agent(), {**data, "code": code})


# --- the inbox ------------------------------------------------------------------------------------------

@bp.get("/routing/inbox")
@roles_required(*STAFF)
@endpoint("Boîte de réception des agents (filtres, échéances, retards)", query=schemas.InboxQuerySchema,
          response=schemas.InboxPageSchema, auth=True, errors=(400, 403), tag=BACKOFFICE)
def inbox(data):
    """`status` : open (à traiter ou décision annulable, par défaut), all, ou un statut ; `assigned` : me ou
    nobody ; `min_age_days` / `max_age_days` : ancienneté ; `overdue` : seulement les idées en retard."""
    return remote.call("routing", "inbox", agent(), data)


@bp.get("/routing/inbox/<idea_id>")
@roles_required(*STAFF)
@endpoint("Une idée de la boîte : suggestion et pourquoi, recevabilité, décisions, dossiers, trace",
          response=schemas.InboxDetailSchema, auth=True, errors=(400, 403, 404), tag=BACKOFFICE)
def get_item(idea_id):
    return remote.call("routing", "get_item", agent(), {"idea_id": idea_id})


@bp.put("/routing/inbox/<idea_id>/checklist")
@roles_required(*STAFF)
@endpoint("Cocher la grille de pré-recevabilité", body=schemas.ChecklistSchema, response=schemas.InboxDetailSchema,
          auth=True, errors=(400, 403, 404), tag=BACKOFFICE)
def update_checklist(idea_id, data):
    return remote.call("routing", "update_checklist", agent(), {**data, "idea_id": idea_id})


@bp.post("/routing/inbox/<idea_id>/assignment")
@roles_required(*STAFF)
@endpoint("Confier l'idée à un agent et/ou à une direction", body=schemas.AssignSchema,
          response=schemas.InboxDetailSchema, auth=True, errors=(400, 403, 404), tag=BACKOFFICE)
def assign(idea_id, data):
    command = {**data, "idea_id": idea_id}
    return remote.call("routing", "assign", agent(), _wire(command))


@bp.post("/routing/inbox/<idea_id>/decisions")
@roles_required(*STAFF)
@endpoint("Décider : transmettre (ou réorienter), répondre, ne pas retenir, marquer comme doublon",
          body=schemas.DecideSchema, response=schemas.DecisionSchema, status=201, auth=True,
          errors=(400, 403, 404, 409), tag=BACKOFFICE, idempotent=True)
def decide(idea_id, data):
    """La décision prend effet après le délai d'annulation (`undo_seconds` de /routing/reference). La même
    clé (`Idempotency-Key` ou `idempotency_key`) renvoie la décision déjà enregistrée : un double envoi ne crée
    ni deux dossiers ni deux projets. 409 DECISION_PENDING, ALREADY_DECIDED ; 422 IDEMPOTENCY_KEY_REUSED."""
    key = data.get("idempotency_key") or request_key()
    command = _wire({**data, "idea_id": idea_id, "idempotency_key": key})
    return remote.call("routing", "decide", agent(), command)


@bp.post("/routing/decisions/<decision_id>/undo")
@roles_required(*STAFF)
@endpoint("Annuler une décision avant qu'elle prenne effet", response=schemas.DecisionSchema, auth=True,
          errors=(400, 403, 404, 409), tag=BACKOFFICE)
def undo(decision_id):
    """409 UNDO_TOO_LATE une fois la décision appliquée (réorientez alors l'idée), ALREADY_UNDONE."""
    return remote.call("routing", "undo_decision", agent(), {"decision_id": decision_id})


@bp.post("/routing/dossiers/<reference>/answer")
@endpoint("Réponse signée d'un dispositif externe à un dossier (HMAC, pas de jeton)",
          body=schemas.SchemeAnswerSchema, response=schemas.DossierSchema, errors=(400, 401, 404, 409), tag=TAG,
          path=schemas.PATH)
def scheme_answer(reference, data):
    """En-têtes `X-Hub-Timestamp` (secondes Unix) et `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256 du
    secret du dispositif sur « POST\\n/api/v1/routing/dossiers/<reference>/answer\\n<timestamp>\\n<corps brut> ».
    Refusée (401) si plus vieille de 5 minutes ou datée de plus d'une minute dans le futur ; la même requête
    rejouée est refusée (409 ANSWER_REPLAYED). La même réponse signée à nouveau ne change rien."""
    return remote.call("routing", "receive_dossier_answer", {
        "reference": reference, "body": request.get_data(as_text=True),
        "timestamp": request.headers.get("X-Hub-Timestamp", "")[:20],
        "signature": request.headers.get("X-Hub-Signature-256", "")[:100]})


# --- the one history ------------------------------------------------------------------------------------

@bp.get("/routing/ideas/<idea_id>/timeline")
@endpoint("Parcours d'une idée à travers les dispositifs (public : ni noms d'agents ni notes)",
          response=schemas.TimelineSchema, errors=(400,), tag=TAG)
def timeline(idea_id):
    return remote.call("routing", "idea_timeline", {"idea_id": idea_id})


@bp.get("/routing/traces/<correlation_id>")
@roles_required(*STAFF)
@endpoint("Retrouver une trace par identifiant de corrélation (agents)", response=schemas.TraceSchema, auth=True,
          errors=(400, 403, 404), tag=BACKOFFICE, path=schemas.PATH)
def trace(correlation_id):
    return remote.call("routing", "trace", agent(), {"correlation_id": correlation_id})


def _wire(data: dict) -> dict:
    return {key: str(value) if hasattr(value, "hex") else value for key, value in data.items()}


# --- Open311 GeoReport v2 (for existing Open311 tools) -----------------------------------------------------

@open311.get("/services.<fmt>")
def open311_services(fmt):
    services = remote.call("routing", "open311_services")
    return _open311(fmt, services, "services", "service")


@open311.get("/services/<code>.<fmt>")
def open311_definition(code, fmt):
    try:
        definition = remote.call("routing", "open311_definition", {"code": code})
    except NotFound as missing:
        if fmt == "json":  # the hub's one error body (gateway.errors), which the request metrics read
            return current_app.json.response(missing.to_dict()), 404
        return _open311(fmt, [{"code": 404, "description": missing.message}], "errors", "error"), 404
    return _open311(fmt, definition, "service_definition", None)


def _open311(fmt: str, data, root: str, item: str | None):
    if fmt == "json":
        return current_app.json.response(data)  # Open311's own shape: no schema of the hub's API
    if fmt != "xml":
        raise NotFound("Format json ou xml.")
    element = ElementTree.Element(root)
    if item is None:
        _xml_fill(element, data)
    else:
        for entry in data:
            _xml_fill(ElementTree.SubElement(element, item), entry)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8")
    return Response(body, content_type="text/xml; charset=utf-8")


def _xml_fill(element, value):
    """GeoReport v2 XML: a dict's keys are child elements, a list repeats its (singular) parent name."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, list):
                holder = ElementTree.SubElement(element, key)
                for entry in child:
                    _xml_fill(ElementTree.SubElement(holder, key[:-1] if key.endswith("s") else key), entry)
            else:
                _xml_fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)

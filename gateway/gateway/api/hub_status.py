"""`GET /api/v1/admin/status`: what the administrators' page "État du hub" shows, as JSON (gateway.pages.hub_status,
docs/operations.md "État du hub"): each service of HUB_SERVICES, reachable or not, with its own `status` answer."""
from flask import Blueprint, current_app
from marshmallow import Schema, fields

from ..actors import actor
from ..auth import roles_required
from ..openapi import endpoint
from ..pages.hub_status import every_status
from ..schemas import WireDateTime

bp = Blueprint("api_hub_status", __name__)


class StatusCheckSchema(Schema):
    ok = fields.Boolean(required=True)
    ms = fields.Float(metadata={"description": "Durée de la vérification (ms)"})
    error = fields.String(metadata={"description": "Ce qui a échoué (type d'erreur)"})


class OutboxBacklogSchema(Schema):
    pending = fields.Integer(required=True, metadata={"description": "Événements validés, pas encore publiés"})
    oldest_age_seconds = fields.Float(required=True, metadata={
        "description": "Depuis combien de secondes le plus ancien attend (0 sans attente)"})


class ServiceStatusSchema(Schema):
    service = fields.String(required=True)
    reachable = fields.Boolean(required=True, metadata={"description": "Le service a répondu à temps"})
    error = fields.String(allow_none=True, metadata={"description": "Code de l'erreur s'il n'a pas répondu"})
    version = fields.String(allow_none=True)
    started_at = WireDateTime(allow_none=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(StatusCheckSchema), metadata={
        "description": "Vérifications de disponibilité (broker, database), comme /readyz"})
    outbox = fields.Nested(OutboxBacklogSchema, allow_none=True, metadata={"description": "null : base injoignable"})
    dead_letters = fields.Integer(allow_none=True, metadata={"description": "null : broker injoignable"})
    extras = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True, metadata={
        "description": "Indicateurs propres au service (routing : overdue_ideas, webhooks_failing, webhooks_given_up)"})


class HubStatusSchema(Schema):
    services = fields.List(fields.Nested(ServiceStatusSchema), required=True)


@bp.get("/admin/status")
@roles_required("admin")
@endpoint("État du hub : chaque service, sa santé, sa file d'événements et ses lettres mortes (administrateurs)",
          response=HubStatusSchema, auth=True, errors=(403,), tag="back-office")
def hub_status():
    return {"services": every_status(current_app.config["HUB_SETTINGS"].services, actor())}

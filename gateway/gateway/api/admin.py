"""Back-office API: accounts, roles, certification of eligibility attributes."""
from flask import Blueprint

from .. import schemas
from ..auth import actor_id, roles_required
from ..openapi import endpoint
from .. import remote

bp = Blueprint("api_admin", __name__)


@bp.get("/accounts")
@roles_required("admin", "agent")
@endpoint("Rechercher des comptes (agents, administrateurs)", query=schemas.AccountQuerySchema,
          response=schemas.AccountSummarySchema(many=True), auth=True, errors=(400, 403), tag="back-office")
def search_accounts(data):
    return remote.call("accounts", "search_accounts", actor_id(), data)


@bp.post("/accounts/<account_id>/roles")
@roles_required("admin")
@endpoint("Attribuer un rôle (administrateurs)", body=schemas.RoleGrantSchema, response=schemas.AccountSchema,
          auth=True, errors=(400, 403, 404), tag="back-office")
def grant_role(account_id, data):
    return remote.call("accounts", "grant_role", actor_id(), {**data, "account_id": account_id})


@bp.delete("/accounts/<account_id>/roles/<role>")
@roles_required("admin")
@endpoint("Retirer un rôle (administrateurs)", response=schemas.AccountSchema, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def revoke_role(account_id, role):
    return remote.call("accounts", "revoke_role", actor_id(), {"account_id": account_id, "role": role})


@bp.post("/accounts/<account_id>/certification")
@roles_required("agent", "admin")
@endpoint("Certifier date de naissance et résidence (agents)", response=schemas.AccountSchema, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def certify(account_id):
    return remote.call("accounts", "certify_attributes", actor_id(), {"account_id": account_id})


@bp.get("/reference")
@endpoint("Rôles et directions de la Ville", response=schemas.ReferenceSchema, errors=(), tag="back-office")
def reference():
    return remote.reference_data("accounts")

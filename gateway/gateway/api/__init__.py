"""The JSON API, /api/v1: one blueprint per area."""
from flask import Blueprint, jsonify

from ..openapi import build_spec
from . import accounts, admin, budget, consultations, ideas, me, petitions, routing

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.register_blueprint(accounts.bp)
api.register_blueprint(me.bp)
api.register_blueprint(admin.bp)
api.register_blueprint(ideas.bp)
api.register_blueprint(consultations.bp)
api.register_blueprint(petitions.bp)
api.register_blueprint(budget.bp)
api.register_blueprint(routing.bp)


@api.get("/openapi.json")
def openapi_document():
    from flask import current_app
    return jsonify(build_spec(current_app))

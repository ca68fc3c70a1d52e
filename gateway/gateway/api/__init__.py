"""The JSON API, /api/v1: one blueprint per area."""
from flask import Blueprint, jsonify
from werkzeug.routing import BaseConverter

from ..openapi import build_spec
from . import (accounts, act, admin, budget, consultations, hub_status, ideas, me, notifications, open_data, petitions,
               routing, similar)

api = Blueprint("api", __name__, url_prefix="/api/v1")


class IdConverter(BaseConverter):
    """`<id:name>`: a UUID in the path, handed to the view as the text it was. For the routes whose place a fixed
    path shares (PATCH /petitions/<id> beside GET /petitions/council): that path is then no petition's, and
    answers with its own methods (Allow, 405), as the OpenAPI says."""
    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


# Registered before the areas' routes: the app runs the deferred functions of `api` before its nested blueprints'
api.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))
api.register_blueprint(accounts.bp)
api.register_blueprint(me.bp)
api.register_blueprint(admin.bp)
api.register_blueprint(hub_status.bp)
api.register_blueprint(ideas.bp)
api.register_blueprint(consultations.bp)
api.register_blueprint(petitions.bp)
api.register_blueprint(budget.bp)
api.register_blueprint(routing.bp)
api.register_blueprint(similar.bp)
api.register_blueprint(notifications.bp)
api.register_blueprint(open_data.bp)
api.register_blueprint(act.bp)


@api.get("/openapi.json")
def openapi_document():
    from flask import current_app
    return jsonify(build_spec(current_app))

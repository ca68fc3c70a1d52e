"""The idea box: listing, submitting, supporting, commenting, following, and status changes by staff."""
from flask import Blueprint, jsonify

from .. import remote, schemas
from ..actors import actor, pseudonym
from ..auth import login_required, roles_required
from ..openapi import endpoint

bp = Blueprint("api_ideas", __name__)

STAFF = ("agent", "moderator", "admin")


@bp.get("/ideas/themes")
@endpoint("Thématiques de la boîte à idées", response=schemas.ThemeSchema(many=True), errors=(), tag="ideas")
def themes():
    """Les thématiques du budget participatif parisien : `code` à envoyer, `label` à afficher."""
    return jsonify(remote.call("ideas", "reference_data")["themes"])


@bp.get("/ideas")
@endpoint("Lister les idées (filtres, recherche, tri, pagination)", query=schemas.IdeaQuerySchema,
          response=schemas.IdeaPageSchema, tag="ideas")
def list_ideas(data):
    return jsonify(remote.call("ideas", "list_ideas", data))


@bp.post("/ideas")
@login_required
@endpoint("Proposer une idée", body=schemas.IdeaSubmitSchema, response=schemas.IdeaSchema, status=201, auth=True,
          errors=(400, 429), tag="ideas")
def submit_idea(data):
    """5 idées par heure et par compte au plus (429 avec `Retry-After` au-delà)."""
    idea = remote.call("ideas", "submit_idea", actor(), {**data, "author_pseudonym": pseudonym()})
    return jsonify(idea), 201


@bp.get("/ideas/<idea_id>")
@endpoint("Une idée, son historique de statuts et ses commentaires", response=schemas.IdeaSchema,
          errors=(400, 404), tag="ideas")
def get_idea(idea_id):
    """Avec un jeton, `viewer` dit si je soutiens ou suis cette idée ; sans jeton, `viewer` est null."""
    return jsonify(remote.call("ideas", "get_idea", {"idea_id": idea_id}, actor()))


@bp.post("/ideas/<idea_id>/supports")
@login_required
@endpoint("Soutenir une idée (une fois par compte)", response=schemas.SupportStateSchema, status=201, auth=True,
          errors=(400, 404, 409), tag="ideas")
def support(idea_id):
    """Un second soutien du même compte : 409 `ALREADY_SUPPORTED`. Une idée close : 409 `IDEA_CLOSED`."""
    return jsonify(remote.call("ideas", "support_idea", actor(), {"idea_id": idea_id})), 201


@bp.delete("/ideas/<idea_id>/supports")
@login_required
@endpoint("Retirer mon soutien", response=schemas.SupportStateSchema, auth=True, errors=(400, 404, 409),
          tag="ideas")
def withdraw_support(idea_id):
    return jsonify(remote.call("ideas", "withdraw_support", actor(), {"idea_id": idea_id}))


@bp.post("/ideas/<idea_id>/comments")
@login_required
@endpoint("Commenter une idée", body=schemas.CommentPostSchema, response=schemas.CommentSchema, status=201,
          auth=True, errors=(400, 404, 409, 429), tag="ideas")
def post_comment(idea_id, data):
    """30 commentaires par heure et par compte au plus."""
    comment = remote.call("ideas", "post_comment", actor(),
                          {**data, "idea_id": idea_id, "author_pseudonym": pseudonym()})
    return jsonify(comment), 201


@bp.post("/ideas/<idea_id>/follow")
@login_required
@endpoint("Suivre une idée", response=schemas.FollowStateSchema, auth=True, errors=(400, 404), tag="ideas")
def follow(idea_id):
    return jsonify(remote.call("ideas", "follow_idea", actor(), {"idea_id": idea_id}))


@bp.delete("/ideas/<idea_id>/follow")
@login_required
@endpoint("Ne plus suivre une idée", response=schemas.FollowStateSchema, auth=True, errors=(400, 404),
          tag="ideas")
def unfollow(idea_id):
    return jsonify(remote.call("ideas", "unfollow_idea", actor(), {"idea_id": idea_id}))


@bp.post("/ideas/<idea_id>/status")
@roles_required(*STAFF)
@endpoint("Changer le statut d'une idée (agents, modérateurs, administrateurs)",
          body=schemas.IdeaStatusChangeSchema, response=schemas.IdeaSchema, auth=True, errors=(400, 403, 404, 409),
          tag="ideas")
def change_status(idea_id, data):
    """submitted → under_review → forwarded (avec `scheme`) | answered | not_retained | merged (avec
    `merged_into`). Le message est public : il apparaît dans l'historique de l'idée."""
    return jsonify(remote.call("ideas", "change_status", actor(), {**data, "idea_id": idea_id}))

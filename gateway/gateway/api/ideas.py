"""The idea box: listing, submitting, supporting, commenting, following, status changes and merges by
staff, similar ideas, reports and moderation."""
import uuid

from flask import Blueprint

from .. import ideas_schemas, remote
from ..actors import actor, pseudonym
from ..auth import login_required, roles_required
from ..idempotency import request_key
from ..openapi import endpoint

bp = Blueprint("api_ideas", __name__)

STAFF = ("agent", "moderator", "admin")
MODERATORS = ("moderator", "admin")


@bp.get("/ideas/themes")
@endpoint("Thématiques de la boîte à idées", response=ideas_schemas.ThemeSchema(many=True), errors=(), tag="ideas")
def themes():
    """Les thématiques du budget participatif parisien : `code` à envoyer, `label` à afficher."""
    return remote.reference_data("ideas")["themes"]


@bp.get("/ideas")
@endpoint("Lister les idées (filtres, recherche, tri, pagination)", query=ideas_schemas.IdeaQuerySchema,
          response=ideas_schemas.IdeaPageSchema, tag="ideas")
def list_ideas(data):
    """Avec `q`, le décompte s'arrête après 1 000 idées (ou après la page demandée, si elle va plus loin) :
    `total_is_lower_bound` vaut alors true et `total` est un minimum. Sans `q`, `total` est exact."""
    return remote.call("ideas", "list_ideas", data)


@bp.post("/ideas")
@login_required
@endpoint("Proposer une idée", body=ideas_schemas.SubmitIdeaSchema, response=ideas_schemas.IdeaSchema, status=201,
          auth=True, errors=(400, 429), tag="ideas", idempotent=True)
def submit_idea(data):
    """5 idées par heure et par compte au plus (429 avec `Retry-After` au-delà). La même demande renvoyée avec la
    même `Idempotency-Key` renvoie l'idée déjà publiée."""
    return remote.call("ideas", "submit_idea", actor(), {**data, "author_pseudonym": pseudonym(),
                                                         "idempotency_key": request_key()})


@bp.get("/ideas/similar")
@endpoint("Idées similaires à un texte en cours de saisie (5 au plus)", query=ideas_schemas.SimilarQuerySchema,
          response=ideas_schemas.SimilarIdeasSchema, tag="ideas")
def similar_ideas(data):
    """TF-IDF (mots sans accents ni mots vides, français et espagnol) et similarité cosinus ; les idées
    fusionnées ou masquées ne sont pas proposées. Pour soutenir une idée existante plutôt qu'en déposer une."""
    return remote.call("ideas", "similar_ideas", _wire(data))


@bp.get("/ideas/moderation")
@roles_required(*MODERATORS)
@endpoint("File de modération : contenus signalés ou masqués, et journal des décisions",
          response=ideas_schemas.ModerationQueueSchema, auth=True, errors=(403,), tag="ideas")
def moderation_queue():
    return remote.call("ideas", "moderation_queue", actor())


@bp.get("/ideas/<idea_id>")
@endpoint("Une idée, son historique de statuts et ses commentaires", response=ideas_schemas.IdeaSchema,
          errors=(400, 404), tag="ideas")
def get_idea(idea_id):
    """Avec un jeton, `viewer` dit si je soutiens ou suis cette idée ; sans jeton, `viewer` est null."""
    return remote.call("ideas", "get_idea", {"idea_id": idea_id}, actor())


@bp.post("/ideas/<idea_id>/supports")
@login_required
@endpoint("Soutenir une idée (une fois par compte)", response=ideas_schemas.SupportStateSchema, status=201, auth=True,
          errors=(400, 404, 409), tag="ideas")
def support(idea_id):
    """Un second soutien du même compte : 409 `ALREADY_SUPPORTED`. Une idée close : 409 `IDEA_CLOSED`."""
    return remote.call("ideas", "support_idea", actor(), {"idea_id": idea_id})


@bp.delete("/ideas/<idea_id>/supports")
@login_required
@endpoint("Retirer mon soutien", response=ideas_schemas.SupportStateSchema, auth=True, errors=(400, 404, 409),
          tag="ideas")
def withdraw_support(idea_id):
    return remote.call("ideas", "withdraw_support", actor(), {"idea_id": idea_id})


@bp.post("/ideas/<idea_id>/comments")
@login_required
@endpoint("Commenter une idée", body=ideas_schemas.PostCommentSchema, response=ideas_schemas.CommentSchema, status=201,
          auth=True, errors=(400, 404, 409, 429), tag="ideas")
def post_comment(idea_id, data):
    """30 commentaires par heure et par compte au plus."""
    return remote.call("ideas", "post_comment", actor(),
                       {**data, "idea_id": idea_id, "author_pseudonym": pseudonym()})


@bp.post("/ideas/<idea_id>/follow")
@login_required
@endpoint("Suivre une idée", response=ideas_schemas.FollowStateSchema, auth=True, errors=(400, 403, 404),
          tag="ideas")
def follow(idea_id):
    """Son auteur·e ne suit pas son idée (403 `OWN_IDEA`) : il ou elle est déjà prévenu·e de ses suites."""
    return remote.call("ideas", "follow_idea", actor(), {"idea_id": idea_id})


@bp.delete("/ideas/<idea_id>/follow")
@login_required
@endpoint("Ne plus suivre une idée", response=ideas_schemas.FollowStateSchema, auth=True, errors=(400, 404),
          tag="ideas")
def unfollow(idea_id):
    return remote.call("ideas", "unfollow_idea", actor(), {"idea_id": idea_id})


@bp.post("/ideas/<idea_id>/status")
@roles_required("admin")  # agents decide from routing's inbox (/routing/inbox/<idea_id>/decisions), by direction
@endpoint("Changer directement le statut d'une idée (administrateurs ; les agents décident depuis la boîte "
          "d'orientation)",
          body=ideas_schemas.ChangeStatusSchema, response=ideas_schemas.IdeaSchema, auth=True,
          errors=(400, 403, 404, 409), tag="ideas")
def change_status(idea_id, data):
    """submitted → under_review → forwarded (avec `scheme`) | answered | not_retained | merged (avec
    `merged_into`). Le message est public : il apparaît dans l'historique de l'idée."""
    return remote.call("ideas", "change_status", actor(), _wire({**data, "idea_id": idea_id}))


@bp.post("/ideas/<idea_id>/merge")
@roles_required(*STAFF)
@endpoint("Fusionner une idée dans une autre (agents, modérateurs, administrateurs)",
          body=ideas_schemas.MergeIdeasSchema, response=ideas_schemas.IdeaSchema, auth=True,
          errors=(400, 403, 404, 409), tag="ideas")
def merge(idea_id, data):
    """Les soutiens (un par compte) et les abonnés passent à l'idée `into` ; l'idée devient `merged` ; son
    auteur et ses abonnés sont prévenus par e-mail."""
    return remote.call("ideas", "merge_ideas", actor(), _wire({**data, "idea_id": idea_id}))


def _report(kind: str, content_id: str, data: dict):
    return remote.call("ideas", "report_content", actor(), {"kind": kind, "content_id": content_id, **data})


@bp.post("/ideas/<idea_id>/reports")
@login_required
@endpoint("Signaler une idée (spam, offensive, off_topic)", body=ideas_schemas.ReportSchema,
          response=ideas_schemas.ReportStateSchema, status=201, auth=True, errors=(400, 403, 404, 409, 429),
          tag="ideas")
def report_idea(idea_id, data):
    """Un signalement par compte (409 `ALREADY_REPORTED` ensuite) ; au troisième, l'idée est masquée en
    attendant la modération. Les signalements d'un compte sont limités par heure (429). Son auteur·e ne
    signale pas son idée (403 `OWN_IDEA`)."""
    return _report("idea", idea_id, data)


@bp.post("/ideas/comments/<comment_id>/reports")
@login_required
@endpoint("Signaler un commentaire", body=ideas_schemas.ReportSchema, response=ideas_schemas.ReportStateSchema,
          status=201, auth=True, errors=(400, 403, 404, 409, 429), tag="ideas")
def report_comment(comment_id, data):
    """Un signalement par compte (409 `ALREADY_REPORTED` ensuite). Son auteur·e ne signale pas son commentaire
    (403 `OWN_CONTENT`)."""
    return _report("comment", comment_id, data)


def _moderate(kind: str, content_id: str, action: str, data: dict):
    return remote.call("ideas", "moderate", actor(), {"kind": kind, "content_id": content_id,
                                                             "action": action, **data})


@bp.post("/ideas/<idea_id>/hide")
@roles_required(*MODERATORS)
@endpoint("Masquer une idée (modérateurs, administrateurs)", body=ideas_schemas.ModerateSchema,
          response=ideas_schemas.ModerationStateSchema, auth=True, errors=(400, 403, 404, 409), tag="ideas")
def hide_idea(idea_id, data):
    return _moderate("idea", idea_id, "hide", data)


@bp.post("/ideas/<idea_id>/restore")
@roles_required(*MODERATORS)
@endpoint("Rétablir une idée masquée", body=ideas_schemas.ModerateSchema,
          response=ideas_schemas.ModerationStateSchema, auth=True, errors=(400, 403, 404, 409), tag="ideas")
def restore_idea(idea_id, data):
    return _moderate("idea", idea_id, "restore", data)


@bp.post("/ideas/comments/<comment_id>/hide")
@roles_required(*MODERATORS)
@endpoint("Masquer un commentaire", body=ideas_schemas.ModerateSchema,
          response=ideas_schemas.ModerationStateSchema, auth=True, errors=(400, 403, 404, 409), tag="ideas")
def hide_comment(comment_id, data):
    return _moderate("comment", comment_id, "hide", data)


@bp.post("/ideas/comments/<comment_id>/restore")
@roles_required(*MODERATORS)
@endpoint("Rétablir un commentaire masqué", body=ideas_schemas.ModerateSchema,
          response=ideas_schemas.ModerationStateSchema, auth=True, errors=(400, 403, 404, 409), tag="ideas")
def restore_comment(comment_id, data):
    return _moderate("comment", comment_id, "restore", data)


def _wire(data: dict) -> dict:
    """Identifiers as text: only plain JSON crosses the broker."""
    return {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in data.items()}

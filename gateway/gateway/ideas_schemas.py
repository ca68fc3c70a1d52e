"""API schemas of the idea box: the same fields, types and bounds as the ideas service's (ideas.schemas.ideas;
tests/contract/test_wire_schemas.py compares them), with the descriptions the OpenAPI shows. The service checks
the rules (themes of a submission, transitions, non-empty texts) and gives the messages."""
from marshmallow import Schema, fields, validate

from .schemas import WireDateTime, offset_field, stripped_text

THEMES = ("cadre_de_vie", "culture_patrimoine", "attractivite_emploi", "education_jeunesse", "environnement",
          "mobilites", "prevention_securite", "proprete", "sante", "solidarites", "sport")
STATUSES = ("submitted", "under_review", "forwarded", "answered", "not_retained", "merged")
# relevance to `q` (the default when `q` has words), newest first (the default otherwise; "recent" is the same)
SORTS = ("relevance", "newest", "recent", "most_supported")
SCHEMES = ("budget", "greening_permit", "street_report", "petition", "direct_answer")
REPORT_REASONS = ("spam", "offensive", "off_topic")
TITLE_MAX, DESCRIPTION_MAX, ADDRESS_MAX, COMMENT_MAX, MESSAGE_MAX = 140, 5000, 200, 2000, 2000
MODERATION_REASON_MAX = 500
SIMILAR_DESCRIPTION_MAX = 400  # with a title of 140, at 12 characters per encoded character: 6.6 KiB of address


# --- requests ------------------------------------------------------------------------------------

class IdeaQuerySchema(Schema):
    theme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(THEMES))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SCHEMES),
                           metadata={"description": "Les idées transmises à ce dispositif"})
    q = fields.String(load_default="", validate=validate.Length(max=100), metadata={
        "description": "Mots du titre ou de la description, tous présents (accents, majuscules et pluriels "
                       "ignorés) ; « une expression » entre guillemets ; un préfixe* (végét*)"})
    sort = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SORTS), metadata={
        "description": "relevance (par défaut avec `q`), newest (par défaut sans `q`), recent, most_supported"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = offset_field()


class SubmitIdeaSchema(Schema):
    title = stripped_text(TITLE_MAX, minimum=5)
    description = stripped_text(DESCRIPTION_MAX, minimum=10,
                                description="Texte brut (aucun HTML n'est interprété)")
    theme = fields.String(required=True, validate=validate.OneOf(THEMES),
                          metadata={"description": "Code d'une thématique de GET /api/v1/ideas/themes"})
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    address_line = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))


class PostCommentSchema(Schema):
    body = stripped_text(COMMENT_MAX)


class ChangeStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    message = stripped_text(MESSAGE_MAX, description="Message public : la réponse, le motif, la suite donnée")
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                           metadata={"description": "Dispositif, pour une idée transmise (forwarded)"})
    merged_into = fields.UUID(load_default=None, allow_none=True,
                              metadata={"description": "Idée qui regroupe celle-ci (merged)"})


class SimilarQuerySchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=TITLE_MAX),
                          metadata={"description": "Le titre en cours de saisie"})
    # the start of the description is enough to compare, and keeps the address within the URL's 8 KiB (414)
    description = fields.String(load_default="", validate=validate.Length(max=SIMILAR_DESCRIPTION_MAX))
    exclude = fields.UUID(load_default=None, allow_none=True,
                          metadata={"description": "Une idée à ne pas proposer (celle que l'on modifie)"})


class ReportSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS))


class ModerateSchema(Schema):
    reason = stripped_text(MODERATION_REASON_MAX,
                           description="Motif de la décision, consigné dans le journal de modération")


class MergeIdeasSchema(Schema):
    into = fields.UUID(required=True, metadata={"description": "L'idée qui regroupe celle-ci"})
    message = stripped_text(MESSAGE_MAX, description="Message public, dans l'historique de l'idée fusionnée")


# --- responses -----------------------------------------------------------------------------------

class ThemeSchema(Schema):
    code = fields.String()
    label = fields.String()


class IdeaSummarySchema(Schema):
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    theme = fields.String()
    theme_label = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    author_pseudonym = fields.String()
    hidden = fields.Boolean(metadata={"description": "Masquée par la modération : titre et extrait valent "
                                                     "« Masqué par la modération »"})
    supports_count = fields.Integer()
    imported_supports = fields.Integer(metadata={"description": "Soutiens reçus sur la plateforme d'origine "
                                                                "(idées importées), comptés à part"})
    comments_count = fields.Integer()
    created_at = WireDateTime()


class SimilarIdeaSchema(IdeaSummarySchema):
    similarity = fields.Float(metadata={"description": "Cosinus TF-IDF, de 0 à 1"})
    kind = fields.String(metadata={"description": "idea, ou proposal (proposition d'une consultation : ni "
                                                  "thématique, ni statut, ni lieu)"})
    consultation_id = fields.String(metadata={"description": "Pour une proposition : sa consultation"})
    consultation_title = fields.String()
    accepts_supports = fields.Boolean(metadata={"description": "Prend encore des soutiens (sinon, la page dit où elle "
                                                               "en est)"})
    scheme = fields.String(allow_none=True, metadata={"description": "Une idée transmise : le dispositif"})
    scheme_label = fields.String(allow_none=True)


class SimilarIdeasSchema(Schema):
    items = fields.List(fields.Nested(SimilarIdeaSchema))


class IdeaPageSchema(Schema):
    items = fields.List(fields.Nested(IdeaSummarySchema))
    total = fields.Integer(metadata={"description": "Nombre d'idées trouvées : exact, sauf si `total_is_lower_bound`"})
    total_is_lower_bound = fields.Boolean(metadata={
        "description": "true : une recherche (`q`) compte au plus 1 000 idées, ou jusqu'à la page demandée si elle "
                       "va plus loin ; il y en a au moins `total` (« plus de 1 000 »). Toujours false sans `q`"})
    limit = fields.Integer()
    offset = fields.Integer()


class StatusChangeSchema(Schema):
    status = fields.String()
    status_label = fields.String()
    scheme = fields.String(allow_none=True)
    scheme_label = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    role = fields.String(metadata={"description": "Rôle de qui a changé le statut (citizen pour le dépôt)"})
    changed_at = WireDateTime()


class CommentSchema(Schema):
    id = fields.Integer()
    idea_id = fields.String()
    author_pseudonym = fields.String()
    body = fields.String()
    hidden = fields.Boolean(metadata={"description": "Masqué : body vaut « Masqué par la modération »"})
    created_at = WireDateTime()


class ViewerSchema(Schema):
    is_author = fields.Boolean()
    supports = fields.Boolean()
    follows = fields.Boolean()
    can_change_status = fields.Boolean(metadata={"description": "Administrateurs seulement (les agents décident "
                                                                "depuis la boîte d'orientation)"})
    can_merge = fields.Boolean(metadata={"description": "Fusionner les doublons : agents, modérateurs, "
                                                        "administrateurs"})
    can_moderate = fields.Boolean()
    reported_idea = fields.Boolean()
    reported_comments = fields.List(fields.Integer())
    own_comments = fields.List(fields.Integer())  # the reader's own: not for them to report


class IdeaSchema(IdeaSummarySchema):
    description = fields.String()
    address_line = fields.String(allow_none=True)
    scheme = fields.String(allow_none=True)
    scheme_label = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    followers_count = fields.Integer()
    next_statuses = fields.List(fields.String())
    accepts_supports = fields.Boolean()
    accepts_comments = fields.Boolean()
    updated_at = WireDateTime()
    history = fields.List(fields.Nested(StatusChangeSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    viewer = fields.Nested(ViewerSchema, allow_none=True,
                           metadata={"description": "Avec un jeton : ce que j'ai fait de cette idée"})
    similar = fields.List(fields.Nested(SimilarIdeaSchema),
                          metadata={"description": "Idées proches, pour les agents (vide sinon)"})


class SupportStateSchema(Schema):
    idea_id = fields.String()
    supported = fields.Boolean()
    supports_count = fields.Integer()


class FollowStateSchema(Schema):
    idea_id = fields.String()
    following = fields.Boolean()
    followers_count = fields.Integer()


class ReportStateSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    reported = fields.Boolean()
    hidden = fields.Boolean()


class ModerationStateSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    hidden = fields.Boolean()


class QueueItemSchema(Schema):
    kind = fields.String(metadata={"description": "idea, comment, proposal, proposal_comment ou argument"})
    content_id = fields.String()
    idea_id = fields.String(allow_none=True)
    consultation_id = fields.String(allow_none=True)
    proposal_id = fields.String(allow_none=True)
    idea_title = fields.String(metadata={"description": "Titre de l'idée, de la proposition ou de la consultation"})
    text = fields.String()
    author_pseudonym = fields.String()
    hidden = fields.Boolean()
    pending_reports = fields.Integer()
    reasons = fields.Dict(keys=fields.String(), values=fields.Integer())


class ModerationLogSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    idea_id = fields.String(allow_none=True)
    consultation_id = fields.String(allow_none=True)
    action = fields.String()
    reason = fields.String()
    role = fields.String()
    created_at = WireDateTime()


class ModerationQueueSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema))
    log = fields.List(fields.Nested(ModerationLogSchema))

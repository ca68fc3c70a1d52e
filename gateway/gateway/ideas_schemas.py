"""API schemas of the idea box's moderation, similar ideas and merging (the older idea schemas stay in
`schemas.py`; these extend them). Bounds only: the ideas service checks the rules and gives the messages."""
from marshmallow import Schema, fields, validate

from . import schemas

REPORT_REASONS = ("spam", "offensive", "off_topic")
CONTENT_KINDS = ("idea", "comment")


class SimilarQuerySchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=140),
                          metadata={"description": "Le titre en cours de saisie"})
    description = fields.String(load_default="", validate=validate.Length(max=5000))


class ModeratedIdeaSummarySchema(schemas.IdeaSummarySchema):
    hidden = fields.Boolean(metadata={"description": "Masquée par la modération : titre et extrait valent "
                                                     "« Masqué par la modération »"})
    imported_supports = fields.Integer(metadata={"description": "Soutiens reçus sur la plateforme d'origine "
                                                                "(idées importées), comptés à part"})


class SimilarIdeaSchema(ModeratedIdeaSummarySchema):
    similarity = fields.Float(metadata={"description": "Cosinus TF-IDF, de 0 à 1"})
    kind = fields.String(metadata={"description": "idea, ou proposal (proposition d'une consultation : ni "
                                                  "thématique, ni statut, ni lieu)"})
    consultation_id = fields.String(metadata={"description": "Pour une proposition : sa consultation"})
    consultation_title = fields.String()


class SimilarIdeasSchema(Schema):
    items = fields.List(fields.Nested(SimilarIdeaSchema))


class ModeratedCommentSchema(schemas.CommentSchema):
    hidden = fields.Boolean(metadata={"description": "Masqué : body vaut « Masqué par la modération »"})


class IdeaReaderSchema(schemas.IdeaViewerSchema):
    can_moderate = fields.Boolean()
    reported_idea = fields.Boolean()
    reported_comments = fields.List(fields.Integer())


class IdeaDetailSchema(schemas.IdeaSchema, ModeratedIdeaSummarySchema):
    comments = fields.List(fields.Nested(ModeratedCommentSchema))
    viewer = fields.Nested(IdeaReaderSchema, allow_none=True)
    similar = fields.List(fields.Nested(SimilarIdeaSchema),
                          metadata={"description": "Idées proches, pour les agents (vide sinon)"})


class ReportSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS))


class ReportStateSchema(Schema):
    kind = fields.String()
    content_id = fields.String()
    reported = fields.Boolean()
    hidden = fields.Boolean()


class ModerationDecisionSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "Motif de la décision, consigné dans le journal de modération"})


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
    created_at = schemas.WireDateTime()


class IdeaModerationQueueSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema))
    log = fields.List(fields.Nested(ModerationLogSchema))


class MergeSchema(Schema):
    into = fields.String(required=True, validate=validate.Length(min=1, max=36),
                         metadata={"description": "L'idée qui regroupe celle-ci"})
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"description": "Message public, dans l'historique de l'idée fusionnée"})

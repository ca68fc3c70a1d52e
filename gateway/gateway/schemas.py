"""The public HTTP contract of /api/v1 (validated at the edge, documented in OpenAPI).

Services validate again on their side: these schemas keep garbage away from
the broker and describe the API; the services' schemas are the authority.
"""
from datetime import date, datetime, timezone

from marshmallow import Schema, fields, validate

# Mail servers do not all accept non-ASCII addresses (SMTPUTF8): refuse them up front, clearly.
EMAIL = [validate.Length(max=254), validate.Email(),
         validate.Regexp(r"^[\x21-\x7e]+\Z", error="Adresse e-mail sans accents ni espaces attendue.")]
PASSWORD = validate.Length(min=1, max=128)
TOKEN = validate.Length(min=16, max=200)
ROLES = ("citizen", "agent", "moderator", "admin")
# Far past any list of the hub, and far below the 64-bit integers of the databases (2**63 was a 500 there).
MAX_OFFSET = 1_000_000
# Numeric row ids within the databases' integers (32 or 64 bits): a larger one was a 500 there, not a 400
ROW_ID, BIG_ROW_ID = validate.Range(min=1, max=2**31 - 1), validate.Range(min=1, max=2**63 - 1)


class WireDateTime(fields.AwareDateTime):
    """A date-time of a response: the services send ISO text, the API always writes it with its offset.

    A value without one is UTC (the services' clocks and columns are UTC): the API never sends a naive time."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class WireDate(fields.Date):
    """A calendar date of a response, sent by the services as ISO text (or as a date)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return super()._serialize(value, attr, obj, **kwargs)


def offset_field():
    """The `offset` of every paged API list: the same bounds and message everywhere."""
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True, metadata={"description": "Par champ : liste de messages."})


class StatusSchema(Schema):
    status = fields.String(required=True)
    message = fields.String()


class RegisterSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=PASSWORD, metadata={"description": "10 à 128 caractères"})
    pseudonym = fields.String(required=True, validate=validate.Length(min=1, max=40))


class TokenSchema(Schema):
    token = fields.String(required=True, validate=TOKEN)


class EmailSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ResetPasswordSchema(Schema):
    token = fields.String(required=True, validate=TOKEN)
    password = fields.String(required=True, validate=PASSWORD)


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=PASSWORD)


class ChangeEmailSchema(Schema):
    new_email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PasswordConfirmationSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ProfileUpdateSchema(Schema):
    pseudonym = fields.String(validate=validate.Length(min=1, max=40))
    birth_date = fields.Date(allow_none=True, metadata={"example": "1990-05-14"})
    lives_in_paris = fields.Boolean()
    address_line = fields.String(allow_none=True, validate=validate.Length(max=200))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=5),
                             metadata={"description": "75001 à 75020, ou 75116 (16e)"})


class RoleGrantSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES[1:]))
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


class AccountQuerySchema(Schema):
    query = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = offset_field()


class SectorSchema(Schema):
    code = fields.String()
    label = fields.String()
    insee = fields.String()


class CertificationSchema(Schema):
    level = fields.String(metadata={"description": "declared (déclaré) ou verified (vérifié par un agent)"})
    verified_at = WireDateTime(allow_none=True)


class AccountSchema(Schema):
    id = fields.String()
    email = fields.String()
    email_verified = fields.Boolean()
    pending_email = fields.String(allow_none=True)
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    birth_date = WireDate(allow_none=True)
    lives_in_paris = fields.Boolean(allow_none=True)
    address_line = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    sector = fields.Nested(SectorSchema, allow_none=True)
    certification = fields.Nested(CertificationSchema)
    created_at = WireDateTime()


class PrincipalSchema(Schema):
    account_id = fields.String()
    session_id = fields.String()
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    expires_at = WireDateTime()


class TokenIssuedSchema(Schema):
    token = fields.String(metadata={"description": "À envoyer dans l'en-tête Authorization: Bearer <token>"})
    principal = fields.Nested(PrincipalSchema)


class SessionSchema(Schema):
    id = fields.String()
    kind = fields.String()
    label = fields.String(allow_none=True)
    created_at = WireDateTime()
    last_seen_at = WireDateTime()
    expires_at = WireDateTime()
    current = fields.Boolean()


class DirectionSchema(Schema):
    code = fields.String()
    name = fields.String()


class ReferenceSchema(Schema):
    roles = fields.List(fields.String())
    grantable_roles = fields.List(fields.String())
    directions = fields.List(fields.Nested(DirectionSchema))


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict()


# --- ideas (the permanent idea box) --------------------------------------------------------------
# Bounds only: the ideas service checks the rules (themes, transitions) and gives the messages.

class IdeaSubmitSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=140))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                                metadata={"description": "Texte brut (aucun HTML n'est interprété)"})
    theme = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"description": "Code d'une thématique de GET /api/v1/ideas/themes"})
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    address_line = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class IdeaQuerySchema(Schema):
    theme = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=validate.Length(max=16),
                           metadata={"description": "submitted, under_review, forwarded, answered, not_retained "
                                                    "ou merged"})
    arrondissement = fields.Integer(validate=validate.Range(min=1, max=20))
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Mots du titre ou de la "
                                                                                 "description"})
    sort = fields.String(load_default="newest", validate=validate.OneOf(["newest", "most_supported"]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = offset_field()


class CommentPostSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class IdeaStatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.Length(min=1, max=16))
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"description": "Message public : la réponse, le motif, la suite donnée"})
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=24),
                           metadata={"description": "Dispositif, pour une idée transmise (forwarded)"})
    merged_into = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36),
                                metadata={"description": "Idée qui regroupe celle-ci (merged)"})


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
    supports_count = fields.Integer()
    comments_count = fields.Integer()
    created_at = WireDateTime()


class IdeaPageSchema(Schema):
    items = fields.List(fields.Nested(IdeaSummarySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class IdeaStatusStepSchema(Schema):
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
    created_at = WireDateTime()


class IdeaViewerSchema(Schema):
    is_author = fields.Boolean()
    supports = fields.Boolean()
    follows = fields.Boolean()
    can_change_status = fields.Boolean(metadata={"description": "Administrateurs seulement (les agents décident "
                                                                "depuis la boîte d'orientation)"})
    can_merge = fields.Boolean(metadata={"description": "Fusionner les doublons : agents, modérateurs, administrateurs"})


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
    history = fields.List(fields.Nested(IdeaStatusStepSchema))
    comments = fields.List(fields.Nested(CommentSchema))
    viewer = fields.Nested(IdeaViewerSchema, allow_none=True,
                           metadata={"description": "Avec un jeton : ce que j'ai fait de cette idée"})


class SupportStateSchema(Schema):
    idea_id = fields.String()
    supported = fields.Boolean()
    supports_count = fields.Integer()


class FollowStateSchema(Schema):
    idea_id = fields.String()
    following = fields.Boolean()
    followers_count = fields.Integer()

"""API schemas of /api/v1/me/notifications and /api/v1/me/notification-preferences: the notifications service's
answers and commands (issue 15's contract), field for field."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import WireDateTime

PER_PAGE_MAX = 50
PAGE_MAX = 100_000  # far past anyone's notifications; bounds the offset a client can ask for
IDS_MAX = 100  # a page shows at most PER_PAGE_MAX: marking two pages' worth at once is plenty
CATEGORY_MAX, CHANNEL_MAX = 40, 20  # codes: the service's bounds
CATEGORIES = 5  # the service's categories: a change of every one at most
# The codes the notifications service knows (its reference_data), published so that a client sees them in the
# OpenAPI; the service stays the judge (an unknown one: 400, nothing changed).
CATEGORY_CODES = ("my_ideas", "followed", "my_projects", "signed_petitions", "consultations")
CHANNEL_CODES = ("hub", "email", "digest", "never")


class NotificationListQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX),
                          metadata={"description": "La page, à partir de 1"})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX),
                              metadata={"description": "Notifications par page, de 1 à 50"})


class NotificationSchema(Schema):
    notification_id = fields.String()
    category = fields.String(metadata={"description": "my_ideas, followed, my_projects, signed_petitions ou "
                                                      "consultations (voir les préférences)"})
    title = fields.String()
    body = fields.String()
    link = fields.String(metadata={"description": "Le chemin de la page du hub concernée, commençant par /"})
    created_at = WireDateTime()
    read_at = WireDateTime(allow_none=True, metadata={"description": "Aucune : pas encore lue"})


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), metadata={"description": "Les plus récentes d'abord"})
    unread_count = fields.Integer()
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class MarkReadSchema(Schema):
    notification_ids = fields.List(fields.UUID(), validate=validate.Length(min=1, max=IDS_MAX), metadata={
        "description": "Les notifications à marquer comme lues (celles d'un autre compte sont ignorées)"})
    all = fields.Boolean(metadata={"description": "true : toutes mes notifications"})

    # exactly one of the two, and `all` only as true: published as such (gateway.openapi), checked below alike
    OPENAPI_ONE_OF = [{"required": ["notification_ids"], "not": {"required": ["all"]}},
                      {"required": ["all"], "properties": {"all": {"type": "boolean", "enum": [True]}},
                       "not": {"required": ["notification_ids"]}}]

    @validates_schema
    def one_of_the_two(self, data, **kwargs):
        if ("notification_ids" in data) == ("all" in data) or data.get("all", True) is not True:
            raise ValidationError("Envoyez soit notification_ids, soit \"all\": true.", "_schema")


class UnreadCountSchema(Schema):
    unread_count = fields.Integer()


class PreferenceSchema(Schema):
    category = fields.String()
    label = fields.String()
    channel = fields.String(metadata={"description": "hub, email, digest ou never"})


class NotificationChannelSchema(Schema):
    code = fields.String()
    label = fields.String()


class PreferencesSchema(Schema):
    preferences = fields.List(fields.Nested(PreferenceSchema), metadata={"description": "Une par catégorie"})
    channels = fields.List(fields.Nested(NotificationChannelSchema), metadata={
        "description": "hub (dans le hub seulement), email (par e-mail, tout de suite), digest (par e-mail, une "
                       "fois par semaine), never (jamais)"})


class PreferencesUpdateSchema(Schema):
    preferences = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=CATEGORY_MAX)),
                              values=fields.String(validate=validate.Length(min=1, max=CHANNEL_MAX)), required=True,
                              validate=validate.Length(min=1, max=CATEGORIES), metadata={
                                  "description": "Catégorie → canal ; une catégorie absente garde son canal. Une "
                                                 "catégorie ou un canal inconnu : 400, rien n'est changé",
                                  "properties": {category: {"type": "string", "enum": list(CHANNEL_CODES)}
                                                 for category in CATEGORY_CODES}})

"""API schemas of /api/v1/me/notifications and /api/v1/me/notification-preferences: the notifications service's
answers and commands (issue 15's contract), field for field."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import WireDateTime

PER_PAGE_MAX = 50
PAGE_MAX = 100_000  # far past anyone's notifications; bounds the offset a client can ask for
IDS_MAX = 100  # a page shows at most PER_PAGE_MAX: marking two pages' worth at once is plenty
CATEGORY_MAX, CHANNEL_MAX = 40, 20  # codes: the service's bounds
CATEGORIES = 7  # the service's categories: a change of every one at most
# The codes the notifications service knows (its reference_data), published so that a client sees them in the
# OpenAPI; the service stays the judge (an unknown one: 400, nothing changed).
CATEGORY_CODES = ("my_ideas", "followed", "my_projects", "my_petitions", "signed_petitions", "consultations",
                  "assignments")
CHANNEL_CODES = ("hub", "email", "digest", "never")


class NotificationListQuerySchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX),
                          metadata={"description": "La page, à partir de 1"})
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PER_PAGE_MAX),
                              metadata={"description": "Notifications par page, de 1 à 50"})


class NotificationSchema(Schema):
    notification_id = fields.String()
    category = fields.String(metadata={"description": "my_ideas, followed, my_projects, my_petitions, "
                                                      "signed_petitions, consultations ou assignments "
                                                      "(voir les préférences)"})
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


# --- « Mon espace » (issue 15 §2): GET /api/v1/me/space, the notifications service's my_space ---------------------

SPACE_KINDS = ("idea", "contribution", "budget_project", "ballot", "petition", "dossier")
SPACE_ROLES = ("author", "follower", "contributor", "carrier", "voter", "sponsor", "signer", "requester")
SPACE_LIMIT_MAX, SPACE_LIMIT_DEFAULT = 100, 50
SPACE_CURSOR_MAX = 300  # the service's cursors are far shorter; anything longer is none of its


class MySpaceQuerySchema(Schema):
    limit = fields.Integer(load_default=SPACE_LIMIT_DEFAULT, validate=validate.Range(min=1, max=SPACE_LIMIT_MAX),
                           metadata={"description": "Éléments par page, de 1 à 100 (50 par défaut)"})
    cursor = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=SPACE_CURSOR_MAX), metadata={
                               "description": "Le `next_cursor` de la page précédente (opaque) ; absent pour la "
                                              "première page. Un curseur qui n'est pas du service : 400"})
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SPACE_KINDS), metadata={
        "description": "Un seul type d'élément (les onglets de la page) ; absent : tous"})


class SpaceItemSchema(Schema):
    kind = fields.String(metadata={"description": "idea, contribution (une consultation où vous avez contribué), "
                                                  "budget_project, ballot (votre vote d'un budget participatif), "
                                                  "petition ou dossier (une demande « Agir »)",
                                   "enum": list(SPACE_KINDS)})
    id = fields.String(metadata={"description": "L'identifiant de l'élément (la référence d'un dossier ; le cycle "
                                                "d'un vote)"})
    title = fields.String(metadata={"description": "Vide tant que le service ne le connaît pas encore"})
    roles = fields.List(fields.String(metadata={"enum": list(SPACE_ROLES)}), metadata={
        "description": "Vos rôles, triés : author, follower, contributor, carrier, voter, sponsor, signer, requester"})
    state = fields.String(metadata={"description": "Le code de l'état de l'élément (statut de l'idée, du projet…)"})
    state_label = fields.String(metadata={"description": "Cet état, en français"})
    detail = fields.String(metadata={"description": "Une précision en français (début de la réponse, fusion…), "
                                                    "ou vide"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Des nombres utiles, ou vide : {signatures, threshold} d'une pétition, {contributions} (les "
                       "vôtres) d'une consultation"})
    link = fields.String(metadata={"description": "Le chemin de sa page dans le hub, commençant par /"})
    updated_at = WireDateTime(metadata={"description": "Le dernier changement de l'élément ou de votre part"})


class MySpacePageSchema(Schema):
    items = fields.List(fields.Nested(SpaceItemSchema), metadata={
        "description": "Le dernier changement d'abord (puis par type et identifiant)"})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "À passer en `cursor` pour la page suivante ; null à la dernière page"})
    has_more = fields.Boolean()
    kinds = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Combien d'éléments de chaque type vous avez (tous les types, 0 compris)",
        "properties": {kind: {"type": "integer", "minimum": 0} for kind in SPACE_KINDS},
        "required": list(SPACE_KINDS)})

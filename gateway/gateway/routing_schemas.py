"""The public HTTP contract of /api/v1/routing and Open311 (validated at the edge, documented in OpenAPI).

Requests are loaded and responses dumped through these schemas (gateway.openapi.endpoint): the document cannot
say other than what is sent. tests/contract/test_wire_schemas.py keeps them equal to the routing service's.
"""
from functools import partial

from hubkit.idempotency import key_field
from marshmallow import EXCLUDE, Schema, fields, validate

from .schemas import WireDateTime

STATUSES = ("waiting", "pending", "forwarded", "answered", "not_retained", "merged")
ACTIONS = ("forward", "answer", "not_retain", "duplicate")
REASONS = ("not_city_competence", "already_done", "not_feasible", "private_land", "running_cost", "contrary_to_law",
           "other")
DEADLINE_DAYS = validate.Range(min=1, max=365)  # days to answer (routing.domain)
BodyInteger = partial(fields.Integer, strict=True)  # a JSON number in a body, never "12" nor true
CHECK_VALUES = ("yes", "no", "unknown")
KINDS = ("internal", "external")
DELIVERIES = ("event", "webhook", "email")
BAD_CURSOR = "Curseur de pagination invalide : repartez de la première page."
DIRECTION = validate.Regexp(r"^[A-Z]{2,8}\Z", error="Code de direction attendu (p. ex. DEVE).")
# What routing takes in a URL: a scheme's code, a dossier's reference, a correlation id (routing.schemas)
PATH = {"code": fields.String(validate=validate.Length(min=1, max=40)),
        "reference": fields.String(validate=validate.Length(min=1, max=40)),
        "correlation_id": fields.String(validate=validate.Regexp(r"^[A-Za-z0-9._:-]{1,128}\Z"))}


# --- the catalogue --------------------------------------------------------------------------------------

class SchemeFieldsSchema(Schema):
    name = fields.String(validate=validate.Length(max=120))
    description = fields.String(validate=validate.Length(max=2000))
    direction = fields.String(validate=DIRECTION, metadata={"description": "Direction de la Ville qui le porte"})
    kind = fields.String(validate=validate.OneOf(KINDS))
    delivery = fields.String(validate=validate.OneOf(DELIVERIES),
                             metadata={"description": "event (interne), webhook ou email (externe)"})
    webhook_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    email = fields.String(allow_none=True, validate=validate.Length(max=320))
    deadline_days = BodyInteger(validate=DEADLINE_DAYS,
                                   metadata={"description": "Délai de réponse, 1 à 365 jours"})
    keywords = fields.List(fields.String(validate=validate.Length(max=60)), validate=validate.Length(max=120))
    active = fields.Boolean()


class SchemeCreateSchema(SchemeFieldsSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,39}\Z"),
                         metadata={"description": "Minuscules, chiffres et _ (p. ex. compost)"})
    name = fields.String(required=True, validate=validate.Length(max=120))
    direction = fields.String(required=True, validate=DIRECTION)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    delivery = fields.String(required=True, validate=validate.OneOf(DELIVERIES))
    deadline_days = BodyInteger(required=True, validate=DEADLINE_DAYS)


class SchemeUpdateSchema(SchemeFieldsSchema):
    rotate_secret = fields.Boolean(load_default=False,
                                   metadata={"description": "Générer un nouveau secret HMAC (affiché une fois)"})


class SchemeSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    direction = fields.String()
    direction_name = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    delivery = fields.String()
    delivery_label = fields.String()
    webhook_url = fields.String(allow_none=True)
    has_secret = fields.Boolean()
    webhook_secret = fields.String(allow_none=True, metadata={"description": "Seulement juste après sa création"})
    email = fields.String(allow_none=True)
    deadline_days = fields.Integer()
    keywords = fields.List(fields.String())
    active = fields.Boolean()
    updated_at = WireDateTime()


class SchemeListQuerySchema(Schema):
    include_inactive = fields.Boolean(load_default=False)


# --- the inbox -----------------------------------------------------------------------------------------

class InboxQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION)
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "all") + STATUSES))
    min_age_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3650))
    max_age_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3650))
    assigned = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(("me", "nobody")))
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.String(load_default=None, allow_none=True,
                          validate=[validate.Length(max=300, error=BAD_CURSOR),
                                    validate.Regexp(r"^[A-Za-z0-9_-]{1,300}\Z", error=BAD_CURSOR)],
                          metadata={"description": "Le `next_cursor` d'une page : la page suivante (avec page=1)"})


class CountdownSchema(Schema):
    seconds = fields.Integer()
    days = fields.Integer()
    overdue = fields.Boolean()


class InboxItemSchema(Schema):
    idea_id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    theme = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    suggested_scheme = fields.String()
    suggested_scheme_name = fields.String()
    suggestion_reason = fields.String(metadata={"description": "Pourquoi ce dispositif : mots-clés, thématique"})
    suggestion_keywords = fields.List(fields.String())
    scheme = fields.String()
    scheme_name = fields.String()
    direction = fields.String()
    assigned_agent_id = fields.String(allow_none=True)
    correlation_id = fields.String()
    submitted_at = WireDateTime()
    received_at = WireDateTime()
    deadline_at = WireDateTime()
    countdown = fields.Nested(CountdownSchema)
    overdue = fields.Boolean()
    age_days = fields.Integer()


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    total = fields.Integer()
    overdue = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    next_cursor = fields.String(allow_none=True,
                                metadata={"description": "`after` de la page suivante ; null à la fin"})


class DossierSchema(Schema):
    reference = fields.String(allow_none=True, metadata={"description": "p. ex. DEVE-2026-000123"})
    scheme = fields.String()
    scheme_name = fields.String()
    delivery = fields.String()
    status = fields.String()
    status_label = fields.String()
    answer = fields.String(allow_none=True)
    answer_status = fields.String(allow_none=True)
    created_at = WireDateTime()
    delivered_at = WireDateTime(allow_none=True)
    answered_at = WireDateTime(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivery_state = fields.String(allow_none=True, metadata={
        "description": "appel webhook : pending, delayed (en échec, réessayé à next_attempt_at), given_up, delivered ; "
                       "null pour un envoi par courriel"})
    next_attempt_at = WireDateTime(allow_none=True)
    last_error_class = fields.String(allow_none=True, metadata={
        "description": "agents : ce qui a échoué, en quelques mots (jamais le message d'erreur)"})


class DecisionSchema(Schema):
    id = fields.String()
    idea_id = fields.String()
    action = fields.String()
    action_label = fields.String()
    scheme = fields.String(allow_none=True)
    scheme_name = fields.String(allow_none=True)
    direction = fields.String()
    message = fields.String()
    reason_code = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "pending, effective, cancelled, superseded ou failed"})
    state_label = fields.String()
    replaces = fields.String(allow_none=True)
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String()
    created_at = WireDateTime()
    effective_at = WireDateTime()
    applied_at = WireDateTime(allow_none=True)
    cancelled_at = WireDateTime(allow_none=True)
    undo_seconds_left = fields.Integer()
    dossier = fields.Nested(DossierSchema, allow_none=True)


class PublicTraceEntrySchema(Schema):
    """A step of the public timeline: no agent, no note."""
    idea_id = fields.String()
    event_id = fields.String()
    type = fields.String()
    service = fields.String()
    actor_role = fields.String()
    correlation_id = fields.String()
    causation_id = fields.String()
    occurred_at = WireDateTime()
    summary = fields.String()


class TraceEntrySchema(PublicTraceEntrySchema):
    agent_note = fields.String(allow_none=True)


class CheckSchema(Schema):
    code = fields.String()
    label = fields.String()
    value = fields.String()
    value_label = fields.String()
    why = fields.String()


class InboxDetailSchema(InboxItemSchema):
    checklist = fields.List(fields.Nested(CheckSchema))
    decisions = fields.List(fields.Nested(DecisionSchema))
    pending_decision = fields.Nested(DecisionSchema, allow_none=True)
    dossiers = fields.List(fields.Nested(DossierSchema))
    trace = fields.List(fields.Nested(TraceEntrySchema))
    next_actions = fields.List(fields.String())


class ChecklistSchema(Schema):
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                         values=fields.String(validate=validate.OneOf(CHECK_VALUES)), required=True,
                         metadata={"description": "Critère → yes, no ou unknown"})


class AssignSchema(Schema):
    agent_id = fields.UUID(load_default=None, allow_none=True)
    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION)


class DecideSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                           metadata={"description": "Pour forward (transmettre ou réorienter)"})
    message = fields.String(load_default="", validate=validate.Length(max=4000),
                            metadata={"description": "Message à l'auteur ; la réponse pour answer"})
    reason_code = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REASONS))
    duplicate_of = fields.UUID(load_default=None, allow_none=True)
    idempotency_key = key_field()  # or the Idempotency-Key header (gateway.idempotency)


class SchemeAnswerSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    answer = fields.String(required=True, validate=validate.Length(max=4000))
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


# --- the one history -----------------------------------------------------------------------------------

class ContinuedAsSchema(Schema):
    kind = fields.String(metadata={"description": "budget_project ou petition"})
    id = fields.String(metadata={"description": "Son identifiant dans ce service (sa page dit si elle est publique)"})


class TimelineSchema(Schema):
    idea_id = fields.String()
    status = fields.String(allow_none=True)
    status_label = fields.String(allow_none=True)
    dossiers = fields.List(fields.Nested(DossierSchema))
    entries = fields.List(fields.Nested(PublicTraceEntrySchema))
    continued_as = fields.List(fields.Nested(ContinuedAsSchema), metadata={
        "description": "Ce que l'idée est devenue ailleurs : le projet du budget participatif, la pétition"})


class TraceSchema(Schema):
    correlation_id = fields.String()
    entries = fields.List(fields.Nested(TraceEntrySchema))


class CodeLabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class ReferenceSchema(Schema):
    statuses, actions, not_retained_reasons, checks, check_values, directions, kinds, deliveries = (
        fields.List(fields.Nested(CodeLabelSchema)) for _ in range(8))
    undo_seconds = fields.Integer(metadata={"description": "Délai pendant lequel une décision peut être annulée"})

"""What crosses the wire to and from the routing service.

A direction's code is checked here for its shape only: which directions exist is accounts' table, checked by the
use cases. Every datetime goes out with its offset (`UtcDateTime`: SQLite hands back naive UTC datetimes).
"""
from marshmallow import EXCLUDE, Schema, fields, validate

from hubkit.idempotency import key_field

from ..domain import (ACTIONS, ANSWER_MAX, BAD_CURSOR, CHECK_VALUES, CODE_PATTERN, CURSOR_MAX, CURSOR_PATTERN,
                      DEADLINE_DAYS_MAX, DELIVERIES, DESCRIPTION_MAX, KEYWORD_MAX, KEYWORDS_MAX, KINDS, MESSAGE_MAX,
                      NAME_MAX, NOT_RETAINED_REASONS, STATUSES)
from .actions import (ActionSchemeSchema, DossierReferenceSchema, OpenDossierSchema,  # noqa: F401  (« Agir »)
                      PersonDossierSchema, PersonDossierSummarySchema)
from .dossiers import DossierSchema, FailingDeliverySchema  # noqa: F401  (dossiers as they read)
from .wire import UtcDateTime

# The domain's limits on the texts as sent (the gateway's OpenAPI shows the same); it checks them again trimmed
DEADLINE_DAYS = validate.Range(min=1, max=DEADLINE_DAYS_MAX)  # days to answer, as the domain checks them
SCHEME_CODE = validate.Regexp(CODE_PATTERN.pattern)  # a new scheme's code, as the domain takes it
DIRECTION_CODE = validate.Regexp(r"^[A-Z]{2,8}\Z")  # the shape of a direction's code (DEVE, DASCO...)


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it from the session (accounts remains the authority on roles)."""
    account_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                        validate=validate.Length(max=10))
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class IdeaIdSchema(Schema):
    idea_id = fields.UUID(required=True)


class SchemeCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class CorrelationSchema(Schema):
    correlation_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9._:-]{1,128}\Z"))


# --- the catalogue -------------------------------------------------------------------------------------

class SchemeFieldsSchema(Schema):
    name = fields.String(validate=validate.Length(max=NAME_MAX))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    direction = fields.String(validate=DIRECTION_CODE)
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    delivery = fields.String(validate=validate.OneOf(list(DELIVERIES)))
    webhook_url = fields.String(allow_none=True, validate=validate.Length(max=500))
    email = fields.String(allow_none=True, validate=validate.Length(max=320))
    deadline_days = fields.Integer(validate=DEADLINE_DAYS)
    keywords = fields.List(fields.String(validate=validate.Length(max=KEYWORD_MAX)),
                           validate=validate.Length(max=KEYWORDS_MAX * 2))
    active = fields.Boolean()
    rotate_secret = fields.Boolean(load_default=False)


class CreateSchemeSchema(SchemeFieldsSchema):
    code = fields.String(required=True, validate=SCHEME_CODE)
    name = fields.String(required=True, validate=validate.Length(max=NAME_MAX))
    direction = fields.String(required=True, validate=DIRECTION_CODE)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    delivery = fields.String(required=True, validate=validate.OneOf(list(DELIVERIES)))
    deadline_days = fields.Integer(required=True, validate=DEADLINE_DAYS)


class UpdateSchemeSchema(SchemeFieldsSchema):
    code = fields.String(required=True, validate=validate.Length(max=40))


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
    webhook_secret = fields.String(allow_none=True)  # only right after it was generated; never again
    email = fields.String(allow_none=True)
    deadline_days = fields.Integer()
    keywords = fields.List(fields.String())
    active = fields.Boolean()
    updated_at = UtcDateTime()


class Open311ServiceSchema(Schema):
    """A service of the Open311 GeoReport v2 `services` list."""
    service_code = fields.String()
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean()
    type = fields.String()
    keywords = fields.String()
    group = fields.String()


class Open311ValueSchema(Schema):
    key = fields.String()
    name = fields.String()


class Open311AttributeSchema(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String()
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Nested(Open311ValueSchema))


class Open311DefinitionSchema(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311AttributeSchema))


# --- the inbox -----------------------------------------------------------------------------------------

class InboxQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION_CODE)
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "all", *STATUSES]))
    min_age_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3650))
    max_age_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3650))
    assigned = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["me", "nobody"]))
    overdue = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    # a page's next_cursor: the page after it, at the cost of one page however deep (page must then be 1)
    after = fields.String(load_default=None, allow_none=True,
                          validate=[validate.Length(max=CURSOR_MAX, error=BAD_CURSOR),
                                    validate.Regexp(CURSOR_PATTERN, error=BAD_CURSOR)])


class CountdownSchema(Schema):
    seconds = fields.Integer()
    days = fields.Integer()
    overdue = fields.Boolean()


class CheckSchema(Schema):
    code = fields.String()
    label = fields.String()
    value = fields.String()
    value_label = fields.String()
    why = fields.String()


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
    suggestion_reason = fields.String()
    suggestion_keywords = fields.List(fields.String())
    scheme = fields.String()
    scheme_name = fields.String()
    direction = fields.String()
    assigned_agent_id = fields.String(allow_none=True)
    correlation_id = fields.String()
    submitted_at = UtcDateTime()
    received_at = UtcDateTime()
    deadline_at = UtcDateTime()
    countdown = fields.Nested(CountdownSchema)
    overdue = fields.Boolean()
    age_days = fields.Integer()


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    total = fields.Integer()
    overdue = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    next_cursor = fields.String(allow_none=True)  # the next page's `after`; None on the last page


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
    state = fields.String()
    state_label = fields.String()
    replaces = fields.String(allow_none=True)
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String()
    created_at = UtcDateTime()
    effective_at = UtcDateTime()
    applied_at = UtcDateTime(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)
    undo_seconds_left = fields.Integer()
    dossier = fields.Nested(DossierSchema, allow_none=True)


class TraceEntrySchema(Schema):
    idea_id = fields.String()
    event_id = fields.String()
    type = fields.String()
    service = fields.String()
    actor_role = fields.String()
    correlation_id = fields.String()
    causation_id = fields.String()
    occurred_at = UtcDateTime()
    summary = fields.String()
    agent_note = fields.String(allow_none=True)


class InboxDetailSchema(InboxItemSchema):
    checklist = fields.List(fields.Nested(CheckSchema))
    decisions = fields.List(fields.Nested(DecisionSchema))
    pending_decision = fields.Nested(DecisionSchema, allow_none=True)
    dossiers = fields.List(fields.Nested(DossierSchema))
    trace = fields.List(fields.Nested(TraceEntrySchema))
    next_actions = fields.List(fields.String())


class ChecklistUpdateSchema(Schema):
    idea_id = fields.UUID(required=True)
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                         values=fields.String(validate=validate.OneOf(list(CHECK_VALUES))), required=True)


class AssignSchema(Schema):
    idea_id = fields.UUID(required=True)
    agent_id = fields.UUID(load_default=None, allow_none=True)
    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION_CODE)


class DecideSchema(Schema):
    idea_id = fields.UUID(required=True)
    action = fields.String(required=True, validate=validate.OneOf(list(ACTIONS)))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    message = fields.String(load_default="", validate=validate.Length(max=MESSAGE_MAX))
    reason_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.OneOf(list(NOT_RETAINED_REASONS)))
    duplicate_of = fields.UUID(load_default=None, allow_none=True)
    idempotency_key = key_field()  # the form token or Idempotency-Key (hubkit.idempotency's format)


class DecisionIdSchema(Schema):
    decision_id = fields.UUID(required=True)


class SchemeAnswerSchema(Schema):
    """A scheme's answer as the gateway received it: the raw body and the signature headers."""
    reference = fields.String(required=True, validate=validate.Length(min=1, max=40))
    body = fields.String(required=True, validate=validate.Length(max=64 * 1024))
    timestamp = fields.String(load_default="", validate=validate.Length(max=20))
    signature = fields.String(load_default="", validate=validate.Length(max=100))


class SchemeAnswerBodySchema(Schema):
    """The JSON a scheme posts back (inside the signed body)."""
    class Meta:
        unknown = EXCLUDE

    answer = fields.String(required=True, validate=validate.Length(max=ANSWER_MAX))
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class ContinuedAsSchema(Schema):
    """What an idea became in another service: `budget_project` or `petition`, and its id there (drafts included:
    that service's own page says whether a reader may see it)."""
    kind = fields.String()
    id = fields.String()


class TimelineSchema(Schema):
    idea_id = fields.String()
    status = fields.String(allow_none=True)
    status_label = fields.String(allow_none=True)
    dossiers = fields.List(fields.Nested(DossierSchema))
    entries = fields.List(fields.Nested(TraceEntrySchema(exclude=("agent_note",))))
    continued_as = fields.List(fields.Nested(ContinuedAsSchema))


class TraceSchema(Schema):
    correlation_id = fields.String()
    entries = fields.List(fields.Nested(TraceEntrySchema))


# --- events routing reads ------------------------------------------------------------------------------

class IdeaSubmittedSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    idea_id = fields.UUID(required=True)
    theme = fields.String(load_default=None, allow_none=True)
    arrondissement = fields.Integer(load_default=None, allow_none=True)


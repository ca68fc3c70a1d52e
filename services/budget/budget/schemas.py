"""What crosses the wire to and from the budget service."""
from marshmallow import Schema, fields, validate

from .domain import (
    ADDRESS_MAX,
    CYCLE_TITLE_MAX,
    DEFAULT_MAX_CHOICES,
    DESCRIPTION_MAX,
    MAX_COST,
    REASON_MAX,
    SCALES,
    SECTOR_CODES,
    STAGE_ORDER,
    TITLE_MAX,
)

# Texts are checked for their real length by the domain (after trimming); the schema stops a huge payload early.
SLACK = 200
COST = validate.Range(min=0, max=MAX_COST)
PABULIB_MAX = 20_000_000  # characters of a .pb file


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it from the session (accounts remains the authority on roles)."""
    account_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                        validate=validate.Length(max=10))


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class CycleIdSchema(Schema):
    cycle_id = fields.UUID(required=True)


class ProjectIdSchema(Schema):
    project_id = fields.UUID(required=True)


class EligibilitySchema(Schema):
    email_verified = fields.Boolean(load_default=True)
    lives_in_paris = fields.Boolean(load_default=True)
    min_age = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=120))
    certification = fields.String(load_default=None, allow_none=True,
                                  validate=validate.OneOf(("declared", "verified")))


class CycleCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=CYCLE_TITLE_MAX + SLACK))
    paris_envelope = fields.Integer(required=True, validate=COST)
    sector_envelopes = fields.Dict(keys=fields.String(validate=validate.Length(max=16)),
                                   values=fields.Integer(validate=COST), load_default=dict)
    max_choices = fields.Integer(load_default=DEFAULT_MAX_CHOICES, validate=validate.Range(min=1, max=20))
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    vote_day = fields.Date(load_default=None, allow_none=True)


class AdvanceSchema(Schema):
    cycle_id = fields.UUID(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGE_ORDER))


class ProjectSubmitSchema(Schema):
    cycle_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(max=TITLE_MAX + SLACK))
    description = fields.String(required=True, validate=validate.Length(max=DESCRIPTION_MAX + SLACK))
    theme = fields.String(required=True, validate=validate.Length(max=120))
    scale = fields.String(required=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    origin_idea_id = fields.UUID(load_default=None, allow_none=True)
    estimated_cost = fields.Integer(load_default=None, allow_none=True, validate=COST)


class ProjectListQuerySchema(Schema):
    cycle_id = fields.UUID(required=True)
    scale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SECTOR_CODES))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    selected = fields.Boolean(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class StudySchema(Schema):
    project_id = fields.UUID(required=True)
    admissible = fields.Boolean(required=True)
    admissibility_reason = fields.String(required=True, validate=validate.Length(max=REASON_MAX + SLACK))
    feasible = fields.Boolean(load_default=None, allow_none=True)
    feasibility_reason = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Length(max=REASON_MAX + SLACK))
    cost = fields.Integer(load_default=None, allow_none=True, validate=COST)


class SelectSchema(Schema):
    project_id = fields.UUID(required=True)
    selected = fields.Boolean(load_default=True)


class BallotSchema(Schema):
    cycle_id = fields.UUID(required=True)
    paris_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))


class ReceiptSchema(Schema):
    cycle_id = fields.UUID(required=True)
    receipt = fields.String(required=True, validate=validate.Regexp(r"^\s*[0-9a-fA-F]{24}\s*$"))


class PabulibImportSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=PABULIB_MAX))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=CYCLE_TITLE_MAX))
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=150))


# --- what the service returns (dumped: dates become ISO strings) ---------------------------------------

class CycleSchema(Schema):
    id = fields.String()
    title = fields.String()
    stage = fields.String()
    stage_label = fields.String()
    next_stage = fields.String(allow_none=True)
    paris_envelope = fields.Integer()
    sector_envelopes = fields.Dict(keys=fields.String(), values=fields.Integer())
    total_envelope = fields.Integer()
    max_choices = fields.Integer()
    eligibility = fields.Dict()
    vote_day = fields.Date(allow_none=True)
    source = fields.String(allow_none=True)
    ballots_count = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    vote_closed_at = fields.DateTime(allow_none=True)
    projects_count = fields.Integer()


class ProjectSchema(Schema):
    id = fields.String()
    cycle_id = fields.String()
    position = fields.Integer()
    external_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    theme = fields.String()
    scale = fields.String()
    sector = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    origin_idea_id = fields.String(allow_none=True)
    estimated_cost = fields.Integer(allow_none=True)
    status = fields.String()
    admissible = fields.Boolean(allow_none=True)
    admissibility_reason = fields.String(allow_none=True)
    feasible = fields.Boolean(allow_none=True)
    feasibility_reason = fields.String(allow_none=True)
    cost = fields.Integer(allow_none=True)
    selected = fields.Boolean()
    votes = fields.Integer(allow_none=True)
    won = fields.Boolean(allow_none=True)
    carriers_count = fields.Integer()
    carried_by_me = fields.Boolean()
    submitted_at = fields.DateTime()


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectSchema))
    total = fields.Integer()


class BallotReceiptSchema(Schema):
    cycle_id = fields.String()
    receipt = fields.String()
    replaced = fields.Boolean()
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    cast_at = fields.DateTime()


class MyBallotSchema(Schema):
    cycle_id = fields.String()
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    cast_at = fields.DateTime()
    changes = fields.Integer()


class ReceiptCheckSchema(Schema):
    cycle_id = fields.String()
    counted = fields.Boolean()
    status = fields.String()


class CountSchema(Schema):
    project_id = fields.String()
    title = fields.String()
    scale = fields.String()
    sector = fields.String(allow_none=True)
    votes = fields.Integer()


class LiveCountsSchema(Schema):
    cycle_id = fields.String()
    stage = fields.String()
    ballots_count = fields.Integer()
    projects = fields.List(fields.Nested(CountSchema))


class ResultProjectSchema(Schema):
    project_id = fields.String()
    title = fields.String()
    cost = fields.Integer(allow_none=True)
    votes = fields.Integer(allow_none=True)
    won = fields.Boolean()
    external_id = fields.String(allow_none=True)


class ScopeResultSchema(Schema):
    scope = fields.String()
    label = fields.String()
    envelope = fields.Integer()
    used = fields.Integer()
    projects = fields.List(fields.Nested(ResultProjectSchema))


class ResultsSchema(Schema):
    cycle_id = fields.String()
    title = fields.String()
    ballots_count = fields.Integer(allow_none=True)
    envelope_used = fields.Integer()
    tie_break = fields.String()
    scopes = fields.List(fields.Nested(ScopeResultSchema))


class PabulibExportSchema(Schema):
    cycle_id = fields.String()
    filename = fields.String()
    content = fields.String()

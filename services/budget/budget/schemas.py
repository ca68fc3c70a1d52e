"""What crosses the wire to and from the budget service.

RPCs (args → result schema). `actor` = {"account_id", "roles", "direction"?} as the gateway asserts it; `viewer`
the same, optional (None for a visitor). Errors: hubkit HubErrors (InvalidInput 400 with field details,
PermissionDenied 403, NotFound 404, Conflict 409 with a `code`).

  reference_data()                                   → dict (stages, themes, scales, sectors, statuses,
                                                        implementation_statuses, follow_kinds, directions,
                                                        id_document_kinds, channels, eligibility_rules)
  list_cycles() / get_cycle({cycle_id})              → CycleSchema (many)
  create_cycle(actor, CycleCreateSchema) / advance_stage(actor, AdvanceSchema) → CycleSchema
  submit_project(actor, ProjectSubmitSchema)         → ProjectSchema
  list_projects(ProjectListQuerySchema, viewer=None) → ProjectPageSchema (one page: `limit`, `offset`, `total`)
  project_counts(CycleIdSchema)                      → ProjectCountsSchema (public, like list_projects: the back office's dashboard)
  get_project({project_id}, viewer=None)             → ProjectSchema (with timeline, lineage, viewer state)
  decide_study(actor, StudySchema) / select_project(actor, SelectSchema) → ProjectSchema
  merge_projects(actor, MergeSchema)                 → ProjectSchema (the merged project)  [co_construction]
  answer_merge_invitation(actor, MergeAnswerSchema)  → ProjectSchema (the merged project)
  confirm_draft_project(actor, DraftConfirmSchema)   → ProjectSchema (a draft from a forwarded idea, submitted)
  my_projects(actor)                                 → MyProjectsSchema
  follow_project(actor, FollowSchema) / unfollow_project(actor, FollowSchema) → FollowStateSchema
  change_project_status(actor, StatusChangeSchema)   → ProjectSchema (with its timeline)  [winners]
  cast_ballot(actor, BallotSchema)                   → BallotReceiptSchema                [vote]
  cast_ballots(batch)                                → hubkit.batching answers, each a BallotReceiptSchema
  record_paper_ballot(actor, PaperBallotSchema)      → PaperBallotReceiptSchema           [vote, agents]
  my_ballot(actor, {cycle_id}) → MyBallotSchema; check_receipt(ReceiptSchema) → ReceiptCheckSchema
  live_counts(actor, {cycle_id}) → LiveCountsSchema; results({cycle_id}) → ResultsSchema
  export_projects_csv(ExportQuerySchema) / export_results_csv({cycle_id}) → CsvExportSchema (text in `content`)
  import_pabulib(actor, ...) → CycleSchema; export_pabulib({cycle_id}) → PabulibExportSchema
"""
from hubkit.validation import loaded_uuid
from marshmallow import Schema, fields, validate

from .domain import (
    ADDRESS_MAX,
    BALLOT_BOX_MAX,
    DIRECTIONS,
    FOLLOW_KINDS,
    ID_DOCUMENT_KINDS,
    NAME_MAX,
    SETTABLE_STATUSES,
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
    # An agent's direction (code, e.g. "DVD"), as the session knows it: agents change the implementation status
    # of the projects their direction owns.
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


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
    """Filters of the project list. Without `cycle_id`, every cycle (all editions, « 986 projet(s) trouvé(s) »);
    `edition` (a year) picks the cycles whose title names it. Drafts and merged sources are never listed
    (a draft is read by its carrier through `my_projects`; a merged source through its merged project's lineage).
    `status`: a PROJECT_STATUSES code (submitted, admissible, selected, winner, ...) or an IMPLEMENTATION_STATUSES
    code (etudes_conception ... non_realisable, non_demarre: winners only).
    `studied` (the back office's study queue): false, the projects awaiting an admissibility decision; true, the
    others. `feasible`: true, the projects found feasible (the commissions choose among them), false, the others.
    `sort`: position (order of submission, the default), random (stable for one `seed`), title / -title,
    cost / -cost, votes / -votes (published votes only)."""
    cycle_id = fields.UUID(load_default=None, allow_none=True)
    edition = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=2000, max=2100))
    scale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SECTOR_CODES))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    status = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    selected = fields.Boolean(load_default=None, allow_none=True)
    studied = fields.Boolean(load_default=None, allow_none=True)
    feasible = fields.Boolean(load_default=None, allow_none=True)
    query = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    sort = fields.String(load_default="position", validate=validate.OneOf(
        ("position", "random", "title", "-title", "cost", "-cost", "votes", "-votes")))
    seed = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
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
    direction = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DIRECTIONS),
                              metadata={"description": "The owning direction (who will implement it), optional"})


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


class MergeSchema(Schema):
    """Co-construction: agents merge similar projects of one cycle into a new one. Theme, scale, sector and address
    default to the first source's; `cost` (the City's estimate) defaults to the sum of the sources' costs."""
    cycle_id = fields.UUID(required=True)
    project_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=2, max=20))
    title = fields.String(required=True, validate=validate.Length(max=TITLE_MAX + SLACK))
    description = fields.String(required=True, validate=validate.Length(max=DESCRIPTION_MAX + SLACK))
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    scale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    cost = fields.Integer(load_default=None, allow_none=True, validate=COST)
    direction = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DIRECTIONS))


class MergeAnswerSchema(Schema):
    """A carrier of a source project accepts (becomes a carrier of the merged project) or refuses (the merge stands;
    they are simply not a carrier of it). One answer per carrier."""
    project_id = fields.UUID(required=True, metadata={"description": "The merged project"})
    accept = fields.Boolean(required=True)


class PaperBallotSchema(Schema):
    """A paper ballot from a mobile ballot box, entered by an agent after checking the voter's identity document.
    Never stored in clear: names, birth date and document digits (see docs/events.md, budget, paper ballots).
    `account_email`: the voter's hub account, if they say they have one (the online ballot wins, see the doc)."""
    cycle_id = fields.UUID(required=True)
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    birth_date = fields.Date(required=True)
    postcode = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{5}\s*$", error="Code postal : 5 chiffres."))
    id_document_kind = fields.String(required=True, validate=validate.OneOf(tuple(ID_DOCUMENT_KINDS)))
    id_document_last4 = fields.String(required=True, validate=validate.Regexp(
        r"^\s*[0-9A-Za-z]{4}\s*$", error="Les 4 derniers caractères du document."))
    account_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    ballot_box = fields.String(required=True, validate=validate.Length(min=1, max=BALLOT_BOX_MAX),
                               metadata={"description": "The mobile ballot box (place, day)"})
    paris_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))


class StatusChangeSchema(Schema):
    """An agent of the owning direction (or an admin) moves a winning project along; `non_realisable` needs the
    reason as its justification. `effective_date`: when it happened (not in the future)."""
    project_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SETTABLE_STATUSES))
    justification = fields.String(required=True, validate=validate.Length(max=REASON_MAX + SLACK))
    effective_date = fields.Date(required=True)


class FollowSchema(Schema):
    project_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tuple(FOLLOW_KINDS)))


class DraftConfirmSchema(Schema):
    """The carrier of a draft (an idea forwarded to the budget) completes and submits it (submission stage)."""
    project_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(max=TITLE_MAX + SLACK))
    description = fields.String(required=True, validate=validate.Length(max=DESCRIPTION_MAX + SLACK))
    theme = fields.String(required=True, validate=validate.Length(max=120))
    scale = fields.String(required=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    estimated_cost = fields.Integer(load_default=None, allow_none=True, validate=COST)


class ExportQuerySchema(Schema):
    cycle_id = fields.UUID(load_default=None, allow_none=True)


# --- what the service returns (dumped: dates become ISO strings) ---------------------------------------

class CycleSchema(Schema):
    id = fields.String()
    title = fields.String()
    edition = fields.Integer(allow_none=True)  # the year its title names, if any
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


class LineageSchema(Schema):
    """A source of a merged project (« élaboré à partir de ... »)."""
    project_id = fields.String()
    title = fields.String()
    position = fields.Integer()


class TimelineEntrySchema(Schema):
    """One dated, justified step of a winner's planning timeline (oldest first)."""
    status = fields.String()
    status_label = fields.String()
    justification = fields.String()
    effective_date = fields.Date(allow_none=True)  # null for some imported steps (the open data has no date)
    recorded_at = fields.DateTime()
    source = fields.String()  # "agent" or "import" (open data of the City)


class ViewerStateSchema(Schema):
    """What the signed-in reader has to do with the project (null for a visitor)."""
    carrier = fields.Boolean()
    favorite = fields.Boolean()
    associate = fields.Boolean()
    merge_invitation = fields.String(allow_none=True)  # pending | accepted | refused | null (not invited)


class ProjectSchema(Schema):
    id = fields.String()
    cycle_id = fields.String()
    cycle_title = fields.String()
    position = fields.Integer()
    external_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    theme = fields.String()
    scale = fields.String()
    sector = fields.String(allow_none=True)
    sector_label = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)  # 1..20 when known (null for Paris Centre as a whole)
    address = fields.String(allow_none=True)
    direction = fields.String(allow_none=True)  # owning direction code
    direction_label = fields.String(allow_none=True)
    popular_district = fields.Boolean(allow_none=True)  # « quartier populaire » (imported data)
    origin_idea_id = fields.String(allow_none=True)
    estimated_cost = fields.Integer(allow_none=True)
    status = fields.String()  # PROJECT_STATUSES code; a winner's implementation status once it has one
    status_label = fields.String()
    draft = fields.Boolean()
    admissible = fields.Boolean(allow_none=True)
    admissibility_reason = fields.String(allow_none=True)
    feasible = fields.Boolean(allow_none=True)
    feasibility_reason = fields.String(allow_none=True)
    cost = fields.Integer(allow_none=True)
    selected = fields.Boolean()
    votes = fields.Integer(allow_none=True)
    votes_online = fields.Integer(allow_none=True)
    votes_paper = fields.Integer(allow_none=True)
    won = fields.Boolean(allow_none=True)
    implementation_status = fields.String(allow_none=True)  # IMPLEMENTATION_STATUSES code (winners), else null
    implementation_status_label = fields.String(allow_none=True)
    carriers_count = fields.Integer()
    carried_by_me = fields.Boolean()
    merged_into = fields.String(allow_none=True)  # the merged project, for a source
    merged_into_title = fields.String(allow_none=True)
    lineage = fields.List(fields.Nested(LineageSchema))  # the sources, for a merged project (else empty)
    pending_invitations = fields.Integer()  # carriers of the sources who have not answered yet
    favorites_count = fields.Integer()
    associates_count = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineEntrySchema))  # empty in listings (get_project only)
    viewer = fields.Nested(ViewerStateSchema, allow_none=True)
    submitted_at = fields.DateTime()


class ProjectCountsSchema(Schema):
    """A cycle's listed projects (no drafts, no merged sources): how many, and how many in each status."""
    total = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())  # a status code -> count


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectSchema))
    total = fields.Integer()
    by_arrondissement = fields.Dict(keys=fields.String(), values=fields.Integer())  # "1".."20" -> count (map)
    by_sector = fields.Dict(keys=fields.String(), values=fields.Integer())  # sector code or "paris" -> count


class MyProjectsSchema(Schema):
    """The signed-in citizen's projects: carried (drafts included), favorites, associated, merge invitations."""
    carried = fields.List(fields.Nested(ProjectSchema))
    favorites = fields.List(fields.Nested(ProjectSchema))
    associated = fields.List(fields.Nested(ProjectSchema))
    invitations = fields.List(fields.Nested(ProjectSchema))  # merged projects awaiting my answer


class FollowStateSchema(Schema):
    project_id = fields.String()
    kind = fields.String()
    following = fields.Boolean()
    favorites_count = fields.Integer()
    associates_count = fields.Integer()


class PaperBallotReceiptSchema(Schema):
    """What the agent sees (and prints for the voter) after entering a paper ballot."""
    cycle_id = fields.String()
    receipt = fields.String()
    counted = fields.Boolean()  # False: the voter's online ballot wins (status "superseded_by_online")
    status = fields.String()  # "counted" | "superseded_by_online"
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    ballot_box = fields.String()
    cast_at = fields.DateTime()


class CsvExportSchema(Schema):
    """Open-data CSV (`;`-separated, UTF-8 with BOM so spreadsheets read accents), as text."""
    cycle_id = fields.String(allow_none=True)
    filename = fields.String()
    content = fields.String()


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
    votes_online = fields.Integer()
    votes_paper = fields.Integer()


class LiveCountsSchema(Schema):
    cycle_id = fields.String()
    stage = fields.String()
    ballots_count = fields.Integer()  # counted ballots: online + paper (a paper ballot superseded is not counted)
    ballots_online = fields.Integer()
    ballots_paper = fields.Integer()
    projects = fields.List(fields.Nested(CountSchema))


class ResultProjectSchema(Schema):
    project_id = fields.String()
    title = fields.String()
    cost = fields.Integer(allow_none=True)
    votes = fields.Integer(allow_none=True)
    votes_online = fields.Integer(allow_none=True)
    votes_paper = fields.Integer(allow_none=True)
    won = fields.Boolean()
    external_id = fields.String(allow_none=True)
    implementation_status = fields.String(allow_none=True)


class ScopeResultSchema(Schema):
    scope = fields.String()
    label = fields.String()
    envelope = fields.Integer()
    used = fields.Integer()
    projects = fields.List(fields.Nested(ResultProjectSchema))


class ResultsSchema(Schema):
    cycle_id = fields.String()
    title = fields.String()
    ballots_count = fields.Integer(allow_none=True)  # null for an imported past edition (no ballots known)
    ballots_online = fields.Integer(allow_none=True)
    ballots_paper = fields.Integer(allow_none=True)
    envelope_used = fields.Integer()
    tie_break = fields.String()
    scopes = fields.List(fields.Nested(ScopeResultSchema))


class PabulibExportSchema(Schema):
    cycle_id = fields.String()
    filename = fields.String()
    content = fields.String()


# --- the ballot hot path ----------------------------------------------------------------------------------------
# Every ballot of a batch is an actor and a BallotSchema in, a BallotReceiptSchema out. The usual, well-formed item
# skips marshmallow's per-field machinery (most of the CPU of a ballot); anything else (an unknown key, a wrong type,
# a value too long...) returns None and marshmallow loads it, wording the errors. tests/test_schemas.py checks the
# results are marshmallow's.

_ACTOR_KEYS = frozenset(ActorSchema._declared_fields)
_BALLOT_KEYS = frozenset(BallotSchema._declared_fields)
_MISSING = object()


def quick_actor(data) -> dict | None:
    """`ActorSchema().load(data)` for a well-formed actor, else None."""
    if type(data) is not dict or not data.keys() <= _ACTOR_KEYS:
        return None
    account_id, roles = loaded_uuid(data.get("account_id")), data.get("roles", _MISSING)
    if roles is _MISSING:
        roles = []
    elif type(roles) is list and len(roles) <= 10 and all(type(role) is str and len(role) <= 32 for role in roles):
        roles = list(roles)
    else:
        return None
    direction = data.get("direction")
    if account_id is None or not (direction is None or (type(direction) is str and len(direction) <= 16)):
        return None
    return {"account_id": account_id, "roles": roles, "direction": direction}


def quick_ballot(data) -> dict | None:
    """`BallotSchema().load(data)` for a well-formed ballot, else None."""
    if type(data) is not dict or not data.keys() <= _BALLOT_KEYS:
        return None
    cycle_id, sector = loaded_uuid(data.get("cycle_id")), data.get("sector")
    paris, local = _uuids(data.get("paris_projects", _MISSING)), _uuids(data.get("sector_projects", _MISSING))
    if cycle_id is None or paris is None or local is None or not (
            sector is None or (type(sector) is str and len(sector) <= 16)):
        return None
    return {"cycle_id": cycle_id, "paris_projects": paris, "sector": sector, "sector_projects": local}


def _uuids(values) -> list | None:
    """A list of at most 50 ids ([] when absent), else None."""
    if values is _MISSING:
        return []
    if type(values) is not list or len(values) > 50:
        return None
    ids = [loaded_uuid(value) for value in values]
    return None if None in ids else ids


def dump_ballot_receipt(receipt: dict) -> dict:
    """`BallotReceiptSchema().dump(receipt)`, the same output without marshmallow's per-field work."""
    cast_at = receipt["cast_at"]
    return {"cycle_id": _text(receipt["cycle_id"]), "receipt": _text(receipt["receipt"]),
            "replaced": None if receipt["replaced"] is None else bool(receipt["replaced"]),
            "paris_projects": _texts(receipt["paris_projects"]), "sector": _text(receipt["sector"]),
            "sector_projects": _texts(receipt["sector_projects"]),
            "cast_at": None if cast_at is None else cast_at.isoformat()}


def _text(value):
    return None if value is None else str(value)


def _texts(values):
    return None if values is None else [_text(value) for value in values]

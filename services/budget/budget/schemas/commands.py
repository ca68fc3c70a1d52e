"""What callers send the budget service: the actor, and the command or query of each RPC."""
from hubkit.idempotency import key_field
from marshmallow import Schema, fields, validate

from ..domain import (
    ADDRESS_MAX,
    BALLOT_BOX_MAX,
    CYCLE_TITLE_MAX,
    DEFAULT_MAX_CHOICES,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    DIRECTION_CODE,
    FOLLOW_KINDS,
    ID_DOCUMENT_KINDS,
    MAX_COST,
    NAME_MAX,
    REASON_MAX,
    REASON_MIN,
    SCALES,
    SECTOR_CODES,
    SETTABLE_STATUSES,
    STAGE_ORDER,
    THEMES,
    TITLE_MAX,
    TITLE_MIN,
)

# The domain's limits on the texts as sent (the gateway's OpenAPI shows the same); the domain checks them again
# once a text is trimmed.
TITLE, CYCLE_TITLE = validate.Length(min=TITLE_MIN, max=TITLE_MAX), validate.Length(min=TITLE_MIN, max=CYCLE_TITLE_MAX)
DESCRIPTION = validate.Length(min=DESCRIPTION_MIN, max=DESCRIPTION_MAX)
REASON, OPTIONAL_REASON = validate.Length(min=REASON_MIN, max=REASON_MAX), validate.Length(max=REASON_MAX)
THEME, SECTOR = validate.OneOf(THEMES), validate.OneOf(SECTOR_CODES)
OFFSET_MAX = 1_000_000  # far past any list, far below the databases' integers
COST = validate.Range(min=0, max=MAX_COST)
SIMILAR_TITLE_MAX, SIMILAR_DESCRIPTION_MAX = 200, 5000  # what the gateway's similar panel sends, at most
PABULIB_MAX = 250_000  # characters of a .pb file: what fits in the gateway's 256 KiB bodies
# The format of a direction's code; whether the City has that direction is accounts' to say (the use cases ask).
DIRECTION = validate.Regexp(DIRECTION_CODE, error="Code de direction attendu (p. ex. DEVE).")


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
    title = fields.String(required=True, validate=CYCLE_TITLE)
    paris_envelope = fields.Integer(required=True, validate=COST)
    sector_envelopes = fields.Dict(keys=fields.String(validate=SECTOR),
                                   values=fields.Integer(validate=COST), load_default=dict)
    max_choices = fields.Integer(load_default=DEFAULT_MAX_CHOICES, validate=validate.Range(min=1, max=20))
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    vote_day = fields.Date(load_default=None, allow_none=True)


class AdvanceSchema(Schema):
    cycle_id = fields.UUID(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGE_ORDER))


class ProjectSubmitSchema(Schema):
    cycle_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(required=True, validate=THEME)
    scale = fields.String(required=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
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
    cost / -cost, votes / -votes (published votes only), relevance.
    `query`: words a project must all hold (title, description, address; accents, case and plurals ignored),
    "a phrase" in quotes, prefix* (the service's text index, handlers/project_index.py); with a query, the
    default order (position) and `relevance` rank the best matches first (ties: the newer cycle, then the order of
    submission). A query with no word to search for (only short or common words) finds nothing."""
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
        ("position", "random", "title", "-title", "cost", "-cost", "votes", "-votes", "relevance")))
    seed = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=OFFSET_MAX))


class StudySchema(Schema):
    project_id = fields.UUID(required=True)
    admissible = fields.Boolean(required=True)
    admissibility_reason = fields.String(required=True, validate=REASON)
    feasible = fields.Boolean(load_default=None, allow_none=True)
    feasibility_reason = fields.String(load_default=None, allow_none=True,
                                       validate=OPTIONAL_REASON)
    cost = fields.Integer(load_default=None, allow_none=True, validate=COST)
    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION,
                              metadata={"description": "The owning direction (who will implement it), optional"})


class SelectSchema(Schema):
    project_id = fields.UUID(required=True)
    selected = fields.Boolean(load_default=True)


class BallotSchema(Schema):
    cycle_id = fields.UUID(required=True)
    paris_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    idempotency_key = key_field()  # the same key again: the first answer, nothing cast twice (hubkit.idempotency)


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
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(load_default=None, allow_none=True, validate=THEME)
    scale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    cost = fields.Integer(load_default=None, allow_none=True, validate=COST)
    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION)


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
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))


class StatusChangeSchema(Schema):
    """An agent of the owning direction (or an admin) moves a winning project along; `non_realisable` needs the
    reason as its justification. `effective_date`: when it happened (not in the future)."""
    project_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SETTABLE_STATUSES))
    justification = fields.String(required=True, validate=REASON)
    effective_date = fields.Date(required=True)


class FollowSchema(Schema):
    project_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tuple(FOLLOW_KINDS)))


class DraftConfirmSchema(Schema):
    """The carrier of a draft (an idea forwarded to the budget) completes and submits it (submission stage)."""
    project_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(required=True, validate=THEME)
    scale = fields.String(required=True, validate=validate.OneOf(tuple(SCALES)))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    estimated_cost = fields.Integer(load_default=None, allow_none=True, validate=COST)


class ExportQuerySchema(Schema):
    cycle_id = fields.UUID(load_default=None, allow_none=True)


class SimilarContentQuerySchema(Schema):
    """A text being typed (an idea, a petition...): the projects closest to it (`similar_content`)."""
    title = fields.String(required=True, validate=[
        validate.Length(min=1, max=SIMILAR_TITLE_MAX),
        validate.Regexp(r"(?s).*\S", error="Indiquez au moins un mot du titre.")])
    description = fields.String(load_default="", validate=validate.Length(max=SIMILAR_DESCRIPTION_MAX))
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=10))

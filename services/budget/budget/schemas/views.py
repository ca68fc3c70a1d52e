"""What the budget service answers (dumped: dates become ISO strings, date-times with their offset)."""
from hubkit.clock import aware
from marshmallow import Schema, fields


class DateTime(fields.DateTime):
    """A moment on the wire: ISO 8601 with its offset. SQLite hands back the stored UTC moments naive."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(aware(value), attr, obj, **kwargs)


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
    created_at = DateTime()
    vote_closed_at = DateTime(allow_none=True)
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
    recorded_at = DateTime()
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
    submitted_at = DateTime()


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
    cast_at = DateTime()


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
    cast_at = DateTime()


class MyBallotSchema(Schema):
    cycle_id = fields.String()
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    cast_at = DateTime()
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


class SimilarProjectSchema(Schema):
    """A project close to a text being typed: its state, its edition and what a citizen can do with it now."""
    kind = fields.String()  # "project"
    id = fields.String()
    cycle_id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    status = fields.String()
    status_label = fields.String()
    edition = fields.String()  # the year of its edition (« 2019 »), or its cycle's title when it names none
    arrondissement = fields.Integer(allow_none=True)
    similarity = fields.Float()
    actions = fields.List(fields.String())  # among vote, join, follow (domain.project_actions)


class SimilarContentSchema(Schema):
    items = fields.List(fields.Nested(SimilarProjectSchema))

"""What crosses the wire to and from the ideas service about consultations."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import COMMENT_MAX, PSEUDONYM_MAX
from ..domain import consultations as cd

PAGE_MAX = 100
CONTENT_ID = validate.Regexp(r"^([0-9a-fA-F-]{36}|[0-9]{1,18})\Z", error="Identifiant de contenu invalide.")


def _text(maximum: int, required=True, **kwargs):
    if required:
        return fields.String(required=True, validate=validate.Length(max=maximum), **kwargs)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum), **kwargs)


def _pseudonym():
    return fields.String(required=True, validate=validate.Length(min=1, max=PSEUDONYM_MAX))


# --- inputs --------------------------------------------------------------------------------------

class ConsultationIdSchema(Schema):
    consultation_id = fields.UUID(required=True)


class ConsultationQuerySchema(Schema):
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(cd.STATES)))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PAGE_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class ConsultationReadSchema(ConsultationIdSchema):
    sort = fields.String(load_default="random", validate=validate.OneOf(cd.SORTS))
    seed = fields.String(load_default="", validate=validate.Length(max=64))
    # the page of proposals of `section_id` (of every proposing section if none); past the last: the last
    section_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=cd.PROPOSALS_PAGE_SIZE,
                               validate=validate.Range(min=1, max=cd.PROPOSALS_PAGE_MAX))
    # read for the agents' editor: refused (403) to anyone who does not run the consultation
    editing = fields.Boolean(load_default=False)


class ResourceSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(max=cd.LABEL_MAX))
    url = fields.String(required=True, validate=validate.Length(max=cd.URL_MAX))


class MeetingSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=cd.LABEL_MAX))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=cd.PLACE_MAX))
    starts_at = fields.AwareDateTime(required=True)


class SaveConsultationSchema(Schema):
    consultation_id = fields.UUID(load_default=None, allow_none=True)
    # by an administrator: the owning direction (an agent's consultation is their direction's); its format here, its
    # existence among the City's directions (accounts') in the use case
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        cd.DIRECTION_CODE, error="Choisissez une direction de la Ville."))
    title = _text(cd.TITLE_MAX)
    context = _text(cd.CONTEXT_MAX)
    resources = fields.List(fields.Nested(ResourceSchema), load_default=list,
                            validate=validate.Length(max=cd.RESOURCES_MAX))
    agenda = fields.List(fields.Nested(MeetingSchema), load_default=list, validate=validate.Length(max=cd.AGENDA_MAX))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)


class QuestionSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(max=cd.LABEL_MAX))
    kind = fields.String(required=True, validate=validate.OneOf(list(cd.QUESTION_KINDS)))
    choices = fields.List(fields.String(validate=validate.Length(max=cd.CHOICE_MAX)), load_default=list,
                          validate=validate.Length(max=cd.CHOICES_MAX))
    required = fields.Boolean(load_default=None, allow_none=True)


class SaveSectionSchema(ConsultationIdSchema):
    section_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    title = _text(cd.TITLE_MAX)
    mode = fields.String(required=True, validate=validate.OneOf(list(cd.MODES)))
    body = _text(cd.SECTION_TEXT_MAX, required=False)
    questions = fields.List(fields.Nested(QuestionSchema), load_default=list,
                            validate=validate.Length(max=cd.QUESTIONS_MAX))
    position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))


class SectionRefSchema(ConsultationIdSchema):
    section_id = fields.Integer(required=True, validate=validate.Range(min=1))


class SynthesisSchema(ConsultationIdSchema):
    synthesis = _text(cd.SYNTHESIS_MAX)
    decision = _text(cd.DECISION_MAX)
    decision_body = _text(cd.BODY_NAME_MAX)
    decision_date = fields.Date(required=True)
    deliberation_url = _text(cd.URL_MAX, required=False)


class ProposalIdSchema(Schema):
    proposal_id = fields.UUID(required=True)


class SubmitProposalSchema(Schema):
    """A proposal in `section_id`, or an amendment of the proposal `amends`."""
    consultation_id = fields.UUID(load_default=None, allow_none=True)
    section_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    amends = fields.UUID(load_default=None, allow_none=True)
    title = _text(cd.TITLE_MAX)
    body = _text(cd.PROPOSAL_MAX)
    author_pseudonym = _pseudonym()

    @validates_schema
    def _where(self, data, **kwargs):
        if (data.get("section_id") is None) == (data.get("amends") is None):
            raise ValidationError("Indiquez la section de la proposition ou la proposition amendée.", "section_id")


class DecideAmendmentSchema(Schema):
    amendment_id = fields.UUID(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(list(cd.DECISIONS)))
    note = _text(cd.ARGUMENT_MAX, required=False)


class SupportSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["proposal", "proposal_comment"]))
    target_id = fields.String(required=True, validate=CONTENT_ID)


class PostProposalCommentSchema(ProposalIdSchema):
    body = _text(COMMENT_MAX)
    author_pseudonym = _pseudonym()


class PostArgumentSchema(Schema):
    """An argued vote on the question of `section_id`, or on the proposal `proposal_id`."""
    section_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    proposal_id = fields.UUID(load_default=None, allow_none=True)
    position = fields.String(required=True, validate=validate.OneOf(list(cd.POSITIONS)))
    body = _text(cd.ARGUMENT_MAX)
    author_pseudonym = _pseudonym()

    @validates_schema
    def _target(self, data, **kwargs):
        if (data.get("section_id") is None) == (data.get("proposal_id") is None):
            raise ValidationError("Indiquez la question ou la proposition du vote.", "section_id")


class AnswerValue(fields.Field):
    """A questionnaire answer: one choice or a text (a string), or several choices (a list of strings)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) <= cd.ANSWER_TEXT_MAX:
            return value
        if isinstance(value, list) and len(value) <= cd.CHOICES_MAX and all(
                isinstance(item, str) and len(item) <= cd.CHOICE_MAX for item in value):
            return value
        raise ValidationError("Réponse invalide.")


class AnswerQuestionnaireSchema(Schema):
    section_id = fields.Integer(required=True, validate=validate.Range(min=1))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=8)), values=AnswerValue(), required=True,
                          validate=validate.Length(max=cd.QUESTIONS_MAX))


# --- outputs -------------------------------------------------------------------------------------

class ConsultationSummarySchema(Schema):
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    state = fields.String()
    state_label = fields.String()
    has_synthesis = fields.Boolean()
    proposals_count = fields.Integer()


class ConsultationPageSchema(Schema):
    items = fields.List(fields.Nested(ConsultationSummarySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ProposalSummarySchema(Schema):
    id = fields.String()
    consultation_id = fields.String()
    section_id = fields.Integer()
    title = fields.String()
    excerpt = fields.String()
    hidden = fields.Boolean()
    author_pseudonym = fields.String()
    amends = fields.String(allow_none=True)
    amendment_status = fields.String(allow_none=True)
    amendment_status_label = fields.String(allow_none=True)
    supports_count = fields.Integer()
    comments_count = fields.Integer()
    amendments_count = fields.Integer()
    arguments_count = fields.Integer()
    agree_count = fields.Integer()
    disagree_count = fields.Integer()
    counters = fields.String()
    created_at = fields.DateTime()


class ArgumentSchema(Schema):
    id = fields.Integer()
    section_id = fields.Integer()
    proposal_id = fields.String(allow_none=True)
    position = fields.String()
    position_label = fields.String()
    body = fields.String()
    hidden = fields.Boolean()
    author_pseudonym = fields.String()
    created_at = fields.DateTime()


class ProposalCommentSchema(Schema):
    id = fields.Integer()
    proposal_id = fields.String()
    author_pseudonym = fields.String()
    body = fields.String()
    hidden = fields.Boolean()
    supports_count = fields.Integer()
    created_at = fields.DateTime()


class VoteSchema(Schema):
    agree_count = fields.Integer()
    disagree_count = fields.Integer()
    arguments = fields.List(fields.Nested(ArgumentSchema))


class QuestionnaireStateSchema(Schema):
    responses_count = fields.Integer()
    answered = fields.Boolean()
    results_visible = fields.Boolean()
    results = fields.Raw()


class ProposalsPageSchema(Schema):
    page = fields.Integer()
    pages = fields.Integer()
    page_size = fields.Integer()


class SectionSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    mode = fields.String()
    mode_label = fields.String()
    body = fields.String(allow_none=True)
    questions = fields.Raw()
    proposals = fields.List(fields.Nested(ProposalSummarySchema))
    proposals_count = fields.Integer()  # all of them, not only this page's
    proposals_page = fields.Nested(ProposalsPageSchema, allow_none=True)  # proposing sections only
    vote = fields.Nested(VoteSchema, allow_none=True)
    questionnaire = fields.Nested(QuestionnaireStateSchema, allow_none=True)


class SynthesisViewSchema(Schema):
    synthesis = fields.String()
    decision = fields.String()
    decision_body = fields.String()
    decision_date = fields.Date()
    deliberation_url = fields.String(allow_none=True)
    published_at = fields.DateTime()


class ConsultationViewerSchema(Schema):
    can_edit = fields.Boolean()
    can_moderate = fields.Boolean()
    supported = fields.List(fields.String())
    voted = fields.List(fields.String())
    answered = fields.List(fields.Integer())
    reported = fields.List(fields.String())
    own = fields.List(fields.String())  # "kind:id" the reader wrote: not for them to report


class PendingAmendmentSchema(ProposalSummarySchema):
    amends_title = fields.String()


class ConsultationSchema(ConsultationSummarySchema):
    context = fields.String()
    direction = fields.String(allow_none=True)  # the owning direction (its agents run the consultation)
    pending_amendments = fields.List(fields.Nested(PendingAmendmentSchema))  # for agents; empty for others
    resources = fields.Raw()
    agenda = fields.Raw()
    accepts_input = fields.Boolean()
    sort = fields.String()
    sections = fields.List(fields.Nested(SectionSchema))
    synthesis = fields.Nested(SynthesisViewSchema, allow_none=True)
    updated_at = fields.DateTime()
    viewer = fields.Nested(ConsultationViewerSchema, allow_none=True)


class ProposalViewerSchema(Schema):
    is_author = fields.Boolean()
    can_decide = fields.Boolean()
    can_moderate = fields.Boolean()
    supports = fields.Boolean()
    voted = fields.Boolean()
    supported = fields.List(fields.String())
    reported = fields.List(fields.String())
    own = fields.List(fields.String())  # "kind:id" the reader wrote: not for them to report


class AmendmentSchema(ProposalSummarySchema):
    body = fields.String()
    decision_note = fields.String(allow_none=True)


class ProposalSchema(ProposalSummarySchema):
    body = fields.String()
    decision_note = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    consultation = fields.Raw()
    section = fields.Raw()
    amendable = fields.Boolean()
    accepts_input = fields.Boolean()
    amended = fields.Nested(ProposalSummarySchema, allow_none=True)
    amendments = fields.List(fields.Nested(AmendmentSchema))
    arguments = fields.List(fields.Nested(ArgumentSchema))
    comments = fields.List(fields.Nested(ProposalCommentSchema))
    viewer = fields.Nested(ProposalViewerSchema, allow_none=True)


class SupportStateSchema(Schema):
    kind = fields.String()
    target_id = fields.String()
    supported = fields.Boolean()
    supports_count = fields.Integer()


class AnswerStateSchema(Schema):
    section_id = fields.Integer()
    answered = fields.Boolean()
    responses_count = fields.Integer()
    results = fields.Raw()

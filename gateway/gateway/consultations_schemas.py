"""API schemas of consultations: the same fields, types and bounds as the ideas service's
(ideas.schemas.consultations; tests/contract/test_wire_schemas.py compares them), with the descriptions the
OpenAPI shows. The service checks the rules (non-empty texts, dates, modes) and gives the messages."""
from marshmallow import Schema, ValidationError, fields, validate

from .schemas import ROW_ID, WireDate, WireDateTime, offset_field, stripped_text

STATES = ("upcoming", "open", "closed")
MODES = ("proposals", "argued_vote", "questionnaire", "amendable_text")
SORTS = ("random", "most_supported", "newest")
QUESTION_KINDS = ("single", "multiple", "text")
DECISIONS = ("accept", "reject")
POSITIONS = ("agree", "disagree")
TITLE_MAX, CONTEXT_MAX, SECTION_TEXT_MAX = 140, 20_000, 20_000
PROPOSAL_MAX, ARGUMENT_MAX, COMMENT_MAX = 5000, 2000, 2000
LABEL_MAX, URL_MAX, PLACE_MAX, RESOURCES_MAX, AGENDA_MAX = 200, 500, 200, 30, 30
SYNTHESIS_MAX, DECISION_MAX, BODY_NAME_MAX = 20_000, 10_000, 200
QUESTIONS_MAX, CHOICES_MAX, CHOICE_MAX, ANSWER_TEXT_MAX = 30, 20, 200, 2000
TITLE_MIN, PROPOSAL_MIN, ARGUMENT_MIN = 5, 10, 5
# A web link (the service refuses any other scheme: a javascript: or data: link would run in the reader's page)
WEB_LINK = validate.Regexp(r"^\s*[hH][tT][tT][pP][sS]?://[^\s/?#]+\S*\s*$", error="Une adresse web complète est "
                                                                               "attendue (https://…).")


def _text(maximum: int, required=True, description: str = None):
    metadata = {"description": description} if description else {}
    if required:
        return fields.String(required=True, validate=validate.Length(max=maximum), metadata=metadata)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum), metadata=metadata)


class AnswerValue(fields.Field):
    """A questionnaire answer: one choice or a text (a string), or several choices (a list of strings)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) <= ANSWER_TEXT_MAX:
            return value
        if isinstance(value, list) and len(value) <= CHOICES_MAX and all(
                isinstance(item, str) and len(item) <= CHOICE_MAX for item in value):
            return value
        raise ValidationError("Réponse invalide.")


# --- requests --------------------------------------------------------------------------------------

class ConsultationQuerySchema(Schema):
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATES),
                          metadata={"description": "upcoming, open ou closed"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = offset_field()


class ConsultationReadSchema(Schema):
    sort = fields.String(load_default="random", validate=validate.OneOf(SORTS))
    seed = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "Graine du tri aléatoire : le même ordre pour la même graine "
                                                  "(une par visite)"})
    section_id = fields.Integer(load_default=None, allow_none=True, validate=ROW_ID,
                                metadata={"description": "La section dont on lit la page `page` ; les autres "
                                                         "montrent leur première page. Sans elle : toutes."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000),
                          metadata={"description": "Page des propositions ; au-delà de la dernière : la dernière"})
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100),
                               metadata={"description": "Propositions par page"})


class ResourceSchema(Schema):
    label = stripped_text(LABEL_MAX)
    url = fields.String(required=True, validate=[validate.Length(max=URL_MAX), WEB_LINK],
                        metadata={"description": "Adresse http(s)"})


class MeetingSchema(Schema):
    title = stripped_text(LABEL_MAX)
    place = _text(PLACE_MAX, required=False)
    starts_at = fields.AwareDateTime(required=True)


class SaveConsultationSchema(Schema):
    title = stripped_text(TITLE_MAX, minimum=TITLE_MIN)
    context = stripped_text(CONTEXT_MAX, description="Le contexte, en texte brut")
    resources = fields.List(fields.Nested(ResourceSchema), load_default=list,
                            validate=validate.Length(max=RESOURCES_MAX))
    agenda = fields.List(fields.Nested(MeetingSchema), load_default=list, validate=validate.Length(max=AGENDA_MAX))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)


class QuestionSchema(Schema):
    label = stripped_text(LABEL_MAX)
    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    choices = fields.List(fields.String(validate=validate.Length(max=CHOICE_MAX)), load_default=list,
                          validate=validate.Length(max=CHOICES_MAX))
    required = fields.Boolean(load_default=None, allow_none=True,
                              metadata={"description": "Par défaut : oui pour un choix, non pour un texte libre"})


class SaveSectionSchema(Schema):
    title = stripped_text(TITLE_MAX, minimum=TITLE_MIN)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    body = _text(SECTION_TEXT_MAX, required=False,
                 description="Introduction, question du vote argumenté ou texte amendable")
    questions = fields.List(fields.Nested(QuestionSchema), load_default=list,
                            validate=validate.Length(max=QUESTIONS_MAX))
    position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))


class SynthesisSchema(Schema):
    synthesis = stripped_text(SYNTHESIS_MAX)
    decision = stripped_text(DECISION_MAX, description="La décision finale")
    decision_body = stripped_text(BODY_NAME_MAX, description="L'instance qui a décidé (ex. Conseil de Paris)")
    decision_date = fields.Date(required=True)
    deliberation_url = fields.String(load_default=None, allow_none=True,
                                     validate=[validate.Length(max=URL_MAX), WEB_LINK],
                                     metadata={"description": "Lien vers la délibération"})


class ProposalBodySchema(Schema):
    section_id = fields.Integer(required=True, validate=ROW_ID)
    title = stripped_text(TITLE_MAX, minimum=TITLE_MIN)
    body = stripped_text(PROPOSAL_MAX, minimum=PROPOSAL_MIN)


class AmendmentBodySchema(Schema):
    title = stripped_text(TITLE_MAX, minimum=TITLE_MIN)
    body = stripped_text(PROPOSAL_MAX, minimum=PROPOSAL_MIN)


class DecideAmendmentSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = _text(ARGUMENT_MAX, required=False)


class PostProposalCommentSchema(Schema):
    body = stripped_text(COMMENT_MAX)


class PostArgumentSchema(Schema):
    position = fields.String(required=True, validate=validate.OneOf(POSITIONS))
    body = stripped_text(ARGUMENT_MAX, minimum=ARGUMENT_MIN, description="L'argument")


QUESTION_IDS = tuple(f"q{number}" for number in range(1, QUESTIONS_MAX + 1))  # as the service numbers them
_ANSWER = {"oneOf": [{"type": "string", "maxLength": ANSWER_TEXT_MAX},
                     {"type": "array", "maxItems": CHOICES_MAX, "items": {"type": "string", "maxLength": CHOICE_MAX}}]}


class AnswerQuestionnaireSchema(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.OneOf(QUESTION_IDS)), values=AnswerValue(),
                          required=True, validate=validate.Length(max=QUESTIONS_MAX), metadata={
                              "description": "Par question (q1, q2… de la section) : un choix, une liste de choix ou "
                                             "un texte",
                              "properties": {question: _ANSWER for question in QUESTION_IDS},
                              "additionalProperties": False})


# --- responses -------------------------------------------------------------------------------------

class ConsultationSummarySchema(Schema):
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    opens_at = WireDateTime()
    closes_at = WireDateTime()
    state = fields.String(metadata={"description": "upcoming, open ou closed (d'après les dates)"})
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
    amends = fields.String(allow_none=True, metadata={"description": "Pour un amendement : la proposition amendée"})
    amendment_status = fields.String(allow_none=True, metadata={"description": "pending, accepted ou rejected"})
    amendment_status_label = fields.String(allow_none=True)
    supports_count = fields.Integer(metadata={"description": "Les « d'accord » (votes)"})
    comments_count = fields.Integer()
    amendments_count = fields.Integer()
    arguments_count = fields.Integer()
    agree_count = fields.Integer()
    disagree_count = fields.Integer()
    counters = fields.String(metadata={"description": "« 7 votes - 3 amendements - 4 arguments »"})
    created_at = WireDateTime()


class ArgumentSchema(Schema):
    id = fields.Integer()
    section_id = fields.Integer()
    proposal_id = fields.String(allow_none=True)
    position = fields.String()
    position_label = fields.String()
    body = fields.String()
    hidden = fields.Boolean()
    author_pseudonym = fields.String()
    created_at = WireDateTime()


class ProposalCommentSchema(Schema):
    id = fields.Integer()
    proposal_id = fields.String()
    author_pseudonym = fields.String()
    body = fields.String()
    hidden = fields.Boolean(metadata={"description": "Masqué : body vaut « Masqué par la modération »"})
    supports_count = fields.Integer()
    created_at = WireDateTime()


class VoteSchema(Schema):
    agree_count = fields.Integer()
    disagree_count = fields.Integer()
    arguments = fields.List(fields.Nested(ArgumentSchema))


class QuestionnaireStateSchema(Schema):
    responses_count = fields.Integer()
    answered = fields.Boolean()
    results_visible = fields.Boolean()
    results = fields.Raw(metadata={"description": "Par question : les choix et leurs comptes (une fois visibles)"})


# The shapes of what the service keeps as JSON (and declares as Raw): stated here, so that only these fields go out
class ResourceViewSchema(Schema):
    label = fields.String()
    url = fields.String()


class MeetingViewSchema(Schema):
    title = fields.String()
    place = fields.String(allow_none=True)
    starts_at = WireDateTime()


class QuestionViewSchema(Schema):
    id = fields.String(metadata={"description": "q1, q2… : la clé de sa réponse dans `answers`"})
    kind = fields.String(metadata={"description": "single, multiple ou text"})
    label = fields.String()
    choices = fields.List(fields.String())
    required = fields.Boolean()


class ConsultationRefSchema(Schema):
    id = fields.String()
    title = fields.String()
    state = fields.String()
    state_label = fields.String()


class SectionRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    mode = fields.String()
    mode_label = fields.String()


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
    questions = fields.List(fields.Nested(QuestionViewSchema))
    proposals = fields.List(fields.Nested(ProposalSummarySchema),
                            metadata={"description": "Une page des propositions (voir `proposals_page`)"})
    proposals_count = fields.Integer(metadata={"description": "Toutes les propositions de la section"})
    proposals_page = fields.Nested(ProposalsPageSchema, allow_none=True,
                                   metadata={"description": "Sections de propositions seulement"})
    vote = fields.Nested(VoteSchema, allow_none=True, metadata={"description": "Vote argumenté seulement"})
    questionnaire = fields.Nested(QuestionnaireStateSchema, allow_none=True,
                                  metadata={"description": "Questionnaire seulement"})


class SynthesisViewSchema(Schema):
    synthesis = fields.String()
    decision = fields.String()
    decision_body = fields.String()
    decision_date = WireDate()
    deliberation_url = fields.String(allow_none=True)
    published_at = WireDateTime()


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
    direction = fields.String(allow_none=True, metadata={"description": "La direction de la Ville qui la mène"})
    pending_amendments = fields.List(fields.Nested(PendingAmendmentSchema),
                                     metadata={"description": "Pour les agents : les amendements en attente de "
                                                              "décision ; vide sinon"})
    resources = fields.List(fields.Nested(ResourceViewSchema))
    agenda = fields.List(fields.Nested(MeetingViewSchema))
    accepts_input = fields.Boolean()
    sort = fields.String()
    sections = fields.List(fields.Nested(SectionSchema))
    synthesis = fields.Nested(SynthesisViewSchema, allow_none=True)
    updated_at = WireDateTime()
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
    decided_at = WireDateTime(allow_none=True)
    consultation = fields.Nested(ConsultationRefSchema)
    section = fields.Nested(SectionRefSchema)
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

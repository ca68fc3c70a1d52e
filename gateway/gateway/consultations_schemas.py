"""API schemas of consultations. Bounds only: the ideas service checks the rules and gives the messages."""
from marshmallow import Schema, fields, validate

from .ideas_schemas import ModeratedCommentSchema
from .schemas import ROW_ID, WireDateTime, offset_field

STATES = ("upcoming", "open", "closed")
MODES = ("proposals", "argued_vote", "questionnaire", "amendable_text")
SORTS = ("random", "most_supported", "newest")


def _text(maximum: int, required=True, description: str = None):
    metadata = {"description": description} if description else {}
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=maximum), metadata=metadata)
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum), metadata=metadata)


# --- requests --------------------------------------------------------------------------------------

class ConsultationQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES), metadata={"description": "upcoming, open ou closed"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = offset_field()


class ConsultationReadQuerySchema(Schema):
    sort = fields.String(load_default="random", validate=validate.OneOf(SORTS))
    seed = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "Graine du tri aléatoire : le même ordre pour la même graine "
                                                  "(une par visite)"})
    section_id = fields.Integer(load_default=None, validate=ROW_ID,
                                metadata={"description": "La section dont on lit la page `page` ; les autres "
                                                         "montrent leur première page. Sans elle : toutes."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000),
                          metadata={"description": "Page des propositions ; au-delà de la dernière : la dernière"})
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100),
                               metadata={"description": "Propositions par page"})


class ResourceSchema(Schema):
    label = _text(200)
    url = _text(500, description="Adresse http(s)")


class MeetingSchema(Schema):
    title = _text(200)
    place = _text(200, required=False)
    starts_at = fields.AwareDateTime(required=True)


class ConsultationBodySchema(Schema):
    title = _text(140)
    context = _text(20_000, description="Le contexte, en texte brut")
    resources = fields.List(fields.Nested(ResourceSchema), load_default=list, validate=validate.Length(max=30))
    agenda = fields.List(fields.Nested(MeetingSchema), load_default=list, validate=validate.Length(max=30))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)


class QuestionSchema(Schema):
    label = _text(200)
    kind = fields.String(required=True, validate=validate.OneOf(["single", "multiple", "text"]))
    choices = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                          validate=validate.Length(max=20))
    required = fields.Boolean(load_default=None, allow_none=True,
                              metadata={"description": "Par défaut : oui pour un choix, non pour un texte libre"})


class SectionBodySchema(Schema):
    title = _text(140)
    mode = fields.String(required=True, validate=validate.OneOf(MODES))
    body = _text(20_000, required=False, description="Introduction, question du vote argumenté ou texte amendable")
    questions = fields.List(fields.Nested(QuestionSchema), load_default=list, validate=validate.Length(max=30))
    position = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))


class SynthesisBodySchema(Schema):
    synthesis = _text(20_000)
    decision = _text(10_000, description="La décision finale")
    decision_body = _text(200, description="L'instance qui a décidé (ex. Conseil de Paris)")
    decision_date = fields.Date(required=True)
    deliberation_url = _text(500, required=False, description="Lien vers la délibération")


class ProposalBodySchema(Schema):
    section_id = fields.Integer(required=True, validate=ROW_ID)
    title = _text(140)
    body = _text(5000)


class AmendmentBodySchema(Schema):
    title = _text(140)
    body = _text(5000)


class DecisionBodySchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["accept", "reject"]))
    note = _text(2000, required=False)


class ArgumentBodySchema(Schema):
    position = fields.String(required=True, validate=validate.OneOf(["agree", "disagree"]))
    body = _text(2000, description="L'argument")


class AnswersBodySchema(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=8)), values=fields.Raw(), required=True,
                          metadata={"description": "Par question (q1, q2…) : un choix, une liste de choix ou un texte"})


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
    section_id = fields.Integer()
    title = fields.String()
    excerpt = fields.String()
    hidden = fields.Boolean()
    author_pseudonym = fields.String()
    amends = fields.String(allow_none=True, metadata={"description": "Pour un amendement : la proposition amendée"})
    amendment_status = fields.String(allow_none=True, metadata={"description": "pending, accepted ou rejected"})
    supports_count = fields.Integer(metadata={"description": "Les « d'accord » (votes)"})
    amendments_count = fields.Integer()
    arguments_count = fields.Integer()
    comments_count = fields.Integer()
    agree_count = fields.Integer()
    disagree_count = fields.Integer()
    counters = fields.String(metadata={"description": "« 7 votes - 3 amendements - 4 arguments »"})
    created_at = WireDateTime()


class ArgumentSchema(Schema):
    id = fields.Integer()
    proposal_id = fields.String(allow_none=True)
    position = fields.String()
    position_label = fields.String()
    body = fields.String()
    hidden = fields.Boolean()
    author_pseudonym = fields.String()
    created_at = WireDateTime()


class ProposalCommentSchema(ModeratedCommentSchema):
    proposal_id = fields.String()
    supports_count = fields.Integer()


class ProposalsPageSchema(Schema):
    page = fields.Integer()
    pages = fields.Integer()
    page_size = fields.Integer()


class SectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    mode = fields.String()
    mode_label = fields.String()
    body = fields.String(allow_none=True)
    questions = fields.Raw(metadata={"description": "[{id, kind, label, choices, required}]"})
    proposals = fields.List(fields.Nested(ProposalSummarySchema),
                            metadata={"description": "Une page des propositions (voir `proposals_page`)"})
    proposals_count = fields.Integer(metadata={"description": "Toutes les propositions de la section"})
    proposals_page = fields.Nested(ProposalsPageSchema, allow_none=True,
                                   metadata={"description": "Sections de propositions seulement"})
    vote = fields.Raw(allow_none=True, metadata={"description": "Vote argumenté : agree_count, disagree_count, "
                                                                "arguments"})
    questionnaire = fields.Raw(allow_none=True, metadata={"description": "responses_count, answered, "
                                                                         "results_visible, results"})


class ConsultationSchema(ConsultationSummarySchema):
    context = fields.String()
    pending_amendments = fields.List(fields.Nested(ProposalSummarySchema),
                                     metadata={"description": "Pour les agents : les amendements en attente de "
                                                              "décision (avec `amends_title`) ; vide sinon"})
    resources = fields.Raw()
    agenda = fields.Raw()
    accepts_input = fields.Boolean()
    sort = fields.String()
    sections = fields.List(fields.Nested(SectionSchema))
    synthesis = fields.Raw(allow_none=True, metadata={"description": "synthesis, decision, decision_body, "
                                                                     "decision_date, deliberation_url, published_at"})
    viewer = fields.Raw(allow_none=True)


class ProposalSchema(ProposalSummarySchema):
    body = fields.String()
    consultation = fields.Raw()
    section = fields.Raw()
    amendable = fields.Boolean()
    accepts_input = fields.Boolean()
    amended = fields.Nested(ProposalSummarySchema, allow_none=True)
    amendments = fields.List(fields.Nested(ProposalSummarySchema))
    arguments = fields.List(fields.Nested(ArgumentSchema))
    comments = fields.List(fields.Nested(ProposalCommentSchema))
    viewer = fields.Raw(allow_none=True)


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

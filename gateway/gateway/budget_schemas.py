"""The public HTTP contract of /api/v1/budget. Requests are loaded and responses dumped through these schemas
(gateway.openapi.endpoint): the document cannot say other than what is sent. tests/contract/test_wire_schemas.py
keeps them equal to the budget service's."""
from functools import partial

from marshmallow import Schema, fields, validate

from .schemas import WireDate, WireDateTime, offset_field

STAGES = ("submission", "study", "co_construction", "selection", "campaign", "vote", "results", "implementation")
SECTORS = ("paris-centre",) + tuple(f"paris-{n}" for n in range(5, 21))
THEMES = ("Attractivité et emploi", "Cadre de vie", "Culture et patrimoine", "Education et jeunesse", "Environnement",
          "Mobilités", "Prévention et sécurité", "Propreté", "Santé", "Solidarités", "Sport")
SCALES, CERTIFICATION = ("paris", "arrondissement"), ("declared", "verified")
IMPLEMENTATION_STATUSES = ("etudes_conception", "lancement_procedures", "realisation_travaux", "en_cours_livraison",
                           "realise", "non_realisable")
FOLLOW_KINDS = ("favorite", "associate")
ID_DOCUMENT_KINDS = ("cni", "passeport", "titre_sejour", "permis", "carte_electorale")
DIRECTION = validate.Regexp(r"^[A-Z]{2,8}$", error="Code de direction attendu (p. ex. DEVE).")
SORTS = ("position", "random", "title", "-title", "cost", "-cost", "votes", "-votes", "relevance")
MONEY = validate.Range(min=0, max=100_000_000_000)
BodyInteger = partial(fields.Integer, strict=True)  # a JSON number in a body, never "12" nor true
# The budget service's limits (budget.domain), on the texts as sent; it checks them again once trimmed
TITLE, CYCLE_TITLE = validate.Length(min=5, max=150), validate.Length(min=5, max=150)
REASON, OPTIONAL_REASON = validate.Length(min=5, max=2000), validate.Length(max=2000)
THEME, SECTOR = validate.OneOf(THEMES), validate.OneOf(SECTORS)
DESCRIPTION, BALLOT_LIST = validate.Length(min=20, max=5000), validate.Length(max=50)
PATH = {"kind": fields.String(validate=validate.OneOf(FOLLOW_KINDS)),  # in URLs, as budget.schemas takes them
        "receipt": fields.String(validate=validate.Regexp(r"^\s*[0-9a-fA-F]{24}\s*$"))}


class EligibilitySchema(Schema):
    email_verified = fields.Boolean(load_default=True, metadata={"description": "Adresse e-mail vérifiée exigée"})
    lives_in_paris = fields.Boolean(load_default=True, metadata={"description": "Habiter à Paris"})
    min_age = BodyInteger(load_default=None, allow_none=True, validate=validate.Range(min=1, max=120),
                             metadata={"description": "Âge minimal à la date du vote (`vote_day`)"})
    certification = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CERTIFICATION),
                                  metadata={"description": "Niveau de certification du compte exigé"})


class CycleCreateSchema(Schema):
    title = fields.String(required=True, validate=CYCLE_TITLE,
                          metadata={"description": "P. ex. « Budget participatif 2026 »"})
    paris_envelope = BodyInteger(required=True, validate=MONEY, metadata={"description": "Euros, tout Paris"})
    sector_envelopes = fields.Dict(keys=fields.String(validate=SECTOR),
                                   values=BodyInteger(validate=MONEY), load_default=dict,
                                   metadata={"description": "Euros par secteur (paris-centre, paris-5 … paris-20)"})
    max_choices = BodyInteger(load_default=4, validate=validate.Range(min=1, max=20),
                                 metadata={"description": "N : projets au plus par échelle sur un bulletin"})
    eligibility = fields.Nested(EligibilitySchema, load_default=dict)
    vote_day = fields.Date(load_default=None, allow_none=True)


class AdvanceSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES),
                          metadata={"description": "L'étape suivante (une seule à la fois)"})


class ProjectSubmitSchema(Schema):
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(required=True, validate=THEME, metadata={"description": "Thématique de /budget/reference"})
    scale = fields.String(required=True, validate=validate.OneOf(SCALES))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR,
                           metadata={"description": "Pour un projet d'arrondissement"})
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=250))
    origin_idea_id = fields.UUID(load_default=None, allow_none=True)
    estimated_cost = BodyInteger(load_default=None, allow_none=True, validate=MONEY)


class ProjectListQuerySchema(Schema):
    edition = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                             metadata={"description": "Année de l'édition (toutes les éditions sans cycle)"})
    scale = fields.String(load_default=None, validate=validate.OneOf(SCALES))
    sector = fields.String(load_default=None, validate=SECTOR)
    arrondissement = fields.Integer(load_default=None, validate=validate.Range(min=1, max=20))
    theme = fields.String(load_default=None, validate=validate.Length(max=120))
    status = fields.String(load_default=None, validate=validate.Length(max=32),
                           metadata={"description": "Statut du projet ou de sa réalisation (etudes_conception ...)"})
    selected = fields.Boolean(load_default=None)
    query = fields.String(load_default=None, validate=validate.Length(max=100),
                          metadata={"description": "Mots du titre, de la description ou de l'adresse, « expression »"})
    sort = fields.String(load_default="position", validate=validate.OneOf(SORTS), metadata={
        "description": "position, random (seed), title, cost, votes (- : décroissant), relevance (défaut avec query)"})
    seed = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = offset_field()


class StudySchema(Schema):
    admissible = fields.Boolean(required=True)
    admissibility_reason = fields.String(required=True, validate=REASON,
                                         metadata={"description": "Raison publique"})
    feasible = fields.Boolean(load_default=None, allow_none=True)
    feasibility_reason = fields.String(load_default=None, allow_none=True, validate=OPTIONAL_REASON)
    cost = BodyInteger(load_default=None, allow_none=True, validate=MONEY,
                          metadata={"description": "Coût estimé par la Ville, en euros (projet réalisable)"})


class MergeSchema(Schema):
    project_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=2, max=20),
                              metadata={"description": "Les projets sources (recevables), dans l'ordre de la filiation"})
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(load_default=None, allow_none=True, validate=THEME)
    scale = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SCALES))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=250))
    cost = BodyInteger(load_default=None, allow_none=True, validate=MONEY,
                          metadata={"description": "Coût Ville, euros (par défaut la somme des coûts des sources)"})
    direction = fields.String(load_default=None, allow_none=True, validate=DIRECTION)


class MergeAnswerSchema(Schema):
    accept = fields.Boolean(required=True, metadata={"description": "Accepter de porter le projet co-construit"})


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(IMPLEMENTATION_STATUSES))
    justification = fields.String(required=True, validate=REASON,
                                  metadata={"description": "Publique ; la raison pour « non réalisable »"})
    effective_date = fields.Date(required=True, metadata={"description": "Date d'effet (pas dans le futur)"})


class DraftConfirmSchema(Schema):
    """Le brouillon (idée orientée vers le budget participatif), complété par son porteur."""
    title = fields.String(required=True, validate=TITLE)
    description = fields.String(required=True, validate=DESCRIPTION)
    theme = fields.String(required=True, validate=THEME)
    scale = fields.String(required=True, validate=validate.OneOf(SCALES))
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=250))
    estimated_cost = BodyInteger(load_default=None, allow_none=True, validate=MONEY)


class PaperBallotSchema(Schema):
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    birth_date = fields.Date(required=True)
    postcode = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{5}\s*$"))
    id_document_kind = fields.String(required=True, validate=validate.OneOf(ID_DOCUMENT_KINDS))
    id_document_last4 = fields.String(required=True, validate=validate.Regexp(r"^\s*[0-9A-Za-z]{4}\s*$"),
                                      metadata={"description": "Contrôlés, jamais conservés"})
    account_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                                 metadata={"description": "Le compte de la personne, si elle en a un (le vote en "
                                                          "ligne l'emporte)"})
    ballot_box = fields.String(required=True, validate=validate.Length(min=1, max=120),
                               metadata={"description": "L'urne mobile (lieu, jour)"})
    paris_projects = fields.List(fields.UUID(), load_default=list, validate=BALLOT_LIST)
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR)
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=BALLOT_LIST)


class ExportQuerySchema(Schema):
    cycle_id = fields.UUID(load_default=None, metadata={"description": "Un cycle (tous sans)"})


class SelectSchema(Schema):
    selected = fields.Boolean(load_default=True)


class BallotSchema(Schema):
    paris_projects = fields.List(fields.UUID(), load_default=list, validate=BALLOT_LIST,
                                 metadata={"description": "Projets à l'échelle de tout Paris (N au plus)"})
    sector = fields.String(load_default=None, allow_none=True, validate=SECTOR,
                           metadata={"description": "Le secteur choisi pour les projets locaux"})
    sector_projects = fields.List(fields.UUID(), load_default=list, validate=BALLOT_LIST,
                                  metadata={"description": "Projets du secteur choisi (N au plus)"})


class PabulibImportSchema(Schema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=250_000),
                            metadata={"description": "Le texte du fichier .pb (sections META, PROJECTS, VOTES)"})
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=150))
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=150))


# --- responses (documentation) ----------------------------------------------------------------------

class CycleSchema(Schema):
    id = fields.String()
    title = fields.String()
    edition = fields.Integer(allow_none=True)
    stage = fields.String()
    stage_label = fields.String()
    next_stage = fields.String(allow_none=True)
    paris_envelope = fields.Integer()
    sector_envelopes = fields.Dict(keys=fields.String(), values=fields.Integer())
    total_envelope = fields.Integer()
    max_choices = fields.Integer()
    eligibility = fields.Dict()
    vote_day = WireDate(allow_none=True)
    source = fields.String(allow_none=True)
    ballots_count = fields.Integer(allow_none=True)
    created_at = WireDateTime()
    vote_closed_at = WireDateTime(allow_none=True)
    projects_count = fields.Integer(metadata={"description": "Projets listés du cycle (ni brouillons ni sources "
                                                             "fusionnées)"})


class LineageSchema(Schema):
    project_id = fields.String()
    title = fields.String()
    position = fields.Integer()


class TimelineEntrySchema(Schema):
    status = fields.String()
    status_label = fields.String()
    justification = fields.String()
    effective_date = WireDate(allow_none=True)
    recorded_at = WireDateTime()
    source = fields.String(metadata={"description": "agent ou import (données ouvertes)"})


class ViewerStateSchema(Schema):
    carrier = fields.Boolean()
    favorite = fields.Boolean()
    associate = fields.Boolean()
    merge_invitation = fields.String(allow_none=True, metadata={"description": "pending, accepted, refused"})


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
    votes = fields.Integer(allow_none=True, metadata={"description": "Après la publication des résultats"})
    won = fields.Boolean(allow_none=True)
    carriers_count = fields.Integer()
    carried_by_me = fields.Boolean()
    sector_label = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    direction = fields.String(allow_none=True)
    direction_label = fields.String(allow_none=True)
    popular_district = fields.Boolean(allow_none=True)
    status_label = fields.String()
    draft = fields.Boolean()
    votes_online = fields.Integer(allow_none=True)
    votes_paper = fields.Integer(allow_none=True)
    implementation_status = fields.String(allow_none=True)
    implementation_status_label = fields.String(allow_none=True)
    merged_into = fields.String(allow_none=True)
    merged_into_title = fields.String(allow_none=True)
    lineage = fields.List(fields.Nested(LineageSchema), metadata={"description": "« Élaboré à partir de ... »"})
    pending_invitations = fields.Integer()
    favorites_count = fields.Integer()
    associates_count = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineEntrySchema), metadata={"description": "Calendrier du projet"})
    viewer = fields.Nested(ViewerStateSchema, allow_none=True)
    submitted_at = WireDateTime()


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectSchema))
    total = fields.Integer()
    by_arrondissement = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_sector = fields.Dict(keys=fields.String(), values=fields.Integer())


class MyProjectsSchema(Schema):
    carried = fields.List(fields.Nested(ProjectSchema))
    favorites = fields.List(fields.Nested(ProjectSchema))
    associated = fields.List(fields.Nested(ProjectSchema))
    invitations = fields.List(fields.Nested(ProjectSchema))


class FollowStateSchema(Schema):
    project_id = fields.String()
    kind = fields.String()
    following = fields.Boolean()
    favorites_count = fields.Integer()
    associates_count = fields.Integer()


class PaperBallotReceiptSchema(Schema):
    cycle_id = fields.String()
    receipt = fields.String()
    counted = fields.Boolean()
    status = fields.String(metadata={"description": "counted, ou superseded_by_online (le vote en ligne l'emporte)"})
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    ballot_box = fields.String()
    cast_at = WireDateTime()


class BallotReceiptSchema(Schema):
    cycle_id = fields.String()
    receipt = fields.String(metadata={"description": "Montré une seule fois : seule son empreinte est conservée"})
    replaced = fields.Boolean(metadata={"description": "Ce bulletin remplace le précédent"})
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    cast_at = WireDateTime()


class MyBallotSchema(Schema):
    cycle_id = fields.String()
    paris_projects = fields.List(fields.String())
    sector = fields.String(allow_none=True)
    sector_projects = fields.List(fields.String())
    cast_at = WireDateTime()
    changes = fields.Integer()


class ReceiptCheckSchema(Schema):
    cycle_id = fields.String()
    counted = fields.Boolean()
    status = fields.String(metadata={"description": "recorded (vote en cours), counted (dépouillé), replaced, "
                                                    "superseded_by_online (papier, le vote en ligne l'emporte)"})


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
    ballots_count = fields.Integer()
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
    scope = fields.String(metadata={"description": "paris ou un code de secteur"})
    label = fields.String()
    envelope = fields.Integer()
    used = fields.Integer()
    projects = fields.List(fields.Nested(ResultProjectSchema))


class ResultsSchema(Schema):
    cycle_id = fields.String()
    title = fields.String()
    ballots_count = fields.Integer(allow_none=True)
    ballots_online = fields.Integer(allow_none=True)
    ballots_paper = fields.Integer(allow_none=True)
    envelope_used = fields.Integer()
    tie_break = fields.String()
    scopes = fields.List(fields.Nested(ScopeResultSchema))


class CodeLabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class SectorSchema(CodeLabelSchema):
    insee = fields.String(metadata={"description": "Code INSEE de l'arrondissement (75123 : Paris Centre)"})


class ImplementationStatusSchema(CodeLabelSchema):
    settable = fields.Boolean(metadata={"description": "Un agent peut le donner (les autres viennent de l'import)"})


class ReferenceSchema(Schema):
    stages, scales, project_statuses, eligibility_rules, follow_kinds, directions, id_document_kinds, channels = (
        fields.List(fields.Nested(CodeLabelSchema)) for _ in range(8))
    themes = fields.List(fields.String())
    sectors = fields.List(fields.Nested(SectorSchema))
    implementation_statuses = fields.List(fields.Nested(ImplementationStatusSchema))
    default_max_choices = fields.Integer()

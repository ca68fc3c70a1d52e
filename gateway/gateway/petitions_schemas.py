"""The public HTTP contract of /api/v1/petitions (validated at the edge, documented in OpenAPI).

Requests are loaded and responses dumped through these schemas (gateway.openapi.endpoint): the document cannot
say other than what is sent. tests/contract/test_wire_schemas.py keeps them equal to the petitions service's.
"""
from functools import partial

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .schemas import BIG_ROW_ID, WireDate, WireDateTime, offset_field

STATUS_GROUPS = ("open", "threshold_reached", "answered", "closed", "rejected")
REJECTION_CODES = ("duplicate", "not_city_competence", "offensive", "advertising", "personal_data", "other")
DECISIONS = ("accepted", "partially_accepted", "refused", "under_study")
ELIGIBILITY = ("paris_residents", "live_work_study")
ARRONDISSEMENT = validate.Range(min=1, max=20)
BodyInteger = partial(fields.Integer, strict=True)  # a JSON number in a body, never "12" nor true
# The petitions service's limits (petitions.domain), counted on the text as sent: the service trims it too
TITLE, ASKS, BACKGROUND = (validate.Length(min=10, max=150), validate.Length(min=20, max=3000),
                           validate.Length(min=20, max=5000))
PATH = {"token": fields.String(validate=validate.Length(min=16, max=64))}  # a sponsorship link's (petitions.schemas)


class DraftSchema(Schema):
    title = fields.String(required=True, validate=TITLE, metadata={"description": "10 à 150 caractères"})
    asks = fields.String(required=True, validate=ASKS,
                         metadata={"description": "Ce que demande la pétition : 20 à 3 000 caractères"})
    background = fields.String(required=True, validate=BACKGROUND,
                               metadata={"description": "Contexte : 20 à 5 000 caractères"})
    arrondissement = BodyInteger(load_default=None, allow_none=True, validate=ARRONDISSEMENT,
                                    metadata={"description": "1 à 20, ou null pour tout Paris"})


class DraftUpdateSchema(Schema):
    title = fields.String(validate=TITLE)
    asks = fields.String(validate=ASKS)
    background = fields.String(validate=BACKGROUND)
    arrondissement = BodyInteger(allow_none=True, validate=ARRONDISSEMENT)


class ConnectionSchema(Schema):
    lives = fields.Boolean(load_default=False, metadata={"description": "J'habite à Paris"})
    works = fields.Boolean(load_default=False, metadata={"description": "Je travaille à Paris"})
    studies = fields.Boolean(load_default=False, metadata={"description": "J'étudie à Paris"})


class SignSchema(Schema):
    connection = fields.Nested(ConnectionSchema, load_default=dict,
                               metadata={"description": "Pour les pétitions ouvertes aux personnes qui habitent, "
                                                        "travaillent ou étudient à Paris : au moins une case"})
    notify = fields.Boolean(load_default=False,
                            metadata={"description": "Être prévenu·e par e-mail au seuil, au Conseil et à la réponse"})


class PublishSchema(Schema):
    threshold = BodyInteger(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10_000_000),
                               metadata={"description": "Administrateurs seulement : un autre seuil que celui de "
                                                        "la Ville"})
    eligibility = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ELIGIBILITY))


class RejectSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(REJECTION_CODES))
    reason = fields.String(required=True, validate=validate.Length(min=10, max=2000),
                           metadata={"description": "Motif public, 10 à 2 000 caractères"})
    hidden = fields.Boolean(load_default=False, metadata={"description": "Masquer le texte pour raisons légales"})


class CouncilPlacementSchema(Schema):
    session_date = fields.Date(required=True, metadata={"example": "2026-06-09"})
    agenda_url = fields.String(required=True, validate=[validate.Length(max=500),
                                                        validate.URL(schemes={"http", "https"})])


class ResponseSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    response = fields.String(required=True, validate=validate.Length(min=20, max=10_000))


class TrendsQuerySchema(Schema):
    hours = fields.Integer(load_default=24, validate=validate.Range(min=1, max=720),
                           metadata={"description": "Fenêtre récente, en heures (1 à 720)"})


class InvalidationSchema(Schema):
    ip = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=45),
                       metadata={"description": "Invalider toutes les signatures valides de cette adresse"})
    email_domain = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=254),
                                 metadata={"description": "Ou : toutes les signatures valides des comptes dont "
                                                          "l'e-mail est à ce domaine (ex. « yopmail.com »), "
                                                          "signées dans la fenêtre `hours`"})
    hours = BodyInteger(load_default=24, validate=validate.Range(min=1, max=720),
                           metadata={"description": "Fenêtre de l'invalidation par domaine, en heures (1 à 720)"})
    signature_ids = fields.List(BodyInteger(validate=BIG_ROW_ID), load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=1000),
                                metadata={"description": "Ou : les identifiants des signatures à invalider"})
    reason = fields.String(required=True, validate=validate.Length(min=10, max=300),
                           metadata={"description": "Motif public, 10 à 300 caractères, sans e-mail ni adresse IP"})

    @validates_schema
    def one_criterion(self, data, **kwargs):
        if sum(bool(data.get(key)) for key in ("ip", "email_domain", "signature_ids")) != 1:
            raise ValidationError("Indiquez soit une adresse IP, soit un domaine d'e-mail, soit une liste de "
                                  "signatures.", "_schema")


class ListQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(STATUS_GROUPS))
    query = fields.String(load_default="", validate=validate.Length(max=100))
    arrondissement = fields.Integer(load_default=None, validate=ARRONDISSEMENT)
    sort = fields.String(load_default="recent", validate=validate.OneOf(["recent", "popular"]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = offset_field()


# --- responses (documentation) ---------------------------------------------------------------------

class CouncilSchema(Schema):
    session_date = WireDate()
    agenda_url = fields.String()
    scheduled_at = WireDateTime()


class AnswerSchema(Schema):
    decision = fields.String()
    decision_label = fields.String()
    response = fields.String()
    answered_at = WireDateTime()


class RejectionSchema(Schema):
    code = fields.String()
    label = fields.String()
    reason = fields.String()
    hidden = fields.Boolean()


class PetitionSummarySchema(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "draft, submitted, open, rejected, threshold_reached, "
                                                    "scheduled_for_council, answered, closed"})
    status_label = fields.String()
    title = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    author_pseudonym = fields.String()
    signatures_count = fields.Integer()
    threshold = fields.Integer(allow_none=True)
    progress_percent = fields.Integer()
    created_at = WireDateTime()
    submitted_at = WireDateTime(allow_none=True)
    opened_at = WireDateTime(allow_none=True)
    closes_at = WireDateTime(allow_none=True)
    moderation_due_at = WireDateTime(allow_none=True)
    overdue = fields.Boolean()
    sponsors_count = fields.Integer()
    sponsors_required = fields.Integer()
    hidden = fields.Boolean()
    council = fields.Nested(CouncilSchema, allow_none=True)
    answer = fields.Nested(AnswerSchema, allow_none=True)
    rejection = fields.Nested(RejectionSchema, allow_none=True)


class ArrondissementCountSchema(Schema):
    arrondissement = fields.Integer(allow_none=True, metadata={"description": "null : arrondissement inconnu"})
    signatures = fields.Integer()


class ViewerSchema(Schema):
    is_author = fields.Boolean()
    signed = fields.Boolean()
    sponsored = fields.Boolean()
    can_moderate = fields.Boolean()
    can_administer = fields.Boolean()


class PetitionSchema(PetitionSummarySchema):
    asks = fields.String()
    background = fields.String()
    eligibility = fields.String(allow_none=True)
    eligibility_label = fields.String(allow_none=True)
    threshold_reached_at = WireDateTime(allow_none=True)
    updated_at = WireDateTime()
    closed_at = WireDateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    signable = fields.Boolean()
    by_arrondissement = fields.List(fields.Nested(ArrondissementCountSchema))
    invalidations = fields.List(fields.Nested(lambda: InvalidationPublicSchema()),
                                metadata={"description": "Signatures invalidées par la modération : nombre, motif"})
    sponsor_token = fields.String(allow_none=True, metadata={"description": "Pour l'auteur d'un brouillon : le "
                                                                            "jeton du lien de parrainage"})
    viewer = fields.Nested(ViewerSchema, allow_none=True)
    origin_idea_id = fields.String(allow_none=True, metadata={"description": "L'idée dont la pétition est née"})


class PetitionPageSchema(Schema):
    items = fields.List(fields.Nested(PetitionSummarySchema))
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Nombre de pétitions par onglet"})


class MyPetitionsSchema(Schema):
    authored = fields.List(fields.Nested(PetitionSummarySchema))
    sponsored = fields.List(fields.Nested(PetitionSummarySchema))
    signed = fields.List(fields.Nested(PetitionSummarySchema))


class ModerationQueueSchema(Schema):
    items = fields.List(fields.Nested(PetitionSchema))
    overdue_count = fields.Integer()


class CouncilAgendaSchema(Schema):
    awaiting_placement = fields.List(fields.Nested(PetitionSummarySchema))
    scheduled = fields.List(fields.Nested(PetitionSummarySchema))
    answered = fields.List(fields.Nested(PetitionSummarySchema))


class SignatureResultSchema(Schema):
    petition_id = fields.String()
    signed = fields.Boolean()
    signatures_count = fields.Integer()
    threshold = fields.Integer()
    progress_percent = fields.Integer()
    status = fields.String()


class SponsorshipSchema(Schema):
    petition_id = fields.String()
    sponsored = fields.Boolean()
    sponsors_count = fields.Integer()
    sponsors_required = fields.Integer()


class InvalidationPublicSchema(Schema):
    count = fields.Integer()
    reason = fields.String()
    at = WireDateTime()


class IpTrendSchema(Schema):
    ip = fields.String()
    signatures = fields.Integer()
    invalidated = fields.Integer()
    first_at = WireDateTime()
    last_at = WireDateTime()


class DomainTrendSchema(Schema):
    domain = fields.String(metadata={"description": "Domaine de l'adresse e-mail des signataires (jamais l'adresse)"})
    signatures = fields.Integer()
    share_percent = fields.Float(metadata={"description": "Part des signatures examinées de la fenêtre"})
    invalidated = fields.Integer()
    first_at = WireDateTime()
    last_at = WireDateTime()
    new_accounts = fields.Integer(metadata={"description": "Signatures de comptes créés moins de 2 jours avant"})
    disposable = fields.Boolean(metadata={"description": "Service d'adresses jetables connu"})


class RecentSignatureSchema(Schema):
    id = fields.Integer()
    client_ip = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    lives_in_paris = fields.Boolean()
    works_in_paris = fields.Boolean()
    studies_in_paris = fields.Boolean()
    created_at = WireDateTime()
    invalidated = fields.Boolean()


class DeclaredSchema(Schema):
    lives = fields.Integer()
    works = fields.Integer()
    studies = fields.Integer()


class SignatureTrendsSchema(Schema):
    petition_id = fields.String()
    title = fields.String()
    hours = fields.Integer()
    since = WireDateTime()
    signatures_count = fields.Integer()
    window_signatures = fields.Integer()
    ips = fields.List(fields.Nested(IpTrendSchema), metadata={"description": "Les 50 adresses qui signent le plus"})
    email_domains = fields.List(fields.Nested(DomainTrendSchema),
                                metadata={"description": "Les 50 domaines d'e-mail qui signent le plus"})
    domains_scanned = fields.Integer(metadata={"description": "Signatures dont le domaine a été examiné"})
    domains_truncated = fields.Boolean(metadata={"description": "Vrai si la fenêtre avait plus de 10 000 "
                                                                "signatures (seules les plus récentes sont examinées)"})
    domains_unavailable = fields.Boolean(metadata={"description": "Vrai si le service des comptes n'a pas répondu : "
                                                                  "la vue est donnée sans les domaines"})
    by_arrondissement = fields.List(fields.Nested(ArrondissementCountSchema))
    declared = fields.Nested(DeclaredSchema)
    latest = fields.List(fields.Nested(RecentSignatureSchema), metadata={"description": "Les 200 dernières signatures"})
    invalidations = fields.List(fields.Nested(InvalidationPublicSchema))


class InvalidationResultSchema(Schema):
    petition_id = fields.String()
    invalidated = fields.Integer()
    signatures_count = fields.Integer()
    threshold = fields.Integer(allow_none=True)
    status = fields.String()


class CodeLabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class CitySettingsSchema(Schema):
    sponsors_required = fields.Integer(metadata={"description": "Co-parrains nécessaires pour soumettre"})
    threshold = fields.Integer(metadata={"description": "Signatures pour être inscrite au Conseil de Paris"})
    eligibility = fields.String(metadata={"description": "Qui peut signer, par défaut"})
    open_months = fields.Integer(metadata={"description": "Durée de la collecte, en mois"})
    moderation_days = fields.Integer(metadata={"description": "Délai de modération, en jours"})


class ReferenceSchema(Schema):
    statuses, rejection_codes, decisions, eligibility = (fields.List(fields.Nested(CodeLabelSchema)) for _ in range(4))
    settings = fields.Nested(CitySettingsSchema)

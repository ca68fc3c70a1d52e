"""What crosses the wire to and from the petitions service (similar content: `suggestions`)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from hubkit.idempotency import key_field, valid_key
from hubkit.validation import load, loaded_uuid

from .suggestions import SimilarContentItemSchema, SimilarContentQuerySchema, SimilarContentSchema  # noqa: F401

from ..domain import (ASKS_MAX, ASKS_MIN, BACKGROUND_MAX, BACKGROUND_MIN, DECISIONS, ELIGIBILITY, INVALIDATION_IDS_MAX,
                     INVALIDATION_REASON_MAX, INVALIDATION_REASON_MIN, LIST_GROUPS, REASON_MAX, REJECTION_CODES,
                     RESPONSE_MAX, THRESHOLD_MAX, TITLE_MAX, TITLE_MIN,
                     TRENDS_HOURS_DEFAULT, TRENDS_HOURS_MAX)

# The domain's limits on the text as sent (the OpenAPI of the gateway shows the same): the domain checks them
# again once the text is trimmed.
TITLE = validate.Length(min=TITLE_MIN, max=TITLE_MAX)
ASKS, BACKGROUND = validate.Length(min=ASKS_MIN, max=ASKS_MAX), validate.Length(min=BACKGROUND_MIN, max=BACKGROUND_MAX)
REASON_MIN, RESPONSE_MIN = 10, 20  # domain.check_reason, domain.check_response
ROLE_MAX, ROLES_MAX = 32, 10  # characters of a role, roles of an actor
IP_MAX, USER_AGENT_MAX = 45, 300


class ActorSchema(Schema):
    """Who acts, as the gateway asserts it from the session (accounts remains the authority on roles)."""
    account_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.Length(max=ROLE_MAX)), load_default=list,
                        validate=validate.Length(max=ROLES_MAX))


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class PetitionIdSchema(Schema):
    petition_id = fields.UUID(required=True)


class ClientSchema(Schema):
    ip = fields.String(load_default="", validate=validate.Length(max=IP_MAX))
    user_agent = fields.String(load_default="", validate=validate.Length(max=USER_AGENT_MAX))


class DraftSchema(Schema):
    title = fields.String(required=True, validate=TITLE)
    asks = fields.String(required=True, validate=ASKS)
    background = fields.String(required=True, validate=BACKGROUND)
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))


class DraftUpdateSchema(Schema):
    petition_id = fields.UUID(required=True)
    title = fields.String(validate=TITLE)
    asks = fields.String(validate=ASKS)
    background = fields.String(validate=BACKGROUND)
    arrondissement = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=20))


class SponsorTokenSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=64))


class ConnectionSchema(Schema):
    """What a signer declares: they live, work or study in Paris (at least one, for such petitions)."""
    lives = fields.Boolean(load_default=False)
    works = fields.Boolean(load_default=False)
    studies = fields.Boolean(load_default=False)


class SignSchema(Schema):
    petition_id = fields.UUID(required=True)
    connection = fields.Nested(ConnectionSchema, load_default=dict)
    notify = fields.Boolean(load_default=False)
    client = fields.Nested(ClientSchema, load_default=dict)
    idempotency_key = key_field()  # the same key again: the first answer, nothing signed twice (hubkit.idempotency)


class SignItemSchema(SignSchema):
    """One signature of a `sign_petitions` batch: the signer, as the gateway asserts it, and the command."""
    actor = fields.Nested(ActorSchema, required=True)


SIGN_ITEM = SignItemSchema()  # one instance for every item (building a schema deep-copies its fields)
_SIGN_ITEM_KEYS = frozenset(SIGN_ITEM.fields)
_ACTOR_KEYS, _CLIENT_KEYS = frozenset(ActorSchema._declared_fields), frozenset(ClientSchema._declared_fields)
_CONNECTION_KEYS = tuple(ConnectionSchema._declared_fields)  # lives, works, studies
_CONNECTION_KEY_SET = frozenset(_CONNECTION_KEYS)


def load_sign_item(payload) -> dict:
    """`load(SIGN_ITEM, payload)`, with a short way for the payload the gateway sends (plain JSON types, nothing
    unknown, every bound respected): a signing rush validates thousands of them a second. Anything else,
    valid or not, goes through the schema, which gives the answer and the field messages."""
    loaded = _plain_sign_item(payload)
    return loaded if loaded is not None else load(SIGN_ITEM, payload)


def _plain_sign_item(payload) -> dict | None:
    """What the schema would load from `payload`, or None when that needs the schema itself."""
    if type(payload) is not dict or not payload.keys() <= _SIGN_ITEM_KEYS:
        return None
    actor, petition_id = payload.get("actor"), loaded_uuid(payload.get("petition_id"))
    if type(actor) is not dict or petition_id is None or not actor.keys() <= _ACTOR_KEYS:
        return None
    account_id, roles = loaded_uuid(actor.get("account_id")), actor.get("roles", [])
    if account_id is None or type(roles) is not list or len(roles) > ROLES_MAX or \
            not all(type(role) is str and len(role) <= ROLE_MAX for role in roles):
        return None
    connection, client = payload.get("connection"), payload.get("client")
    notify = payload.get("notify", False)
    if type(notify) is not bool:
        return None
    if connection is None and "connection" not in payload:
        connection = {}
    elif type(connection) is dict and connection.keys() <= _CONNECTION_KEY_SET and \
            all(type(value) is bool for value in connection.values()):
        connection = {key: connection.get(key, False) for key in _CONNECTION_KEYS}
    else:
        return None
    if client is None and "client" not in payload:
        client = {}
    elif type(client) is dict and client.keys() <= _CLIENT_KEYS:
        ip, user_agent = client.get("ip", ""), client.get("user_agent", "")
        if type(ip) is not str or len(ip) > IP_MAX or type(user_agent) is not str or \
                len(user_agent) > USER_AGENT_MAX:
            return None
        client = {"ip": ip, "user_agent": user_agent}
    else:
        return None
    key = payload.get("idempotency_key")
    if not (key is None or valid_key(key)):
        return None
    return {"petition_id": petition_id, "connection": connection, "notify": notify, "client": client,
            "actor": {"account_id": account_id, "roles": list(roles)}, "idempotency_key": key}


class PublishSchema(Schema):
    petition_id = fields.UUID(required=True)
    threshold = fields.Integer(load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=THRESHOLD_MAX))
    eligibility = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(ELIGIBILITY)))


class RejectSchema(Schema):
    petition_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.OneOf(list(REJECTION_CODES)))
    reason = fields.String(required=True, validate=validate.Length(min=REASON_MIN, max=REASON_MAX))
    hidden = fields.Boolean(load_default=False)


class CouncilPlacementSchema(Schema):
    petition_id = fields.UUID(required=True)
    session_date = fields.Date(required=True)
    agenda_url = fields.String(required=True, validate=[
        validate.Length(max=500), validate.URL(schemes={"http", "https"}, error="Adresse web (https://…) attendue.")])


class ResponseSchema(Schema):
    petition_id = fields.UUID(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    response = fields.String(required=True, validate=validate.Length(min=RESPONSE_MIN, max=RESPONSE_MAX))


class TrendsQuerySchema(Schema):
    petition_id = fields.UUID(required=True)
    hours = fields.Integer(load_default=TRENDS_HOURS_DEFAULT, validate=validate.Range(min=1, max=TRENDS_HOURS_MAX))


class InvalidationSchema(Schema):
    """Invalidate the signatures of one client address, of one e-mail domain (signed within the last `hours`),
    or a list of signatures by id: exactly one of the three."""
    petition_id = fields.UUID(required=True)
    ip = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=45))
    email_domain = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=254))
    hours = fields.Integer(load_default=TRENDS_HOURS_DEFAULT, validate=validate.Range(min=1, max=TRENDS_HOURS_MAX))
    signature_ids = fields.List(fields.Integer(validate=validate.Range(min=1)), load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=INVALIDATION_IDS_MAX))
    reason = fields.String(required=True, validate=validate.Length(min=INVALIDATION_REASON_MIN,
                                                                                 max=INVALIDATION_REASON_MAX))

    @validates_schema
    def one_criterion(self, data, **kwargs):
        if sum(bool(data.get(key)) for key in ("ip", "email_domain", "signature_ids")) != 1:
            raise ValidationError("Indiquez soit une adresse IP, soit un domaine d'e-mail, soit une liste de "
                                  "signatures.", "_schema")


class ListQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(list(LIST_GROUPS)))
    query = fields.String(load_default="", validate=validate.Length(max=100))
    arrondissement = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=20))
    sort = fields.String(load_default="recent", validate=validate.OneOf(["recent", "popular"]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# --- outputs -------------------------------------------------------------------------------

class CodeLabelSchema(Schema):
    code = fields.String()
    label = fields.String()


class RejectionSchema(Schema):
    code = fields.String()
    label = fields.String()
    reason = fields.String()
    hidden = fields.Boolean()


class CouncilSchema(Schema):
    session_date = fields.Date()
    agenda_url = fields.String()
    scheduled_at = fields.DateTime()


class AnswerSchema(Schema):
    decision = fields.String()
    decision_label = fields.String()
    response = fields.String()
    answered_at = fields.DateTime()


class ViewerSchema(Schema):
    """What the signed-in reader may do with this petition."""
    is_author = fields.Boolean()
    signed = fields.Boolean()
    sponsored = fields.Boolean()
    can_moderate = fields.Boolean()
    can_administer = fields.Boolean()


class ArrondissementCountSchema(Schema):
    arrondissement = fields.Integer(allow_none=True)
    signatures = fields.Integer()


class PetitionSummarySchema(Schema):
    id = fields.String()
    status = fields.String()
    status_label = fields.String()
    title = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    author_pseudonym = fields.String()
    signatures_count = fields.Integer()
    threshold = fields.Integer(allow_none=True)
    progress_percent = fields.Integer()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    moderation_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    sponsors_count = fields.Integer()
    sponsors_required = fields.Integer()
    hidden = fields.Boolean()
    council = fields.Nested(CouncilSchema, allow_none=True)
    answer = fields.Nested(AnswerSchema, allow_none=True)
    rejection = fields.Nested(RejectionSchema, allow_none=True)


class PetitionSchema(PetitionSummarySchema):
    asks = fields.String()
    background = fields.String()
    eligibility = fields.String(allow_none=True)
    eligibility_label = fields.String(allow_none=True)
    threshold_reached_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    signable = fields.Boolean()
    by_arrondissement = fields.List(fields.Nested(ArrondissementCountSchema))
    invalidations = fields.List(fields.Nested(lambda: InvalidationPublicSchema()))
    sponsor_token = fields.String(allow_none=True)
    origin_idea_id = fields.String(allow_none=True)
    viewer = fields.Nested(ViewerSchema, allow_none=True)


class PetitionPageSchema(Schema):
    items = fields.List(fields.Nested(PetitionSummarySchema))
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class MyPetitionsSchema(Schema):
    authored = fields.List(fields.Nested(PetitionSummarySchema))
    sponsored = fields.List(fields.Nested(PetitionSummarySchema))
    signed = fields.List(fields.Nested(PetitionSummarySchema))


class ModerationQueueSchema(Schema):
    items = fields.List(fields.Nested(PetitionSchema))
    overdue_count = fields.Integer()


class InvalidationPublicSchema(Schema):
    count = fields.Integer()
    reason = fields.String()
    at = fields.DateTime()


class IpTrendSchema(Schema):
    ip = fields.String()
    signatures = fields.Integer()
    invalidated = fields.Integer()
    first_at = fields.DateTime()
    last_at = fields.DateTime()


class DomainTrendSchema(Schema):
    domain = fields.String()
    signatures = fields.Integer()
    share_percent = fields.Float()
    invalidated = fields.Integer()
    first_at = fields.DateTime()
    last_at = fields.DateTime()
    new_accounts = fields.Integer()
    disposable = fields.Boolean()


class RecentSignatureSchema(Schema):
    id = fields.Integer()
    client_ip = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    lives_in_paris = fields.Boolean()
    works_in_paris = fields.Boolean()
    studies_in_paris = fields.Boolean()
    created_at = fields.DateTime()
    invalidated = fields.Boolean()


class DeclaredSchema(Schema):
    lives = fields.Integer()
    works = fields.Integer()
    studies = fields.Integer()


class SignatureTrendsSchema(Schema):
    petition_id = fields.String()
    title = fields.String()
    hours = fields.Integer()
    since = fields.DateTime()
    signatures_count = fields.Integer()
    window_signatures = fields.Integer()
    ips = fields.List(fields.Nested(IpTrendSchema))
    email_domains = fields.List(fields.Nested(DomainTrendSchema))
    domains_scanned = fields.Integer()
    domains_truncated = fields.Boolean()
    domains_unavailable = fields.Boolean()
    by_arrondissement = fields.List(fields.Nested(ArrondissementCountSchema))
    declared = fields.Nested(DeclaredSchema)
    latest = fields.List(fields.Nested(RecentSignatureSchema))
    invalidations = fields.List(fields.Nested(InvalidationPublicSchema))


class InvalidationResultSchema(Schema):
    petition_id = fields.String()
    invalidated = fields.Integer()
    signatures_count = fields.Integer()
    threshold = fields.Integer(allow_none=True)
    status = fields.String()


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

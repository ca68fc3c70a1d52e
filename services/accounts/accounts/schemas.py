"""What crosses the wire to and from the accounts service."""
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from hubkit.config import public_url
from .domain import DIRECTIONS, GRANTABLE_ROLES, PASSWORD_MAX, PSEUDONYM_MAX

# Mail servers do not all accept non-ASCII addresses (SMTPUTF8): refuse them up front, clearly.
EMAIL = [validate.Length(max=254), validate.Email(),
         validate.Regexp(r"^[\x21-\x7e]+\Z", error="Adresse e-mail sans accents ni espaces attendue.")]

# An absolute http(s) address written only with URI characters: it goes between < > in a mail header
UNSUBSCRIBE_URL = [validate.Length(max=500),
                   validate.URL(schemes={"http", "https"}, require_tld=False,
                                error="Adresse web (https://…) attendue."),
                   validate.Regexp(r"^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+\Z",
                                   error="Adresse web sans espaces, accents ni « < > \" »." )]


class ClientSchema(Schema):
    ip = fields.String(load_default="", validate=validate.Length(max=45))
    user_agent = fields.String(load_default="", validate=validate.Length(max=300))


class RegisterSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))
    pseudonym = fields.String(required=True, validate=validate.Length(max=PSEUDONYM_MAX))
    client = fields.Nested(ClientSchema, load_default=dict)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    session_kind = fields.String(load_default="browser", validate=validate.OneOf(["browser", "api"]))
    client = fields.Nested(ClientSchema, load_default=dict)


class TokenSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=200))


class EmailSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)
    client = fields.Nested(ClientSchema, load_default=dict)


class ResetPasswordSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=200))
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX))
    client = fields.Nested(ClientSchema, load_default=dict)


class ChangeEmailSchema(Schema):
    new_email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    client = fields.Nested(ClientSchema, load_default=dict)


class PasswordConfirmationSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    client = fields.Nested(ClientSchema, load_default=dict)


class ProfileUpdateSchema(Schema):
    pseudonym = fields.String(validate=validate.Length(max=PSEUDONYM_MAX))
    birth_date = fields.Date(allow_none=True)
    lives_in_paris = fields.Boolean()
    address_line = fields.String(allow_none=True, validate=validate.Length(max=200))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=5))


class ActorSchema(Schema):
    actor_id = fields.UUID(required=True)


class AccountIdSchema(Schema):
    account_id = fields.UUID(required=True)


class AccountIdsSchema(Schema):
    account_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))


class NotificationSchema(Schema):
    """A message another service sends to accounts it knows only by id (accounts holds the addresses).

    `event_id` and `purpose` (together) make it once only: the caller's event and what this message is for it
    (its handler, and which part of the recipients). A caller whose wait ran out retries the event, while its first
    call may have queued the e-mails already: the same `event_id` and `purpose` queue nothing the second time."""
    account_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=10_000))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=150))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    event_id = fields.UUID()
    purpose = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_.#-]{0,99}\Z",
                                                     error="Un objet de 1 à 100 caractères : a-z, 0-9, « _ . # - »."))
    # the one-click unsubscribe link (RFC 8058) the mail's List-Unsubscribe header and last line carry
    list_unsubscribe_url = fields.String(validate=UNSUBSCRIBE_URL)

    @validates("list_unsubscribe_url")
    def _unsubscribe_on_the_hub(self, url, **_kwargs):
        # a mail client POSTs to it on one click: only ever the hub itself, whatever a caller sends
        if not url.startswith(f"{public_url()}/"):
            raise ValidationError("Le lien de désabonnement doit mener au hub.")

    @validates_schema
    def _once_needs_both(self, data, **_kwargs):
        if ("event_id" in data) != ("purpose" in data):
            raise ValidationError("event_id et purpose vont ensemble.", field_name="purpose")


class EmailDomainSchema(Schema):
    """The domain of an account's e-mail address (never the address) and when the account was created."""
    account_id = fields.String()
    email_domain = fields.String()
    registered_at = fields.DateTime()


class PublicProfileSchema(Schema):
    """What other services may show of an account: its pseudonym (never the e-mail), and since when it exists."""
    account_id = fields.String()
    pseudonym = fields.String()
    registered_at = fields.DateTime()


class SessionIdSchema(Schema):
    session_id = fields.UUID(required=True)


class RoleChangeSchema(Schema):
    account_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE_ROLES))
    direction = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(DIRECTIONS)))


class AccountSearchSchema(Schema):
    query = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["citizen", *GRANTABLE_ROLES]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# --- outputs -------------------------------------------------------------------------------

class SectorSchema(Schema):
    code = fields.String()
    label = fields.String()
    insee = fields.String()


class CertificationSchema(Schema):
    level = fields.String()
    verified_at = fields.DateTime(allow_none=True)


class AccountSchema(Schema):
    id = fields.String()
    email = fields.String()
    email_verified = fields.Boolean()
    pending_email = fields.String(allow_none=True)
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    lives_in_paris = fields.Boolean(allow_none=True)
    address_line = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    sector = fields.Nested(SectorSchema, allow_none=True)
    certification = fields.Nested(CertificationSchema)
    created_at = fields.DateTime()


class AccountSummarySchema(Schema):
    """What an admin or agent sees in a list of accounts."""
    id = fields.String()
    pseudonym = fields.String()
    email = fields.String()
    email_verified = fields.Boolean()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    certification = fields.Nested(CertificationSchema)
    created_at = fields.DateTime()


class PrincipalSchema(Schema):
    """Who is behind a session token."""
    account_id = fields.String()
    session_id = fields.String()
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    expires_at = fields.DateTime()


class LoginResultSchema(Schema):
    token = fields.String()
    principal = fields.Nested(PrincipalSchema)


class SessionSchema(Schema):
    id = fields.String()
    kind = fields.String()
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    expires_at = fields.DateTime()
    current = fields.Boolean()


class EligibilityAttributesSchema(Schema):
    """What the budget's eligibility rules read: no address, no e-mail."""
    account_id = fields.String()
    lives_in_paris = fields.Boolean(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    sector = fields.Nested(SectorSchema, allow_none=True)
    birth_date = fields.Date(allow_none=True)
    certification = fields.String()
    email_verified = fields.Boolean()


def dump_eligibility_attributes(attributes: dict) -> dict:
    """`EligibilityAttributesSchema().dump(attributes)`, the same output without marshmallow's per-field work: every
    batch of ballots or signatures asks for hundreds of these (tests/test_schemas.py checks they agree)."""
    sector, birth_date = attributes["sector"], attributes["birth_date"]
    return {"account_id": _text(attributes["account_id"]), "lives_in_paris": _flag(attributes["lives_in_paris"]),
            "arrondissement": None if attributes["arrondissement"] is None else int(attributes["arrondissement"]),
            "sector": None if sector is None else {"code": _text(sector["code"]), "label": _text(sector["label"]),
                                                   "insee": _text(sector["insee"])},
            "birth_date": None if birth_date is None else birth_date.isoformat(),
            "certification": _text(attributes["certification"]), "email_verified": _flag(attributes["email_verified"])}


def dump_eligibility_attributes_many(many: list) -> list:
    """`EligibilityAttributesSchema(many=True).dump(many)` for the dicts `Accounts.eligibility_attributes_many`
    built, each dumped in place instead of built a second time: their values are already of the types the schema
    dumps (str, bool, int, the sector's str, None), but the birth date (tests/test_schemas.py and
    tests/test_handlers.py check they agree)."""
    for attributes in many:
        birth_date = attributes["birth_date"]
        if birth_date is not None:
            attributes["birth_date"] = birth_date.isoformat()
    return many


def _text(value):
    return None if value is None else str(value)


def _flag(value):
    return None if value is None else bool(value)

"""The public HTTP contract of /api/v1 (validated at the edge, documented in OpenAPI): the accounts schemas and
what every area shares (the wire's date-times, texts, e-mail addresses, bounds).

Services validate again on their side. tests/contract/test_wire_schemas.py keeps these schemas in step with the
services': a response the same field by field, a request the same or narrower, where the API states a rule the
service's domain checks after its schema (a password's length, a title's, a theme among the themes).
"""
import re
from datetime import date, datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

_ASCII_ADDRESS = re.compile(r"^[\x21-\x7e]+\Z")


class EmailShape(validate.Regexp):
    """The addresses marshmallow's Email (the service's rule) accepts, in ASCII: the pattern the OpenAPI shows.
    An address either of those refuses gets their message only (accents or spaces: the clearer one)."""
    _email = validate.Email()

    def __call__(self, value):
        if not _ASCII_ADDRESS.match(value or ""):
            return value
        try:
            self._email(value)
        except ValidationError:
            return value
        return super().__call__(value)


# Mail servers do not all accept non-ASCII addresses (SMTPUTF8): refuse them up front, clearly.
EMAIL = [validate.Length(max=254),
         EmailShape(r"^[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+(\.[A-Za-z0-9_!#$%&'*+/=?^`{|}~-]+)*"
                    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z",
                    error="Adresse e-mail invalide."),
         validate.Email(),
         validate.Regexp(_ASCII_ADDRESS.pattern, error="Adresse e-mail sans accents ni espaces attendue.")]
# 10 to 128 characters, 4 different ones at least (accounts also refuses a few common ones, and the e-mail or the
# pseudonym as a password)
PASSWORD = [validate.Length(min=10, max=128), validate.Regexp(
    r"^(?=[\s\S]*?([\s\S])[\s\S]*?(?!\1)([\s\S])[\s\S]*?(?!\1|\2)([\s\S])[\s\S]*?(?!\1|\2|\3)[\s\S])",
    error="Ce mot de passe est trop simple : au moins 4 caractères différents.")]
TOKEN = validate.Length(min=16, max=200)
ROLES = ("citizen", "agent", "moderator", "admin")
# The City's directions an agent can belong to (accounts.domain.DIRECTIONS: GET /api/v1/reference names them)
DIRECTIONS = ("DDCT", "DEVE", "DVD", "DU", "DPE", "DAC", "DASCO", "DJS", "DFPE", "DLH", "DAE", "DCPA", "DSOL",
              "DICOM", "DSIN")
# Letters, digits, spaces, dots, dashes and apostrophes, 3 to 40 (accounts collapses runs of spaces, and refuses
# the reserved ones: « admin », « Ville de Paris »…)
_NAME_CHARACTER = r"[\w.'’-]"
PSEUDONYM = [validate.Length(min=3, max=40), validate.Regexp(
    rf"^\s*(?:{_NAME_CHARACTER}\s*){{3,}}$|^\s*{_NAME_CHARACTER}\s+{_NAME_CHARACTER}\s*$",
    error="De 3 à 40 lettres, chiffres, espaces, points, tirets et apostrophes.")]
PARIS_POSTCODE = validate.Regexp(r"^\s*(750(0[1-9]|1[0-9]|20)|75116)\s*$",
                                 error="Code postal parisien attendu (75001 à 75020, ou 75116).")
# Comments and arguments are numbered rows; the ideas service reads their ids as 18 digits at most
CONTENT_ROW_ID = validate.Range(min=1, max=10**18 - 1)
# Far past any list of the hub, and far below the 64-bit integers of the databases (2**63 was a 500 there).
MAX_OFFSET = 1_000_000
# Numeric row ids within the databases' integers (32 or 64 bits): a larger one was a 500 there, not a 400
ROW_ID, BIG_ROW_ID = validate.Range(min=1, max=2**31 - 1), validate.Range(min=1, max=2**63 - 1)


class WireDateTime(fields.AwareDateTime):
    """A date-time of a response: the services send ISO text, the API always writes it with its offset.

    A value without one is UTC (the services' clocks and columns are UTC): the API never sends a naive time."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class WireDate(fields.Date):
    """A calendar date of a response, sent by the services as ISO text (or as a date)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return super()._serialize(value, attr, obj, **kwargs)


# The blanks str.strip() removes, spelt out: `\s` differs between Python and the OpenAPI's regular expressions
# (ECMA-262's has U+FEFF, not U+001C-U+001F nor U+0085): a text valid by the OpenAPI's pattern was refused here
# (Schemathesis found it). Spelt out, both read the pattern alike, and it is exactly the service's rule.
BLANK = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
NOT_BLANK = "[^" + BLANK[1:]


def stripped_text(maximum: int, minimum: int = 1, required: bool = True, description: str = None) -> fields.String:
    """A text the service strips of its blank margins before checking it is at least `minimum` long (and, if
    required, not blank): the same rule here, so the OpenAPI states it (minLength, and a pattern for the
    characters that are not margins). An optional text is null, or up to `maximum` characters."""
    metadata = {"description": description} if description else {}
    if not required:
        return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum),
                             metadata=metadata)
    inner = NOT_BLANK if minimum <= 1 else rf"{NOT_BLANK}[\s\S]{{{minimum - 2},}}{NOT_BLANK}"
    message = ("Ce champ ne peut pas être vide." if minimum <= 1
               else f"Au moins {minimum} caractères (hors espaces au début et à la fin).")
    return fields.String(required=True, metadata=metadata, validate=[
        validate.Length(min=minimum, max=maximum), validate.Regexp(rf"^{BLANK}*{inner}", error=message)])


def offset_field():
    """The `offset` of every paged API list: the same bounds and message everywhere."""
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True, metadata={"description": "Par champ : liste de messages."})


class StatusSchema(Schema):
    status = fields.String(required=True)
    message = fields.String()


class RegisterSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=PASSWORD,
                              metadata={"description": "10 à 128 caractères, dont 4 différents au moins"})
    pseudonym = fields.String(required=True, validate=PSEUDONYM)


class TokenSchema(Schema):
    token = fields.String(required=True, validate=TOKEN)


class EmailSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ResetPasswordSchema(Schema):
    token = fields.String(required=True, validate=TOKEN)
    password = fields.String(required=True, validate=PASSWORD)


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True, validate=PASSWORD)


class ChangeEmailSchema(Schema):
    new_email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PasswordConfirmationSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class ProfileUpdateSchema(Schema):
    pseudonym = fields.String(validate=PSEUDONYM)
    birth_date = fields.Date(allow_none=True, metadata={"example": "1990-05-14"})
    lives_in_paris = fields.Boolean()
    address_line = fields.String(allow_none=True, validate=validate.Length(max=200))
    postcode = fields.String(allow_none=True, validate=[validate.Length(max=5), PARIS_POSTCODE],
                             metadata={"description": "75001 à 75020, ou 75116 (16e)"})


class RoleGrantSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES[1:]))
    direction = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DIRECTIONS))


class AccountQuerySchema(Schema):
    query = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ROLES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = offset_field()


class SectorSchema(Schema):
    code = fields.String()
    label = fields.String()
    insee = fields.String()


class CertificationSchema(Schema):
    level = fields.String(metadata={"description": "declared (déclaré) ou verified (vérifié par un agent)"})
    verified_at = WireDateTime(allow_none=True)


class AccountSchema(Schema):
    id = fields.String()
    email = fields.String()
    email_verified = fields.Boolean()
    pending_email = fields.String(allow_none=True)
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    birth_date = WireDate(allow_none=True)
    lives_in_paris = fields.Boolean(allow_none=True)
    address_line = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    sector = fields.Nested(SectorSchema, allow_none=True)
    certification = fields.Nested(CertificationSchema)
    created_at = WireDateTime()


class AccountSummarySchema(Schema):
    """An account in the back office's search results."""
    id = fields.String()
    pseudonym = fields.String()
    email = fields.String(metadata={"description": "Seulement pour une recherche par adresse complète (consultation "
                                                   "journalisée) ; absent d'une recherche par pseudonyme"})
    email_verified = fields.Boolean()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    certification = fields.Nested(CertificationSchema)
    created_at = WireDateTime()


class PrincipalSchema(Schema):
    account_id = fields.String()
    session_id = fields.String()
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    expires_at = WireDateTime()


class TokenIssuedSchema(Schema):
    token = fields.String(metadata={"description": "À envoyer dans l'en-tête Authorization: Bearer <token>"})
    principal = fields.Nested(PrincipalSchema)


class SessionSchema(Schema):
    id = fields.String()
    kind = fields.String()
    label = fields.String(allow_none=True)
    created_at = WireDateTime()
    last_seen_at = WireDateTime()
    expires_at = WireDateTime()
    current = fields.Boolean()


class DirectionSchema(Schema):
    code = fields.String()
    name = fields.String()


class ReferenceSchema(Schema):
    roles = fields.List(fields.String())
    grantable_roles = fields.List(fields.String())
    directions = fields.List(fields.Nested(DirectionSchema))


class PersonalDataExportSchema(Schema):
    generated_at = WireDateTime()
    account_id = fields.String()
    services = fields.Dict(keys=fields.String(), values=fields.Raw(),
                           metadata={"description": "Par service : les données personnelles qu'il garde"})


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict()

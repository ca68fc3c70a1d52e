"""The public HTTP contract of /api/v1 (validated at the edge, documented in OpenAPI).

Services validate again on their side: these schemas keep garbage away from
the broker and describe the API; the services' schemas are the authority.
"""
from marshmallow import Schema, fields, validate

# Mail servers do not all accept non-ASCII addresses (SMTPUTF8): refuse them up front, clearly.
EMAIL = [validate.Length(max=254), validate.Email(),
         validate.Regexp(r"^[\x21-\x7e]+$", error="Adresse e-mail sans accents ni espaces attendue.")]
PASSWORD = validate.Length(min=1, max=128)
TOKEN = validate.Length(min=16, max=200)
ROLES = ("citizen", "agent", "moderator", "admin")


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True, metadata={"description": "Par champ : liste de messages."})


class StatusSchema(Schema):
    status = fields.String(required=True)
    message = fields.String()


class RegisterSchema(Schema):
    email = fields.String(required=True, validate=EMAIL)
    password = fields.String(required=True, validate=PASSWORD, metadata={"description": "10 à 128 caractères"})
    pseudonym = fields.String(required=True, validate=validate.Length(min=1, max=40))


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
    pseudonym = fields.String(validate=validate.Length(min=1, max=40))
    birth_date = fields.Date(allow_none=True, metadata={"example": "1990-05-14"})
    lives_in_paris = fields.Boolean()
    address_line = fields.String(allow_none=True, validate=validate.Length(max=200))
    postcode = fields.String(allow_none=True, validate=validate.Length(max=5),
                             metadata={"description": "75001 à 75020, ou 75116 (16e)"})


class RoleGrantSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES[1:]))
    direction = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


class AccountQuerySchema(Schema):
    query = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class SectorSchema(Schema):
    code = fields.String()
    label = fields.String()
    insee = fields.String()


class CertificationSchema(Schema):
    level = fields.String(metadata={"description": "declared (déclaré) ou verified (vérifié par un agent)"})
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


class PrincipalSchema(Schema):
    account_id = fields.String()
    session_id = fields.String()
    pseudonym = fields.String()
    roles = fields.List(fields.String())
    direction = fields.String(allow_none=True)
    expires_at = fields.DateTime()


class TokenIssuedSchema(Schema):
    token = fields.String(metadata={"description": "À envoyer dans l'en-tête Authorization: Bearer <token>"})
    principal = fields.Nested(PrincipalSchema)


class SessionSchema(Schema):
    id = fields.String()
    kind = fields.String()
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
    expires_at = fields.DateTime()
    current = fields.Boolean()


class HealthSchema(Schema):
    status = fields.String()
    checks = fields.Dict()

"""Validation at every entry point: marshmallow with French messages.

Citizens read these messages on the hub's pages, so marshmallow's English
defaults are replaced once, here, for every service and the gateway.
"""
import uuid

from marshmallow import Schema, ValidationError, fields, validate

from .errors import InvalidInput

_FIELD_MESSAGES = {
    fields.Field: {"required": "Ce champ est obligatoire.", "null": "Ce champ ne peut pas être vide.",
                   "validator_failed": "Valeur invalide."},
    fields.String: {"invalid": "Doit être un texte.", "invalid_utf8": "Texte mal encodé."},
    fields.Integer: {"invalid": "Doit être un nombre entier."},
    fields.Number: {"invalid": "Doit être un nombre.", "too_large": "Nombre trop grand."},
    fields.Boolean: {"invalid": "Doit être vrai ou faux."},
    fields.Date: {"invalid": "Date invalide (format attendu : AAAA-MM-JJ).",
                  "format": "Date invalide (format attendu : AAAA-MM-JJ)."},
    fields.DateTime: {"invalid": "Date et heure invalides.", "invalid_awareness": "Date et heure invalides.",
                      "format": "Date et heure invalides."},
    fields.UUID: {"invalid_uuid": "Identifiant invalide."},
    fields.List: {"invalid": "Doit être une liste."},
    fields.Dict: {"invalid": "Doit être un objet."},
    fields.Nested: {"type": "Doit être un objet."},
}


def _install_french_messages():
    for field_class, messages in _FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages,
                                      "unknown": "Champ inconnu.", "type": "Données invalides."}
    validate.Length.message_min = "Au moins {min} caractère(s)."
    validate.Length.message_max = "Au plus {max} caractères."
    validate.Length.message_all = "Entre {min} et {max} caractères."
    validate.Length.message_equal = "Exactement {equal} caractères."
    validate.Email.default_message = "Adresse e-mail invalide."
    validate.OneOf.default_message = "Doit être l'une des valeurs : {choices}."
    validate.Regexp.default_message = "Format invalide."
    validate.URL.default_message = "Adresse web invalide."
    validate.Range.message_gte = "supérieur ou égal à"
    validate.Range.message_gt = "supérieur à"
    validate.Range.message_lte = "inférieur ou égal à"
    validate.Range.message_lt = "inférieur à"
    validate.Range.message_min = "Doit être {min_op} {{min}}."
    validate.Range.message_max = "Doit être {max_op} {{max}}."
    validate.Range.message_all = "Doit être {min_op} {{min}} et {max_op} {{max}}."


_install_french_messages()


def load(schema: Schema, data):
    """Validate `data` with `schema`, raising InvalidInput with field messages on failure."""
    if not isinstance(data, dict):
        raise InvalidInput(details={"_schema": ["Un objet JSON est attendu."]})
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput(details=_as_field_messages(error.messages)) from None


def _as_field_messages(messages):
    if isinstance(messages, dict):
        return {str(key): _as_field_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [m if isinstance(m, str) else _as_field_messages(m) for m in messages]
    return [str(messages)]


def loaded_uuid(value) -> uuid.UUID | None:
    """What `fields.UUID` loads from `value`, or None where it refuses it: the one rule for the hot paths'
    short loaders, which give anything else to their schema.

    Exactly what `uuid.UUID` parses (tests/test_validation.py checks the tricky inputs against the field):
    no stricter shape (e.g. 36 characters), which would only send valid values the slow way."""
    if type(value) is str:
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes) and len(value) == 16:
        return uuid.UUID(bytes=value)
    return None

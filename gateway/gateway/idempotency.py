"""The key every command that must not be applied twice carries (hubkit.idempotency): a ballot, a signature, an
idea, a routing decision.

The API takes the client's `Idempotency-Key` header (400 if malformed); a page takes its form's token (a hidden
field, a fresh random value each time the form is rendered). Without either, the gateway still attaches a fresh
key of its own, one per HTTP request: a request the broker delivers twice to a service (a reply lost in an outage)
is then applied once. The service scopes every key by the operation and the account, so a key a client chooses can
never reach another person's action.
"""
import secrets

from flask import request

from hubkit.errors import InvalidInput
from hubkit.idempotency import KEY_MAX, KEY_PATTERN, KEY_RULE, valid_key

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
# How the OpenAPI states the header of the operations that take it (gateway.openapi)
HEADER_PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "description": "Clé choisie par le client (une par action) : la même demande renvoyée avec la même clé "
                   "reçoit la première réponse, sans rien refaire ; la même clé avec une autre demande est "
                   "refusée (422 IDEMPOTENCY_KEY_REUSED). Sans clé, chaque demande est une nouvelle action.",
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX,
               "pattern": KEY_PATTERN.pattern.replace("\\Z", "$")}}  # JSON Schema has no \Z


def fresh_key() -> str:
    """32 random characters of the key's alphabet (192 bits)."""
    return secrets.token_urlsafe(24)


def request_key() -> str:
    """The API request's `Idempotency-Key`, or a fresh key when it sends none; a malformed one is refused (400)."""
    key = request.headers.get(HEADER)
    if key is None:
        return fresh_key()
    if not valid_key(key):
        raise InvalidInput(details={HEADER: [f"En-tête {HEADER} : {KEY_RULE}"]})
    return key


def form_key() -> str:
    """The submitted form's token, or a fresh key when the form sent none (an old page); a malformed one is
    refused (400) like the header."""
    key = request.form.get(FORM_FIELD)
    if not key:
        return fresh_key()
    if not valid_key(key):
        raise InvalidInput(details={FORM_FIELD: [f"Jeton du formulaire : {KEY_RULE}"]})
    return key


def init_app(app):
    """`form_token()` in templates: the hidden field's value, fresh at each rendering."""
    app.jinja_env.globals["form_token"] = fresh_key
    app.jinja_env.globals["FORM_TOKEN_FIELD"] = FORM_FIELD

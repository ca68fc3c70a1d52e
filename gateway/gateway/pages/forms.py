"""What every form page shares: reading the submitted fields, turning a service error into
messages next to the fields, and rendering the page again with the right HTTP status.

A view reads `submitted(...)`, calls the service, and on a HubError returns
`render_form(template, Form.failed(error, values), ...)`: invalid fields get their messages,
the values typed are kept (passwords never are), and the status comes from gateway.errors.
A button that answers with a redirect (undo, delete, report) calls `flash_failure(error)` instead.
"""
import math
from urllib.parse import urlsplit

from flask import flash, make_response, render_template, request

from hubkit.errors import AuthenticationFailed, HubError, InvalidInput, PermissionDenied, RateLimited

from ..errors import status_of

# Never sent back to the browser, even when the form has to be filled in again.
SECRET_FIELDS = frozenset({"password", "password_confirmation", "current_password", "new_password",
                           "new_password_confirmation"})
GENERIC_INVALID = "Le formulaire contient des erreurs : corrigez les champs signalés."
REQUIRED = "Ce champ est obligatoire."
PASSWORDS_DIFFER = "Les deux mots de passe ne sont pas identiques."


class Form:
    """The state of one form on a page: values shown, messages per field, a message for the whole form.

    `name` prefixes the ids of the fields, so that several forms can share a page.
    """

    def __init__(self, name: str = "", values: dict = None, errors: dict = None, message: str = None,
                 status: int = 200, retry_after: int = None):
        self.name, self.values, self.errors, self.message = name, dict(values or {}), dict(errors or {}), message
        self.status, self.retry_after = status, retry_after

    @classmethod
    def failed(cls, error: HubError, values: dict, name: str = "", fields=None, aliases: dict = None) -> "Form":
        """The form again after `error`: messages go next to the `fields` shown (by default, the ones
        submitted), anything else goes to the message of the whole form. `aliases` maps the service's
        name of a field to the form's, where they differ.

        Errors that a form cannot fix (the service is down, an unexpected failure) are raised again,
        for the application's error pages.
        """
        status = status_of(error)
        if status >= 500:
            raise error
        shown = set(values if fields is None else fields)
        errors, others = {}, []
        if not isinstance(error, RateLimited):
            for field, messages in _flatten(error.details).items():
                field = (aliases or {}).get(field, field)
                if field in shown:
                    errors[field] = messages
                else:
                    others.extend(messages)
        message = _message_of(error, others, has_field_errors=bool(errors))
        kept = {key: value for key, value in values.items() if key not in SECRET_FIELDS}
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        return cls(name, kept, errors, message, status, retry_after)

    @property
    def ok(self) -> bool:
        return self.status < 400

    def id(self, field: str) -> str:
        return f"{self.name}-{field}".replace("_", "-") if self.name else field.replace("_", "-")

    def value(self, field: str, default=""):
        value = self.values.get(field)
        return default if value is None else value

    def errors_for(self, field: str) -> list:
        return self.errors.get(field, [])


def flash_failure(error: HubError, fallback: str = None):
    """A form answered with a flash and a redirect: the service's reason becomes an error flash ("too late",
    "already undone", a field left empty). A refusal (403) or a lost session (401) is raised again, for the
    application's error page with its status and reason (issue 12: every refusal is the same clear 403); so is
    what a form cannot fix (5xx)."""
    if isinstance(error, (PermissionDenied, AuthenticationFailed)):
        raise error
    if isinstance(error, RateLimited):
        message = error.message  # the service says which limit, and how long to wait
    else:
        message = Form.failed(error, {}, fields=()).message  # a 5xx is raised there
    flash(message or fallback, "error")


def submitted(*names) -> dict:
    """The named fields of the posted form, as strings; text is trimmed, passwords are left as typed."""
    values = {}
    for name in names:
        value = request.form.get(name, "")
        values[name] = value if name in SECRET_FIELDS else value.strip()
    return values


def checkbox(name: str) -> bool:
    """An unchecked box is not sent at all."""
    return request.form.get(name) in ("on", "true", "1", "oui")


def none_if_blank(value):
    return value if value not in ("", None) else None


def require_filled(values: dict, *fields):
    """Browsers check `required` fields too; this covers the others, with one clear message per field."""
    empty = {field: [REQUIRED] for field in fields if values.get(field) in ("", None)}
    if empty:
        raise InvalidInput(details=empty)


def require_same(values: dict, field: str, confirmation: str):
    """Passwords are typed twice: the second must match before the service is called."""
    if values.get(field) != values.get(confirmation):
        raise InvalidInput(details={confirmation: [PASSWORDS_DIFFER]})


def render_form(template: str, form: Form, **context):
    """Render `template` with `form` (as `form`) and the status it carries (429: with Retry-After)."""
    return _respond(render_template(template, form=form, **context), [form])


def render_forms(template: str, forms: dict, **context):
    """A page with several forms (as `forms`, by name): the status is that of the one that failed."""
    return _respond(render_template(template, forms=forms, **context), list(forms.values()))


def _respond(body: str, forms: list):
    failed = next((form for form in forms if not form.ok), None)
    response = make_response(body, failed.status if failed else 200)
    if failed is not None and failed.retry_after:
        response.headers["Retry-After"] = str(failed.retry_after)
    return response


def safe_next(target: str | None) -> str | None:
    """Only a path of this site ("/mon-compte?x=1") is a valid destination after logging in:
    "//evil.example", "/\\evil.example" or "https://..." would send the visitor elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 33 or ord(character) == 127 for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def wait_in_minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(int(seconds) / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def rate_limited_message(error: RateLimited) -> str:
    return f"Trop de tentatives. Pour votre sécurité, réessayez dans {wait_in_minutes(error.retry_after)}."


def _message_of(error: HubError, others: list, has_field_errors: bool) -> str | None:
    """The message of the whole form: the service's own words if it chose some, else the messages
    about fields the form does not show, else a pointer to the fields in error."""
    if isinstance(error, RateLimited):
        return rate_limited_message(error)
    if error.message != type(error).default_message:
        return error.message
    if others:
        return " ".join(others)
    if isinstance(error, InvalidInput) and has_field_errors:
        return GENERIC_INVALID
    return error.message


def _flatten(details) -> dict:
    """{"client": {"ip": ["..."]}, "email": ["..."]} -> {"client.ip": [...], "email": [...]}; `_schema`
    (messages about the whole form) and non-message entries such as `retry_after` are kept apart."""
    flat = {}
    if not isinstance(details, dict):
        return flat
    for key, value in details.items():
        if isinstance(value, dict):
            for sub_key, messages in _flatten(value).items():
                flat[f"{key}.{sub_key}"] = messages
        elif isinstance(value, list):
            flat[str(key)] = [str(message) for message in value if isinstance(message, str)] or ["Valeur invalide."]
        elif isinstance(value, str):
            flat[str(key)] = [value]
    return flat



def page_number(text) -> int:
    """A list's `page` from its query string: a plain number from 1 to 999,999 (ASCII digits: `²` is a digit to
    `str.isdigit`, not to `int`); anything else is the first page."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 7):
        return 1
    return max(1, int(text))

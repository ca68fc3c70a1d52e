"""The action door « Agir » (handlers/actions.py) on the wire: a citizen's direct request, the schemes that take
one, and a dossier as the person it was opened for reads it (its own fields: no delivery error, no agent's note)."""
from marshmallow import Schema, fields, validate

from hubkit.idempotency import key_field

from ..domain.actions import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX
from .wire import UtcDateTime


class OpenDossierSchema(Schema):
    """A citizen's direct request: the common fields (bounded here as sent; the domain checks them trimmed) and the
    scheme's own fields ({code: text, choice code or consent}, checked against its form by the domain)."""
    scheme = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(required=True, validate=validate.Length(max=TITLE_MAX * 2))
    description = fields.String(required=True, validate=validate.Length(max=DESCRIPTION_MAX * 2))
    arrondissement = fields.Integer(load_default=None, allow_none=True, strict=True)
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LOCATION_MAX * 2))
    fields_ = fields.Dict(data_key="fields", attribute="fields", load_default=dict,
                         keys=fields.String(validate=validate.Length(max=40)),
                         values=fields.Raw(allow_none=True), validate=validate.Length(max=20))
    idempotency_key = key_field()


class DossierReferenceSchema(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ChoiceSchema(Schema):
    code = fields.String()
    label = fields.String()


class RequestFieldSchema(Schema):
    code = fields.String()
    key = fields.String()
    label = fields.String()
    kind = fields.String()
    required = fields.Boolean()
    choices = fields.List(fields.Nested(ChoiceSchema))


class ActionSchemeSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    direction = fields.String()
    deadline_days = fields.Integer()
    eligibility = fields.String()
    eligibility_label = fields.String()
    who_may_ask = fields.String()
    fields_ = fields.List(fields.Nested(RequestFieldSchema), data_key="fields", attribute="fields")


class HistoryEntrySchema(Schema):
    """A step of the dossier's story, as the person reads it."""
    event_id = fields.String()
    type = fields.String()
    service = fields.String()
    actor_role = fields.String()
    occurred_at = UtcDateTime()
    summary = fields.String()


class PersonDossierSummarySchema(Schema):
    """A dossier in the person's list (without its history)."""
    reference = fields.String(allow_none=True)
    scheme = fields.String()
    scheme_name = fields.String()
    delivery = fields.String()
    status = fields.String()
    status_label = fields.String()
    # its webhook call, when the routing views tell it: pending, delayed (retried at next_attempt_at), given_up…
    delivery_state = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    answer_status = fields.String(allow_none=True)
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)
    answered_at = UtcDateTime(allow_none=True)
    subject_kind = fields.String()
    idea_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)


class PersonDossierSchema(PersonDossierSummarySchema):
    """A dossier as the person it was opened for reads it, with its history."""
    trace = fields.List(fields.Nested(HistoryEntrySchema))

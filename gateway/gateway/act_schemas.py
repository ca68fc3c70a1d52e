"""« Agir » on /api/v1 (api/act.py): the action schemes, a direct request and a person's dossiers, as routing takes
and answers them (routing/schemas/actions.py; tests/contract/test_wire_schemas.py compares them field by field)."""
from marshmallow import Schema, fields, validate

from .schemas import WireDateTime, stripped_text

TITLE_MIN, TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX, LOCATION_MAX = 5, 140, 20, 4000, 200  # routing's domain


class OpenDossierSchema(Schema):
    """A direct request. `fields`: the scheme's own form ({code: text, choice code or true/false}), as its
    `fields` in GET /act/schemes/{code} list them; routing checks them against that form (400 per field)."""
    scheme = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"description": "Code d'un dispositif d'action (GET /act/schemes)"})
    title = stripped_text(TITLE_MAX, minimum=TITLE_MIN)
    description = stripped_text(DESCRIPTION_MAX, minimum=DESCRIPTION_MIN,
                                description="Ce que vous demandez : ni nom, ni adresse, ni téléphone")
    arrondissement = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=20))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=LOCATION_MAX),
                             metadata={"description": "Un repère sur l'espace public, jamais votre adresse"})
    fields_ = fields.Dict(data_key="fields", attribute="fields", load_default=dict,
                         keys=fields.String(validate=validate.Length(max=40)),
                         values=fields.Raw(allow_none=True), validate=validate.Length(max=20))


class ChoiceSchema(Schema):
    code = fields.String()
    label = fields.String()


class RequestFieldSchema(Schema):
    code = fields.String()
    key = fields.String()
    label = fields.String()
    kind = fields.String(metadata={"description": "text, choice ou consent"})
    required = fields.Boolean()
    choices = fields.List(fields.Nested(ChoiceSchema))


class ActionSchemeSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    direction = fields.String()
    deadline_days = fields.Integer()
    eligibility = fields.String(metadata={"description": "anyone ou paris_residents"})
    eligibility_label = fields.String()
    who_may_ask = fields.String()
    fields_ = fields.List(fields.Nested(RequestFieldSchema), data_key="fields", attribute="fields")


class HistoryEntrySchema(Schema):
    event_id = fields.String()
    type = fields.String()
    service = fields.String()
    actor_role = fields.String()
    occurred_at = WireDateTime()
    summary = fields.String()


class PersonDossierSummarySchema(Schema):
    """A dossier in the person's list (without its history)."""
    reference = fields.String(allow_none=True)
    scheme = fields.String()
    scheme_name = fields.String()
    delivery = fields.String()
    status = fields.String()
    status_label = fields.String()
    delivery_state = fields.String(allow_none=True)
    next_attempt_at = WireDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    answer_status = fields.String(allow_none=True)
    created_at = WireDateTime()
    delivered_at = WireDateTime(allow_none=True)
    answered_at = WireDateTime(allow_none=True)
    subject_kind = fields.String(metadata={"description": "direct_request (par « Agir ») ou idea"})
    idea_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    arrondissement = fields.Integer(allow_none=True)
    location = fields.String(allow_none=True)


class PersonDossierSchema(PersonDossierSummarySchema):
    """A dossier as the person it was opened for reads it, with its history."""
    trace = fields.List(fields.Nested(HistoryEntrySchema))

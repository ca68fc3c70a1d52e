"""A dossier opened with an external scheme, as it reads on the wire; those whose webhook calls fail."""
from marshmallow import Schema, fields

from .wire import UtcDateTime


class DossierSchema(Schema):
    reference = fields.String(allow_none=True)
    scheme = fields.String()
    scheme_name = fields.String()
    delivery = fields.String()
    status = fields.String()
    status_label = fields.String()
    answer = fields.String(allow_none=True)
    answer_status = fields.String(allow_none=True)
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)
    answered_at = UtcDateTime(allow_none=True)
    attempts = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    # its webhook call: pending, delayed (failing, retried at next_attempt_at), given_up or delivered; None by e-mail
    delivery_state = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True)
    last_error_class = fields.String(allow_none=True)  # staff only: what failed, in words (never the message)


class FailingDeliverySchema(Schema):
    """A dossier whose webhook calls fail, as the agents of its scheme's direction see it (no URL, no secret)."""
    reference = fields.String()
    scheme = fields.String()
    scheme_name = fields.String()
    direction = fields.String()
    idea_id = fields.String(allow_none=True)
    title = fields.String()
    attempts = fields.Integer()
    last_error_class = fields.String(allow_none=True)
    delivery_state = fields.String()
    next_attempt_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()

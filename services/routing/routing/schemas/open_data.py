"""What crosses the wire for routing's open dataset `routing_response_times` (RPC `open_data_page`, the gateway's
alone): which page, and a page of statistics rows behind an opaque keyset cursor (domain/response_times.py)."""
from marshmallow import Schema, fields, validate

from ..domain.response_times import BAD_CURSOR, CURSOR_MAX, DATASETS, PAGE_MAX


class OpenDataPageQuerySchema(Schema):
    dataset = fields.String(required=True, validate=validate.OneOf(DATASETS, error="Jeu de données inconnu."))
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=CURSOR_MAX, error=BAD_CURSOR))
    limit = fields.Integer(load_default=PAGE_MAX, validate=validate.Range(min=1, max=PAGE_MAX))


class ResponseTimeRowSchema(Schema):
    """One month of one scheme and direction: counts and durations, no idea, person or text."""
    scheme = fields.String()
    direction = fields.String()
    month = fields.String()
    ideas_count = fields.Integer()
    median_hours_to_first_answer = fields.Float(allow_none=True)
    p90_hours_to_first_answer = fields.Float(allow_none=True)
    answered_within_deadline_share = fields.Float(allow_none=True)


class OpenDataPageSchema(Schema):
    rows = fields.List(fields.Nested(ResponseTimeRowSchema))
    next = fields.String(allow_none=True)

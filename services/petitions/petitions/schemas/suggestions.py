"""What crosses the wire for similar content: the text a citizen is typing, the petitions like it."""
from marshmallow import Schema, fields, validate

from ..domain import SIMILAR_DESCRIPTION_MAX, SIMILAR_LIMIT_DEFAULT, SIMILAR_LIMIT_MAX, SIMILAR_TITLE_MAX


class SimilarContentQuerySchema(Schema):
    """What a citizen is typing (a new idea, project or petition), to be shown the petitions like it."""
    title = fields.String(required=True, validate=validate.Length(min=1, max=SIMILAR_TITLE_MAX))
    description = fields.String(load_default="", validate=validate.Length(max=SIMILAR_DESCRIPTION_MAX))
    limit = fields.Integer(load_default=SIMILAR_LIMIT_DEFAULT, validate=validate.Range(min=1, max=SIMILAR_LIMIT_MAX))



class SimilarContentItemSchema(Schema):
    """A petition like the text typed: its state, and what one can do with it instead of filing (`sign`)."""
    kind = fields.String()
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    status = fields.String()
    status_label = fields.String()
    signatures_count = fields.Integer()
    threshold = fields.Integer()
    arrondissement = fields.Integer(allow_none=True)
    similarity = fields.Float()
    actions = fields.List(fields.String())


class SimilarContentSchema(Schema):
    items = fields.List(fields.Nested(SimilarContentItemSchema))

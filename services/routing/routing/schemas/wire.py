"""How values cross the wire, whatever the schema."""
from marshmallow import fields

from hubkit.clock import aware


class UtcDateTime(fields.DateTime):
    """An ISO 8601 datetime with its offset on the wire: a naive one (SQLite's) is UTC, as everything stored."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(aware(value), attr, obj, **kwargs)

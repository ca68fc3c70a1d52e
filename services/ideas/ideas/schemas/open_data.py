"""What crosses the wire for the open datasets `ideas` and `consultations` (RPC `open_data_page`, the gateway's
alone): a page of anonymised rows behind an opaque keyset cursor (issue 15, section 5)."""
import base64
import binascii
import re
import uuid
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, post_load, validate

DATASETS = ("ideas", "consultations")
PAGE_MAX = 2000
BAD_CURSOR = "Curseur invalide : reprenez la valeur `next` qu'a donnée la page précédente."
# the cursor's text before encoding: "<created_at, ISO 8601 UTC>|<uuid>"
POSITION = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\+00:00)\|([0-9a-f-]{36})$")


def cursor_of(created_at: datetime, row_id: str) -> str:
    """The position after a row, opaque to readers (base64url, no padding)."""
    text = f"{created_at.astimezone(timezone.utc).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def position_of(cursor: str) -> tuple:
    """(created_at in UTC, id) from a cursor made by cursor_of; anything else is refused."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError(BAD_CURSOR, "after") from None
    found = POSITION.match(text)
    if found is None:
        raise ValidationError(BAD_CURSOR, "after")
    try:
        return datetime.fromisoformat(found.group(1)).astimezone(timezone.utc), str(uuid.UUID(found.group(2)))
    except ValueError:
        raise ValidationError(BAD_CURSOR, "after") from None


class OpenDataPageQuerySchema(Schema):
    dataset = fields.String(required=True, validate=validate.OneOf(DATASETS, error="Jeu de données inconnu."))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200, error=BAD_CURSOR))
    limit = fields.Integer(load_default=PAGE_MAX, validate=validate.Range(min=1, max=PAGE_MAX))

    @post_load
    def _position(self, data, **kwargs):
        data["after"] = position_of(data["after"]) if data["after"] else None
        return data


class IdeaRowSchema(Schema):
    """One idea, anonymised: no author, no description, no address (a citizen's free text not shown as such)."""
    idea_id = fields.String()
    title = fields.String(allow_none=True)
    theme = fields.String()
    arrondissement = fields.Integer(allow_none=True)
    status = fields.String()
    submitted_at = fields.Date()
    supports_count = fields.Integer()
    scheme = fields.String(allow_none=True)
    decided_at = fields.Date(allow_none=True)


class ConsultationRowSchema(Schema):
    consultation_id = fields.String()
    title = fields.String()
    opens_at = fields.Date()
    closes_at = fields.Date()
    state = fields.String()
    proposals_count = fields.Integer()
    contributions_count = fields.Integer()
    participants_count = fields.Integer()
    synthesis_published_at = fields.Date(allow_none=True)
    decision = fields.String(allow_none=True)


ROW_SCHEMAS = {"ideas": IdeaRowSchema, "consultations": ConsultationRowSchema}


def dump_page(dataset: str, page: dict) -> dict:
    """{"rows": [...], "next": str or None}, each row through its dataset's schema."""
    return {"rows": ROW_SCHEMAS[dataset](many=True).dump(page["rows"]), "next": page["next"]}

"""What crosses the wire for the petitions' open datasets (RPC `open_data_page`, the gateway's alone): which page
of which dataset, and a page of anonymised rows behind an opaque keyset cursor (domain/open_data.py)."""
from marshmallow import Schema, fields, validate

from ..domain.open_data import BAD_CURSOR, BY_ARRONDISSEMENT, CURSOR_MAX, DATASETS, PAGE_MAX, PETITIONS


class OpenDataPageQuerySchema(Schema):
    dataset = fields.String(required=True, validate=validate.OneOf(DATASETS, error="Jeu de données inconnu."))
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(min=1, max=CURSOR_MAX, error=BAD_CURSOR))
    limit = fields.Integer(load_default=PAGE_MAX, validate=validate.Range(min=1, max=PAGE_MAX))


class PetitionRowSchema(Schema):
    """A published petition: what its public page shows, without its author or its text beyond the title."""
    petition_id = fields.String()
    title = fields.String()
    status = fields.String()
    published_at = fields.Date()  # a published or rejected petition was moderated: never empty
    signatures_count = fields.Integer()
    threshold = fields.Integer(allow_none=True)
    threshold_reached_at = fields.Date(allow_none=True)
    council_session = fields.Date(allow_none=True)
    council_outcome = fields.String(allow_none=True)


class SignaturesByArrondissementRowSchema(Schema):
    """The valid signatures of a published petition from one arrondissement (1..20) or from outside Paris."""
    petition_id = fields.String()
    arrondissement = fields.String()  # "1" to "20", or "hors Paris"
    signatures_count = fields.Integer()


ROW_SCHEMAS = {PETITIONS: PetitionRowSchema(many=True),
               BY_ARRONDISSEMENT: SignaturesByArrondissementRowSchema(many=True)}


def dump_page(dataset: str, page: dict) -> dict:
    """{"rows": [...], "next": cursor or None}, each row through its dataset's schema."""
    return {"rows": ROW_SCHEMAS[dataset].dump(page["rows"]), "next": page["next"]}

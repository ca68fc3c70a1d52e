"""API schemas of /api/v1/open-data/<dataset>: a page of a dataset's rows (each dataset's own columns, published
in its JSON Schema, /api/v1/open-data/<dataset>.schema.json; the rows come from ideas, petitions or routing:
tests/contract/test_wire_schemas.py lists these among the gateway's own)."""
from marshmallow import Schema, fields, validate

PAGE_MAX = 2000


class OpenDataPageQuerySchema(Schema):
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "La valeur `next` de la page précédente (opaque) ; absente pour la première page"})
    limit = fields.Integer(load_default=PAGE_MAX, validate=validate.Range(min=1, max=PAGE_MAX),
                           metadata={"description": "Au plus autant de lignes"})


class OpenDataPageSchema(Schema):
    rows = fields.List(fields.Dict(), metadata={
        "description": "Les lignes, chacune avec les colonnes du jeu de données (voir son schéma JSON)"})
    next = fields.String(allow_none=True, metadata={
        "description": "À passer en `after` pour la page suivante ; null à la dernière page"})

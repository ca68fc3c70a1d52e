"""API schemas of GET /api/v1/similar: what already exists anywhere close to a text (gateway.similar merges the
answers of ideas, budget and petitions: no service has this schema; tests/contract/test_wire_schemas.py lists it
among the gateway's own)."""
from marshmallow import Schema, fields, validate

TITLE_MIN, TITLE_MAX = 3, 200
# the start of the description is enough to compare, and keeps the address within the URL's 8 KiB (414)
DESCRIPTION_MAX = 400
# no NUL nor other control character (the databases refuse a NUL in a text): a clear 400 instead
NO_CONTROL_CHARACTER = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\Z",
                                       error="Texte sans caractère de contrôle attendu.")
HAS_A_WORD = validate.Regexp(r"^[\s\S]*\w", error="Au moins un mot (lettres ou chiffres).")
KINDS = ("idea", "proposal", "project", "petition")
SOURCE_OUTCOMES = ("ok", "timeout", "unavailable", "error")
ACTIONS = ("support", "follow", "vote", "join", "sign")


class SimilarContentQuerySchema(Schema):
    title = fields.String(required=True, validate=[validate.Length(min=TITLE_MIN, max=TITLE_MAX),
                                                   NO_CONTROL_CHARACTER, HAS_A_WORD],
                          metadata={"description": "Le titre en cours de saisie"})
    description = fields.String(load_default="", validate=[validate.Length(max=DESCRIPTION_MAX),
                                                           NO_CONTROL_CHARACTER],
                                metadata={"description": "Le début de la description"})
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=10),
                           metadata={"description": "Au plus autant de résultats de chaque sorte"})


class SimilarContentItemSchema(Schema):
    kind = fields.String(validate=validate.OneOf(KINDS), metadata={
        "description": "idea (boîte à idées), proposal (proposition d'une consultation), project (budget "
                       "participatif, toutes éditions), petition (pétition ouverte)"})
    id = fields.String()
    title = fields.String()
    excerpt = fields.String()
    status = fields.String(allow_none=True, metadata={"description": "Code de l'état (aucun pour une proposition)"})
    status_label = fields.String(allow_none=True)
    similarity = fields.Float(metadata={"description": "De 0 à 1, comparable d'une sorte à l'autre"})
    url = fields.String(metadata={"description": "La page du hub où le voir et agir"})
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), metadata={
        "description": "Ce que l'on peut faire plutôt que déposer : support (soutenir une idée, être d'accord avec "
                       "une proposition), follow, vote et join (un projet), sign (une pétition)"})
    accepts_supports = fields.Boolean(metadata={"description": "Idée ou proposition : prend encore des soutiens"})
    supports_count = fields.Integer(metadata={"description": "Idée ou proposition"})
    scheme = fields.String(allow_none=True, metadata={"description": "Idée transmise : le dispositif"})
    scheme_label = fields.String(allow_none=True)
    consultation_id = fields.String(allow_none=True, metadata={"description": "Proposition : sa consultation"})
    consultation_title = fields.String(allow_none=True)
    edition = fields.String(allow_none=True, metadata={"description": "Projet : l'édition du budget participatif"})
    arrondissement = fields.Integer(allow_none=True, metadata={"description": "Projet, pétition : 1 à 20, ou "
                                                                              "aucun pour tout Paris"})
    signatures_count = fields.Integer(metadata={"description": "Pétition"})
    threshold = fields.Integer(allow_none=True, metadata={"description": "Pétition : signatures pour aller au "
                                                                         "Conseil de Paris"})


class SimilarContentSourcesSchema(Schema):
    ideas = fields.String(validate=validate.OneOf(SOURCE_OUTCOMES))
    budget = fields.String(validate=validate.OneOf(SOURCE_OUTCOMES))
    petitions = fields.String(validate=validate.OneOf(SOURCE_OUTCOMES))


class SimilarContentSchema(Schema):
    items = fields.List(fields.Nested(SimilarContentItemSchema), metadata={
        "description": "Du plus semblable au moins semblable, toutes sortes confondues"})
    sources = fields.Nested(SimilarContentSourcesSchema, metadata={
        "description": "Ce que chaque service a répondu : ok, timeout (pas de réponse dans la seconde), "
                       "unavailable, error"})
    partial = fields.Boolean(metadata={"description": "Un service n'a pas répondu : la liste est incomplète"})

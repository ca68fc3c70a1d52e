"""The hub's open data (issue 15, section 5): each dataset of the registry (gateway.open_data_registry) as a CSV or
JSON file streamed page after page, its JSON Schema, a paged JSON access, and the DCAT-AP catalogue a portal
harvests. Public, anonymised, under the ODbL 1.0."""
from flask import Blueprint, Response, current_app
from marshmallow import fields, validate
from werkzeug.routing import BaseConverter

from hubkit import config
from hubkit.errors import NotFound
from hubkit.throttle import Throttle, connect

from .. import open_data_dcat, open_data_exports, open_data_schemas
from ..auth import client_ip
from ..open_data_registry import DATASETS, Dataset
from ..open_data_registry import dataset as registered
from ..openapi import endpoint

bp = Blueprint("api_open_data", __name__)
TAG = "open-data"

# per client address, the requests that ask a service (a file is up to 50 pages of 2,000 rows each)
PER_MINUTE = 30
LIMIT_MESSAGE = "Trop de téléchargements de données ouvertes depuis votre adresse : réessayez dans une minute."


class DatasetNameConverter(BaseConverter):
    """`<dataset:dataset>`: a dataset's name (lower case and underscores), so that `ideas.schema.json` is not read as
    the JSON file of a dataset named `ideas.schema`."""
    regex = r"[a-z][a-z0-9_]{0,63}"


# the path's dataset, checked at the edge (400 for a name the registry does not hold, as the OpenAPI's enum says;
# 404 for one no dataset could have, upper case or dotted: no route takes it)
DATASET = {"dataset": fields.String(validate=validate.OneOf([found.name for found in DATASETS]))}
JSON_LD = ("application/ld+json", {"type": "object", "required": ["@context", "@type", "dcat:dataset"]})
JSON_SCHEMA = ("application/schema+json", {"type": "object", "required": ["$schema", "items"]})
ROWS = ("application/json", {"type": "array", "items": {"type": "object"}})

# before the routes below: the blueprint runs its deferred functions in order
bp.record_once(lambda state: state.app.url_map.converters.setdefault("dataset", DatasetNameConverter))


@bp.get("/open-data/catalog.jsonld")
@endpoint("Le catalogue DCAT-AP (JSON-LD) des données ouvertes du hub, moissonnable par un portail",
          errors=(), tag=TAG, produces=JSON_LD)
def catalog():
    """Un `dcat:Catalog` : chaque jeu de données (`dcat:Dataset`) avec ses distributions CSV et JSON, la licence
    ODbL 1.0 et l'éditeur ; adresses absolues."""
    body = current_app.json.dumps(open_data_dcat.catalog(config.public_url()))
    return Response(body, mimetype="application/ld+json")


@bp.get("/open-data/<dataset:dataset>.schema.json")
@endpoint("Le schéma JSON (2020-12) du fichier JSON d'un jeu de données", errors=(400, 404), tag=TAG,
          path=DATASET, produces=JSON_SCHEMA)
def json_schema(dataset):
    found = _dataset(dataset)
    url = f"{config.public_url()}/api/v1/open-data/{found.name}.schema.json"
    return Response(current_app.json.dumps(open_data_exports.json_schema(found, url)),
                    mimetype="application/schema+json")


@bp.get("/open-data/<dataset:dataset>.csv")
@endpoint("Un jeu de données en CSV (séparateur « ; », UTF-8 avec BOM), transmis au fil de la lecture",
          errors=(400, 404, 429), tag=TAG, path=DATASET, produces="text/csv")
def export_csv(dataset):
    """Toutes les lignes du jeu de données, une colonne par champ de son schéma. 30 téléchargements par minute
    et par adresse (429 au-delà)."""
    found = _dataset(dataset)
    _limit()
    rows = open_data_exports.Rows(found)
    return Response(open_data_exports.streamed(open_data_exports.csv_chunks(found, rows)),
                    mimetype="text/csv", headers=_attachment(f"{found.name}.csv"))


@bp.get("/open-data/<dataset:dataset>.json")
@endpoint("Un jeu de données en JSON (un tableau d'objets), transmis au fil de la lecture", errors=(400, 404, 429),
          tag=TAG, path=DATASET, produces=ROWS)
def export_json(dataset):
    """Valide selon `/api/v1/open-data/{dataset}.schema.json`. 30 téléchargements par minute et par adresse."""
    found = _dataset(dataset)
    _limit()
    rows = open_data_exports.Rows(found)
    return Response(open_data_exports.streamed(open_data_exports.json_chunks(rows)),
                    mimetype="application/json", headers=_attachment(f"{found.name}.json"))


@bp.get("/open-data/<dataset:dataset>")
@endpoint("Une page d'un jeu de données (2 000 lignes au plus), pour le lire par morceaux",
          query=open_data_schemas.OpenDataPageQuerySchema, response=open_data_schemas.OpenDataPageSchema,
          errors=(400, 404, 429), tag=TAG, path=DATASET)
def page(data, dataset):
    """Passez la valeur `next` d'une page en `after` pour la suivante ; une valeur altérée est refusée (400).
    30 demandes par minute et par adresse."""
    found = _dataset(dataset)
    _limit()
    return open_data_exports.page(found, data["after"], data["limit"])


def _dataset(name: str) -> Dataset:
    found = registered(name)
    if found is None:
        raise NotFound("Jeu de données inconnu : voir le catalogue /donnees-ouvertes.", code="DATASET_NOT_FOUND")
    return found


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _limit():
    _throttle().consume("open_data", client_ip() or "unknown", PER_MINUTE, 60, LIMIT_MESSAGE)


def _throttle() -> Throttle:
    found = current_app.extensions.get("open_data_throttle")
    if found is None:
        found = current_app.extensions["open_data_throttle"] = Throttle(
            connect(current_app.config["HUB_SETTINGS"].redis_url))
    return found

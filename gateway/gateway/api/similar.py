"""What already exists anywhere close to a text being typed: ideas, consultation proposals, budget projects of every
edition and open petitions (gateway.similar asks the three services at once)."""
from flask import Blueprint, current_app

from hubkit.throttle import Throttle, connect

from .. import similar, similar_schemas
from ..auth import client_ip
from ..openapi import endpoint

bp = Blueprint("api_similar", __name__)

# per client address: each request asks three services; typing in a form sends one every second or two
PER_MINUTE = 120
LIMIT_MESSAGE = "Trop de recherches de contenus similaires depuis votre adresse : réessayez dans une minute."


@bp.get("/similar")
@endpoint("Ce qui existe déjà, semblable à un texte en cours de saisie : idées, propositions de consultations, "
          "projets du budget participatif, pétitions", query=similar_schemas.SimilarContentQuerySchema,
          response=similar_schemas.SimilarContentSchema, errors=(400, 429), tag="similar")
def similar_content(data):
    """Les trois services (boîte à idées et consultations, budget participatif, pétitions) sont interrogés en même
    temps, chacun une seconde au plus : un service lent ou arrêté ne retient pas les autres, `sources` dit qui a
    répondu et `partial` si la liste est incomplète. Toutes sortes mêlées, du plus semblable au moins semblable,
    `limit` de chaque sorte au plus. 120 demandes par minute et par adresse (429 au-delà)."""
    _throttle().consume("similar_content", client_ip() or "unknown", PER_MINUTE, 60, LIMIT_MESSAGE)
    return similar.across_schemes(data["title"], data["description"], data["limit"])


def _throttle() -> Throttle:
    found = current_app.extensions.get("similar_throttle")
    if found is None:
        found = current_app.extensions["similar_throttle"] = Throttle(
            connect(current_app.config["HUB_SETTINGS"].redis_url))
    return found

"""« Agir » on /api/v1: the City's action schemes, a citizen's direct request opening a dossier through routing (who
may ask and every field checked there), and the person's own dossiers."""
from flask import Blueprint

from .. import act_schemas as schemas
from .. import remote
from ..actors import actor
from ..auth import login_required
from ..idempotency import request_key
from ..openapi import endpoint
from ..routing_schemas import PATH

bp = Blueprint("api_act", __name__)
TAG = "agir"


@bp.get("/act/schemes")
@endpoint("Les dispositifs d'action qui acceptent une demande directe (« Agir »)",
          response=schemas.ActionSchemeSchema(many=True), errors=(), tag=TAG)
def action_schemes():
    return remote.call("routing", "action_schemes")


@bp.get("/act/schemes/<code>")
@endpoint("Un dispositif d'action : ce qu'il est, qui peut demander, les champs de son formulaire",
          response=schemas.ActionSchemeSchema, errors=(400, 404), tag=TAG, path=PATH)
def action_scheme(code):
    return remote.call("routing", "action_scheme", {"code": code})


@bp.post("/act/dossiers")
@login_required
@endpoint("Faire une demande à un dispositif d'action : un dossier est ouvert et transmis au service",
          body=schemas.OpenDossierSchema, response=schemas.PersonDossierSchema, status=201, auth=True,
          errors=(400, 403, 404), tag=TAG, idempotent=True)
def open_dossier(data):
    """404 pour un dispositif inconnu ou qui n'accepte pas de demande directe ; 400 par champ (ceux du dispositif
    sous `fields.<code>`) ; 403 EMAIL_NOT_VERIFIED ou NOT_ELIGIBLE (dispositif réservé aux personnes qui habitent à
    Paris). La même demande renvoyée avec la même `Idempotency-Key` renvoie le même dossier."""
    return remote.call("routing", "open_dossier", actor(), {**data, "idempotency_key": request_key()})


@bp.get("/act/dossiers")
@login_required
@endpoint("Mes dossiers : mes demandes directes et ceux ouverts pour mes idées, du plus récent au plus ancien",
          response=schemas.PersonDossierSummarySchema(many=True), auth=True, errors=(), tag=TAG)
def my_dossiers():
    return remote.call("routing", "my_dossiers", actor(), {})


@bp.get("/act/dossiers/<reference>")
@login_required
@endpoint("Un de mes dossiers de demande directe, avec son historique (404 pour celui d'une autre personne)",
          response=schemas.PersonDossierSchema, auth=True, errors=(400, 404), tag=TAG, path=PATH)
def my_dossier(reference):
    return remote.call("routing", "my_dossier", actor(), {"reference": reference})

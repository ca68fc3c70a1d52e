"""Petitions: list and read, draft and co-sponsor, sign; moderation and the Council of Paris (back-office)."""
import time

from cachetools import TTLCache
from flask import Blueprint, current_app

from hubkit.config import env_float

from .. import petitions_schemas as schemas
from .. import remote
from ..actors import actor
from ..auth import client_ip, login_required, roles_required
from ..idempotency import request_key
from ..openapi import endpoint

bp = Blueprint("api_petitions", __name__)

TAG = "petitions"
MODERATORS = ("moderator", "admin")
PUBLIC_PETITION = schemas.PetitionSchema()  # what visitors read, dumped once per view kept (_visitor_answer)


def client() -> dict:
    return {"ip": client_ip()}  # the signing hot path skips parsing the user agent it does not send


class PublicViews:
    """Petitions as visitors see them, kept a moment in this gateway process.

    Under a signing rush thousands of visitors read the same petition: one RPC per petition and per
    `seconds` answers all of them, so readers neither slow the signers down nor the other way round. The
    count a visitor sees is at most that old (the count itself comes from the petition's counter rows);
    signed-in readers, who see what they did, always get a fresh view. At most `max_entries` views are kept
    (the least recently used go first)."""

    def __init__(self, seconds: float, clock=time.monotonic, max_entries: int = 1000):
        self.seconds = seconds
        self._views = TTLCache(maxsize=max_entries, ttl=seconds, timer=clock)

    def get(self, petition_id: str, load, keep=None):
        """The view of `petition_id` kept less than `seconds` ago, or `load()` (kept unless `keep(view)` is
        false)."""
        view = self._views.get(petition_id, _MISSING)
        if view is not _MISSING:
            return view
        view = load()
        if keep is None or keep(view):
            self._views[petition_id] = view
        return view


_MISSING = object()  # a view may be anything a view function returns, None included


def read_petition(petition_id: str, viewer: dict | None) -> dict:
    """`petitions.get_petition`, from the visitors' short cache when nobody is signed in."""
    def load():
        return remote.call("petitions", "get_petition", {"petition_id": petition_id}, viewer)
    if viewer is not None:
        return load()
    views = current_app.extensions.get("petition_public_views")
    if views is None:
        views = current_app.extensions.setdefault(
            "petition_public_views", PublicViews(env_float("HUB_PETITION_VIEW_CACHE_SECONDS", 1.0)))
    return views.get(petition_id, load) if views.seconds > 0 else load()


def sign_command(petition_id: str, command: dict) -> dict:
    """A signature, coalesced with the others of the same moment into one `petitions.sign_petitions` call."""
    return remote.batched_call("petitions", "sign_petitions", {**command, "actor": actor(),
                                                               "petition_id": petition_id, "client": client()})


def _wire(data: dict) -> dict:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in data.items()}


# --- reading ------------------------------------------------------------------------------------

@bp.get("/petitions")
@endpoint("Lister les pétitions (onglet, recherche, tri)", query=schemas.ListQuerySchema,
          response=schemas.PetitionPageSchema, tag=TAG)
def list_petitions(data):
    """`status` : open, threshold_reached (seuil atteint ou inscrite au Conseil), answered, closed, rejected."""
    return remote.call("petitions", "list_petitions", data)


@bp.get("/petitions/reference")
@endpoint("Statuts, motifs de refus, décisions, règles d'éligibilité et réglages de la Ville",
          response=schemas.ReferenceSchema, errors=(), tag=TAG)
def reference():
    return remote.reference_data("petitions")


@bp.get("/petitions/<id:petition_id>")  # as PATCH: a malformed id is no petition (404), whatever the method
@endpoint("Lire une pétition (texte, compteur, répartition par arrondissement, Conseil, réponse)",
          response=schemas.PetitionSchema, errors=(404,), tag=TAG)
def get_petition(petition_id):
    """Avec un jeton : un brouillon est visible de son auteur, et `viewer` dit si vous l'avez signée. Sans jeton,
    la vue publique peut dater d'une seconde (elle est gardée un instant pour tenir les pics de lecture)."""
    viewer = actor()
    if viewer is not None:
        return read_petition(petition_id, viewer)
    return _visitor_answer(petition_id, read_petition(petition_id, None))


def _visitor_answer(petition_id: str, view: dict):
    """The visitors' view, dumped once for as long as it is kept: under a reading rush the dump cost more than the
    rest of the request (the view itself comes from the short cache)."""
    dumps = current_app.extensions.get("petition_public_dumps")
    if dumps is None:
        dumps = current_app.extensions.setdefault("petition_public_dumps", TTLCache(maxsize=1000, ttl=60))
    kept = dumps.get(petition_id)
    if kept is None or kept[0] is not view:
        kept = dumps[petition_id] = (view, PUBLIC_PETITION.dump(view))
    return current_app.json.response(kept[1])


@bp.get("/me/petitions")
@login_required
@endpoint("Mes pétitions : rédigées, parrainées, signées", response=schemas.MyPetitionsSchema, auth=True,
          errors=(), tag=TAG)
def my_petitions():
    return remote.call("petitions", "my_petitions", actor())


# --- drafting and co-sponsors -------------------------------------------------------------------

@bp.post("/petitions")
@login_required
@endpoint("Rédiger une pétition (brouillon)", body=schemas.DraftSchema, response=schemas.PetitionSchema,
          status=201, auth=True, errors=(400, 429), tag=TAG)
def draft_petition(data):
    """Le brouillon porte un lien privé de parrainage (`sponsor_token`) à partager avec ses co-parrains."""
    return remote.call("petitions", "draft_petition", actor(), data)


@bp.patch("/petitions/<id:petition_id>")  # not /petitions/council nor /moderation nor /reference
@login_required
@endpoint("Modifier mon brouillon (avant le premier co-parrain)", body=schemas.DraftUpdateSchema,
          response=schemas.PetitionSchema, auth=True, errors=(400, 403, 404, 409), tag=TAG)
def update_draft(petition_id, data):
    return remote.call("petitions", "update_draft", actor(), {**data, "petition_id": petition_id})


@bp.get("/petitions/sponsorships/<token>")
@login_required
@endpoint("Voir le brouillon derrière un lien de parrainage", response=schemas.PetitionSchema, auth=True,
          errors=(400, 404), tag=TAG, path=schemas.PATH)
def sponsor_view(token):
    return remote.call("petitions", "sponsor_view", actor(), {"token": token})


@bp.post("/petitions/sponsorships/<token>")
@login_required
@endpoint("Parrainer un brouillon (lien privé)", response=schemas.SponsorshipSchema, status=201, auth=True,
          errors=(400, 404, 409), tag=TAG, path=schemas.PATH)
def sponsor(token):
    """409 OWN_PETITION pour l'auteur, ALREADY_SPONSORED la seconde fois, NOT_A_DRAFT après la soumission."""
    return remote.call("petitions", "sponsor_petition", actor(), {"token": token})


@bp.post("/petitions/<petition_id>/submission")
@login_required
@endpoint("Soumettre mon brouillon à la modération (assez de co-parrains)", response=schemas.PetitionSchema,
          auth=True, errors=(403, 404, 409), tag=TAG)
def submit(petition_id):
    return remote.call("petitions", "submit_petition", actor(), {"petition_id": petition_id})


# --- signing ------------------------------------------------------------------------------------

@bp.post("/petitions/<petition_id>/signatures")
@login_required
@endpoint("Signer une pétition", body=schemas.SignSchema, response=schemas.SignatureResultSchema, status=201,
          auth=True, errors=(400, 403, 404, 409, 429), tag=TAG, idempotent=True)
def sign(petition_id, data):
    """Une signature par compte (409 ALREADY_SIGNED) ; 409 PETITION_NOT_PUBLISHED, PETITION_REJECTED ou
    PETITION_CLOSED ; 403 NOT_ELIGIBLE ; 429 avec Retry-After au-delà des limites par adresse et par compte. La même
    signature renvoyée avec la même `Idempotency-Key` reçoit la première réponse (et non 409)."""
    return sign_command(petition_id, {**data, "idempotency_key": request_key()})


# --- moderation (moderators, administrators) ----------------------------------------------------------

@bp.get("/petitions/moderation")
@roles_required(*MODERATORS)
@endpoint("File de modération (échéances, retards)", response=schemas.ModerationQueueSchema, auth=True,
          errors=(403,), tag="back-office")
def moderation_queue():
    return remote.call("petitions", "moderation_queue", actor())


@bp.post("/petitions/<petition_id>/publication")
@roles_required(*MODERATORS)
@endpoint("Publier une pétition", body=schemas.PublishSchema, response=schemas.PetitionSchema, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def publish(petition_id, data):
    return remote.call("petitions", "publish_petition", actor(), {**data, "petition_id": petition_id})


@bp.post("/petitions/<petition_id>/rejection")
@roles_required(*MODERATORS)
@endpoint("Refuser une pétition (motif codé et raison publique)", body=schemas.RejectSchema,
          response=schemas.PetitionSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def reject(petition_id, data):
    return remote.call("petitions", "reject_petition", actor(), {**data, "petition_id": petition_id})


# --- anti-fraud (moderators, administrators) ------------------------------------------------------------

@bp.get("/petitions/<petition_id>/signature-trends")
@roles_required(*MODERATORS)
@endpoint("Anti-fraude : adresses qui signent le plus, arrondissements, déclarations, dernières signatures",
          query=schemas.TrendsQuerySchema, response=schemas.SignatureTrendsSchema, auth=True,
          errors=(400, 403, 404), tag="back-office")
def signature_trends(petition_id, data):
    return remote.call("petitions", "signature_trends", actor(), {**data, "petition_id": petition_id})


@bp.post("/petitions/<petition_id>/invalidations")
@roles_required(*MODERATORS)
@endpoint("Invalider des signatures frauduleuses (par adresse IP ou par identifiants), avec un motif public",
          body=schemas.InvalidationSchema, response=schemas.InvalidationResultSchema, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def invalidate(petition_id, data):
    """Les signatures restent enregistrées mais ne comptent plus ; le compte est recalculé exactement.
    409 NOTHING_TO_INVALIDATE si aucune signature valide ne correspond."""
    return remote.call("petitions", "invalidate_signatures", actor(), {**data, "petition_id": petition_id})


# --- the Council of Paris (administrators) ---------------------------------------------------------

@bp.get("/petitions/council")
@roles_required(*MODERATORS)
@endpoint("Pétitions pour le Conseil de Paris : à inscrire, inscrites, répondues", response=schemas.CouncilAgendaSchema,
          auth=True, errors=(403,), tag="back-office")
def council_agenda():
    return remote.call("petitions", "council_agenda", actor())


@bp.post("/petitions/<petition_id>/council-placement")
@roles_required("admin")
@endpoint("Inscrire une pétition à une séance du Conseil de Paris", body=schemas.CouncilPlacementSchema,
          response=schemas.PetitionSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def schedule(petition_id, data):
    return remote.call("petitions", "schedule_for_council", actor(),
                               _wire({**data, "petition_id": petition_id}))


@bp.post("/petitions/<petition_id>/response")
@roles_required("admin")
@endpoint("Publier la réponse officielle et la décision", body=schemas.ResponseSchema,
          response=schemas.PetitionSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def respond(petition_id, data):
    return remote.call("petitions", "record_response", actor(), {**data, "petition_id": petition_id})


@bp.post("/petitions/<petition_id>/closure")
@roles_required("admin")
@endpoint("Clore une pétition qui a reçu sa réponse", response=schemas.PetitionSchema, auth=True,
          errors=(403, 404, 409), tag="back-office")
def close(petition_id):
    return remote.call("petitions", "close_petition", actor(), {"petition_id": petition_id})

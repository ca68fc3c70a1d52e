"""« Mon espace »: the kinds of items a person takes part in, their roles, the French labels of each kind's states,
the details the events give (in French), the links, and the page's opaque keyset cursor.

The states are the owners' codes (ideas', budget's, petitions' own); the labels repeat the owners' wording
(ideas.reference_data, budget's PROJECT_STATUSES and IMPLEMENTATION_STATUSES, petitions' STATUSES), since the page
must not ask five services for labels to show one list.
"""
import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import quote

from .preferences import CONSULTATIONS, FOLLOWED
from .wording import TITLE_MAX, Notice, idea_link

__all__ = ["IDEA", "CONTRIBUTION", "BUDGET_PROJECT", "BALLOT", "PETITION", "DOSSIER", "KINDS", "ROLES",
           "AUTHOR", "FOLLOWER", "CONTRIBUTOR", "CARRIER", "VOTER", "SPONSOR", "SIGNER", "REQUESTER",
           "SPACE_PAGE_MAX", "SPACE_PAGE_DEFAULT", "DETAIL_MAX", "state_label", "item_link", "forwarded_detail",
           "MERGED_IDEA_DETAIL", "answer_detail", "not_retained_detail", "study_state", "WINNER_DETAIL",
           "NOT_WINNER_DETAIL", "petition_detail", "dossier_detail", "SpaceCursor", "InvalidCursor",
           "encode_cursor", "decode_cursor", "follower_notice", "synthesis_notice"]

IDEA, CONTRIBUTION, BUDGET_PROJECT, BALLOT, PETITION, DOSSIER = (
    "idea", "contribution", "budget_project", "ballot", "petition", "dossier")
KINDS = (IDEA, CONTRIBUTION, BUDGET_PROJECT, BALLOT, PETITION, DOSSIER)
AUTHOR, FOLLOWER, CONTRIBUTOR, CARRIER = "author", "follower", "contributor", "carrier"
VOTER, SPONSOR, SIGNER, REQUESTER = "voter", "sponsor", "signer", "requester"
ROLES = (AUTHOR, FOLLOWER, CONTRIBUTOR, CARRIER, VOTER, SPONSOR, SIGNER, REQUESTER)
SPACE_PAGE_MAX, SPACE_PAGE_DEFAULT = 100, 50
DETAIL_MAX = 200  # of an answer's text quoted as the item's detail
ID_MAX = 64  # an item id: a uuid, or a dossier reference

# the labels of each kind's states (the owners' wording)
_LABELS = {
    IDEA: {"submitted": "Déposée", "under_review": "À l'étude", "forwarded": "Transmise",
           "answered": "Réponse apportée", "not_retained": "Non retenue", "merged": "Fusionnée"},
    CONTRIBUTION: {"upcoming": "À venir", "open": "En cours", "closed": "Terminée",
                   "synthesis": "Synthèse publiée"},
    BUDGET_PROJECT: {
        "draft": "Brouillon (à compléter par son porteur)", "merged": "Fusionné dans un projet co-construit",
        "submitted": "Déposé", "inadmissible": "Non recevable", "admissible": "Recevable",
        "unfeasible": "Non réalisable", "feasible": "Réalisable", "selected": "Soumis au vote", "winner": "Lauréat",
        "not_winner": "Non retenu", "non_demarre": "Non démarré", "etudes_conception": "Études et conception",
        "lancement_procedures": "Lancement des procédures", "realisation_travaux": "Réalisation des travaux",
        "en_cours_livraison": "En cours de livraison", "realise": "Réalisé", "non_realisable": "Non réalisable"},
    BALLOT: {"recorded": "Vote enregistré", "vote_closed": "Vote clos, dépouillement en cours",
             "results": "Résultats publiés"},
    PETITION: {"draft": "Brouillon", "submitted": "En attente de modération", "open": "Ouverte aux signatures",
               "rejected": "Refusée par la modération", "threshold_reached": "Seuil atteint",
               "scheduled_for_council": "Inscrite au Conseil de Paris", "answered": "Réponse de la Ville",
               "closed": "Close"},
    DOSSIER: {"received": "Demande transmise au dispositif", "answered": "Réponse du dispositif"},
}
UNKNOWN_STATE_LABEL = "En cours"
DOSSIER_ANSWERED_LABEL = "Réponse du dispositif"


def state_label(kind: str, state: str) -> str:
    """The French label of `state` for `kind`; a dossier's answered state is the scheme's own word (its status)."""
    if not state:
        return ""
    label = _LABELS.get(kind, {}).get(state)
    if label:
        return label
    if kind == DOSSIER:
        return f"{DOSSIER_ANSWERED_LABEL} : {state}"
    return UNKNOWN_STATE_LABEL


def item_link(kind: str, item_id: str, cycle_id: str | None = None) -> str:
    if kind == IDEA:
        return idea_link(item_id)
    if kind == CONTRIBUTION:
        return f"/consultations/{item_id}"
    if kind == BUDGET_PROJECT:
        return f"/budget-participatif/projets/{item_id}"
    if kind == BALLOT:
        return f"/budget-participatif/{item_id}/vote/recu"
    if kind == PETITION:
        return f"/petitions/{item_id}"
    return f"/agir/dossiers/{quote(item_id, safe='')}"


# --- details, in French ------------------------------------------------------------------------------------------

_FORWARDED_TO = {
    "budget": "Transmise au budget participatif",
    "petition": "Transmise aux pétitions",
    "greening_permit": "Transmise au permis de végétaliser",
    "street_report": "Transmise au signalement sur l'espace public (DansMaRue)",
    "direct_answer": "Transmise à une direction de la Ville pour réponse",
}
MERGED_IDEA_DETAIL = "Fusionnée avec une autre idée"
WINNER_DETAIL, NOT_WINNER_DETAIL = "Résultat du vote : lauréat", "Résultat du vote : non retenu"
_NOT_RETAINED = {
    "not_city_competence": "hors des compétences de la Ville", "already_done": "déjà réalisé ou programmé",
    "not_feasible": "techniquement irréalisable", "private_land": "sur un terrain privé",
    "running_cost": "dépense de fonctionnement, pas d'investissement",
    "contrary_to_law": "contraire à la loi ou à un règlement", "other": "autre motif"}
_REJECTED = {  # petitions' REJECTION_CODES
    "duplicate": "Doublon d'une pétition existante",
    "not_city_competence": "Ne relève pas de la compétence de la Ville de Paris",
    "offensive": "Propos injurieux, diffamatoires ou discriminatoires",
    "advertising": "Publicité ou promotion commerciale", "personal_data": "Contient des données personnelles",
    "other": "Autre motif"}
_DECISIONS = {"accepted": "Demande acceptée", "partially_accepted": "Demande acceptée en partie",
              "refused": "Demande refusée", "under_study": "Mise à l'étude"}
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _clip(text) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX - 1].rstrip() + "…"


def forwarded_detail(scheme: str | None) -> str:
    if not scheme:
        return "Transmise à un dispositif de la Ville"
    return _FORWARDED_TO.get(scheme, "Transmise à un dispositif de la Ville")


def answer_detail(answer) -> str:
    """The first 200 characters of the City's answer (on one line)."""
    return _clip(answer)


def not_retained_detail(reason_code: str | None) -> str:
    reason = _NOT_RETAINED.get(reason_code or "")
    return f"Motif : {reason}" if reason else ""


def study_state(admissible, feasible) -> str:
    """A project's status after its study (budget's rule: not admissible, else by feasibility once known)."""
    if admissible is False:
        return "inadmissible"
    if feasible is False:
        return "unfeasible"
    return "feasible" if feasible is True else "admissible"


def _french_date(value) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return f"{day.day}{'er' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


def petition_detail(event_type: str, payload: dict) -> str | None:
    """The detail a petition event gives (None: the event says nothing new to show)."""
    if event_type == "petition_rejected":
        return _REJECTED.get(payload.get("code") or "", "")
    if event_type == "petition_scheduled_for_council":
        when = _french_date(payload.get("session_date"))
        return f"Séance du Conseil de Paris du {when}" if when else ""
    if event_type == "petition_answered":
        return _DECISIONS.get(payload.get("decision") or "", "")
    if event_type == "petition_closed":
        return ("Close après la réponse de la Ville" if payload.get("reason") == "answered"
                else "Close à son échéance")
    if event_type == "petition_threshold_reached":
        return "Le seuil de signatures est atteint"
    return None


def dossier_detail(answer) -> str:
    return _clip(answer)


# --- the page's keyset cursor ------------------------------------------------------------------------------------

class InvalidCursor(ValueError):
    """Not a cursor this service gave (cut, altered, or made up)."""


@dataclass(frozen=True)
class SpaceCursor:
    """The last item of a page: the next page starts after it (updated_at desc, then kind, then id)."""
    updated_at: datetime
    kind: str
    item_id: str


def encode_cursor(updated_at: datetime, kind: str, item_id: str) -> str:
    moment = updated_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    raw = json.dumps([moment, kind, item_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(text: str) -> SpaceCursor:
    if not isinstance(text, str) or not text or len(text) > 300:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        moment, kind, item_id = json.loads(raw.decode("utf-8"))
        updated_at = datetime.fromisoformat(moment)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):  # json's errors are ValueErrors
        raise InvalidCursor() from None
    if updated_at.tzinfo is None or kind not in KINDS or not isinstance(item_id, str) or not item_id \
            or len(item_id) > ID_MAX:
        raise InvalidCursor()
    return SpaceCursor(updated_at.astimezone(timezone.utc), kind, item_id)


# --- what followers and contributors are told -------------------------------------------------------------------

_FOLLOWED_STATUS = {
    "under_review": "est à l'étude",
    "forwarded": "a été transmise",
    "answered": "a reçu une réponse de la Ville",
    "not_retained": "n'a pas été retenue",
    "merged": "a été regroupée avec une idée proche",
}


def follower_notice(account_id: str, idea_id: str, title: str, status: str, scheme: str | None = None,
                    merged_into: str | None = None) -> Notice | None:
    """What a follower of an idea is told when its status changes (« Ce que je suis »); None for a status they
    need not hear about."""
    what = _FOLLOWED_STATUS.get(status)
    if what is None:
        return None
    named = f"L'idée « {title} »" if title else "Une idée que vous suivez"
    body = f"{named} {what}."
    if status == "forwarded":
        body = f"{named} {what} : {forwarded_detail(scheme)[len('Transmise '):]}."
    link = idea_link(merged_into) if status == "merged" and merged_into else idea_link(idea_id)
    if status == "merged":
        body += " La suite se passe sur la page de l'idée regroupée, que vous suivez désormais."
    heading = f"Une idée que vous suivez {what}"
    return Notice(str(account_id), FOLLOWED, heading[:TITLE_MAX], body, link)


def synthesis_notice(account_id: str, consultation_id: str, title: str) -> Notice:
    """What a contributor of a consultation is told when its synthesis is first published (« Consultations »)."""
    named = f"la consultation « {title} »" if title else "une consultation à laquelle vous avez participé"
    body = (f"La Ville a publié la synthèse et sa décision pour {named}. Merci pour votre participation : "
            "découvrez ce qu'elle est devenue.")
    return Notice(str(account_id), CONSULTATIONS, "Synthèse publiée d'une consultation à laquelle vous avez participé",
                  body, item_link(CONTRIBUTION, consultation_id))

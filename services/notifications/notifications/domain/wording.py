"""What each event tells whom: the category, the title, the body and the link of a notification, in French.

Short, plain, no greeting (accounts starts every e-mail with « Bonjour <pseudonyme>, »), and what the agent wrote
(the forwarding message, the answer, the reason) in full: that is the news. The idea's title comes from the ideas
service (events carry ids only); without it, the text says « votre idée ».
"""
from dataclasses import dataclass
from urllib.parse import quote

from .preferences import MY_IDEAS

__all__ = ["Notice", "IDEA_SUBMITTED", "IDEA_MERGED", "IDEA_FORWARDED", "IDEA_ANSWERED", "IDEA_NOT_RETAINED",
           "DOSSIER_ANSWERED", "ACCOUNT_DELETED", "AUTHOR_EVENTS", "NOT_RETAINED_REASONS", "idea_link", "notice_for", "request_notice_for"]

# Other services' event types this service reads (their producers' events.py name them too).
IDEA_SUBMITTED, IDEA_MERGED = "idea_submitted", "idea_merged"
IDEA_FORWARDED, IDEA_ANSWERED, IDEA_NOT_RETAINED = "idea_forwarded", "idea_answered", "idea_not_retained"
DOSSIER_ANSWERED, ACCOUNT_DELETED = "dossier_answered", "account_deleted"
AUTHOR_EVENTS = (IDEA_FORWARDED, IDEA_ANSWERED, IDEA_NOT_RETAINED, DOSSIER_ANSWERED, IDEA_MERGED)

# routing's reason codes for an idea set aside (routing.reference_data names them the same way)
NOT_RETAINED_REASONS = {
    "not_city_competence": "hors des compétences de la Ville",
    "already_done": "déjà réalisé ou programmé",
    "not_feasible": "techniquement irréalisable",
    "private_land": "sur un terrain privé",
    "running_cost": "dépense de fonctionnement, pas d'investissement",
    "contrary_to_law": "contraire à la loi ou à un règlement",
    "other": "autre motif",
}
TITLE_MAX = 200


@dataclass(frozen=True)
class Notice:
    """One notification to write for `account_id`."""
    account_id: str
    category: str
    title: str
    body: str
    link: str


def idea_link(idea_id: str) -> str:
    return f"/idees/{idea_id}"


def _your_idea(title: str | None) -> str:
    return f"Votre idée « {title} »" if title else "Votre idée"


def _text(value) -> str:
    return str(value or "").strip()


def notice_for(event_type: str, payload: dict, author_id: str | None, idea: dict | None = None,
               surviving: dict | None = None) -> Notice | None:
    """The notification an event of routing or ideas gives the idea's author, or None (no author: nobody).

    `idea`: the idea as ideas.get_idea gives it (`title`, `scheme_label`), or None if it could not be read;
    `surviving`: for `idea_merged`, the idea it was merged into."""
    if not author_id or event_type not in AUTHOR_EVENTS:
        return None
    title = _text((idea or {}).get("title")) or None
    idea_id = str(payload["idea_id"])
    link = idea_link(idea_id)
    if event_type == IDEA_FORWARDED:
        scheme = _text((idea or {}).get("scheme_label")) or _text(payload.get("scheme"))
        heading = "Votre idée a été transmise"
        body = f"{_your_idea(title)} a été transmise au dispositif « {scheme} »." if scheme else \
            f"{_your_idea(title)} a été transmise."
        if _text(payload.get("dossier_reference")):
            body += f"\nRéférence du dossier : {_text(payload['dossier_reference'])}."
        if _text(payload.get("message")):
            body += f"\n\nMessage de la Ville :\n{_text(payload['message'])}"
    elif event_type == IDEA_ANSWERED:
        heading = "La Ville a répondu à votre idée"
        body = f"Réponse à {_your_idea(title)[0].lower()}{_your_idea(title)[1:]} :\n\n{_text(payload.get('answer'))}"
    elif event_type == IDEA_NOT_RETAINED:
        heading = "Votre idée n'a pas été retenue"
        reason = NOT_RETAINED_REASONS.get(payload.get("reason_code"), "")
        body = f"{_your_idea(title)} n'a pas été retenue" + (f" ({reason})." if reason else ".")
        if _text(payload.get("reason")):
            body += f"\n\n{_text(payload['reason'])}"
    elif event_type == DOSSIER_ANSWERED:
        reference = _text(payload.get("dossier_reference"))
        heading = f"Réponse au dossier {reference}" if reference else "Réponse à votre dossier"
        body = (f"Le dossier {reference} ouvert pour {_your_idea(title)[0].lower()}{_your_idea(title)[1:]} a reçu "
                f"une réponse du dispositif")
        body += f" : {_text(payload['status'])}." if _text(payload.get("status")) else "."
        if _text(payload.get("answer")):
            body += f"\n\nRéponse du dispositif :\n{_text(payload['answer'])}"
        body += "\nLe détail est sur la page de l'idée."
    else:  # IDEA_MERGED
        surviving_id = str(payload["merged_into"])
        link = idea_link(surviving_id)
        other = _text((surviving or {}).get("title"))
        heading = "Votre idée a été regroupée avec une idée proche"
        body = (f"{_your_idea(title)} ressemblait beaucoup à " + (f"l'idée « {other} »" if other else "une autre idée")
                + " : elles sont maintenant regroupées, et ses soutiens l'ont suivie. La suite se passe sur la page "
                  "de l'idée regroupée.")
    return Notice(str(author_id), MY_IDEAS, heading[:TITLE_MAX], body, link)


def request_notice_for(event_type: str, payload: dict, requester_id: str | None) -> Notice | None:
    """The notification telling a citizen that the scheme answered the dossier they asked for through « Agir »
    (no idea behind it), or None (not such an event, or nobody to tell)."""
    reference = _text(payload.get("dossier_reference"))
    if event_type != DOSSIER_ANSWERED or not requester_id or not reference:
        return None
    body = f"Votre demande (dossier {reference}) a reçu une réponse du dispositif"
    body += f" : {_text(payload['status'])}." if _text(payload.get("status")) else "."
    if _text(payload.get("answer")):
        body += f"\n\nRéponse du dispositif :\n{_text(payload['answer'])}"
    body += "\nLe détail est sur la page de votre demande."
    return Notice(str(requester_id), MY_IDEAS, f"Réponse à votre demande {reference}"[:TITLE_MAX], body,
                  f"/agir/dossiers/{quote(reference, safe='')}")

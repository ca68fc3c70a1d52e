"""What the idea box's own events tell people (moved here from the ideas service, issue 15 §1): the followers of an
idea merged into another, the author of a proposal someone amended, the author of an amendment the proposal's author
or an agent decided. Same tone as wording.py (no greeting, no link in the body: the notification carries it), the
subjects as the ideas service's own e-mails had them (« Idée fusionnée : … », « Nouvel amendement : … », « Votre
amendement : … »). A title the ideas service did not give is not invented."""
from .preferences import CONSULTATIONS, FOLLOWED
from .wording import TITLE_MAX, Notice, idea_link

__all__ = ["PROPOSAL", "proposal_link", "merged_follower_notice", "amendment_proposed_notice",
           "amendment_decided_notice", "AMENDMENT_DECISIONS"]

PROPOSAL = "proposal"  # the owner reader's kind for ideas.get_proposal (not an item of « Mon espace »)
AMENDMENT_DECISIONS = {"accepted": "accepté", "rejected": "rejeté"}  # ideas' amendment statuses


def proposal_link(proposal_id: str, amendment_id: str) -> str:
    return f"/consultations/propositions/{proposal_id}#amendement-{amendment_id}"


def _named(what: str, title: str | None) -> str:
    return f"{what} « {title} »" if title else what


def merged_follower_notice(account_id: str, idea_id: str, title: str | None, surviving_id: str,
                           surviving_title: str | None) -> Notice:
    """A follower (not the author) of an idea an agent merged into another one (« Ce que je suis »)."""
    merged = f"L'idée « {title} »" if title else "Une idée"
    surviving = f"l'idée « {surviving_title} »" if surviving_title else "une autre idée"
    body = (f"{merged}, que vous suivez, a été fusionnée avec {surviving} : ses soutiens et ses abonnés y ont été "
            "reportés, et vous suivez désormais l'idée qui les regroupe. Le message de la Ville est sur sa page.")
    heading = f"Idée fusionnée : {title}" if title else "Une idée que vous suivez a été fusionnée"
    return Notice(str(account_id), FOLLOWED, heading[:TITLE_MAX], body, idea_link(surviving_id))


def amendment_proposed_notice(account_id: str, proposal_id: str, amendment_id: str, proposal_title: str | None,
                              amendment_title: str | None) -> Notice:
    """To a proposal's author: someone amended it, and they decide (« Consultations »)."""
    body = (f"{_named('Votre proposition', proposal_title)} a reçu un amendement"
            + (f" : « {amendment_title} »." if amendment_title else ".")
            + "\n\nVous pouvez l'accepter ou le rejeter tant que la consultation est ouverte.")
    heading = f"Nouvel amendement : {proposal_title}" if proposal_title else "Nouvel amendement à votre proposition"
    return Notice(str(account_id), CONSULTATIONS, heading[:TITLE_MAX], body, proposal_link(proposal_id, amendment_id))


def amendment_decided_notice(account_id: str, proposal_id: str, amendment_id: str, amendment_title: str | None,
                             decision: str, note: str | None) -> Notice | None:
    """To an amendment's author: what was decided, and why if it was said (« Consultations »); None for a decision
    this code does not know."""
    verdict = AMENDMENT_DECISIONS.get(decision)
    if verdict is None:
        return None
    body = f"{_named('Votre amendement', amendment_title)} a été {verdict}."
    if (note or "").strip():
        body += f"\nMotif : {note.strip()}"
    body += "\n\nLa proposition et ses amendements sont sur sa page."
    heading = f"Votre amendement : {amendment_title}" if amendment_title else f"Votre amendement a été {verdict}"
    return Notice(str(account_id), CONSULTATIONS, heading[:TITLE_MAX], body, proposal_link(proposal_id, amendment_id))

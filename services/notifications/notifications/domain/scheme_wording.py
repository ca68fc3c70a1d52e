"""What budget's and petitions' events tell people (moved here from the owners, issue 15 §1): a draft awaiting its
author, an invitation to carry a co-constructed project, a winner's works moving on, a petition's steps.

Same tone as wording.py: short, plain, no greeting (accounts adds « Bonjour <pseudonyme>, ») and no link in the
body (the notification carries it; the e-mail adds « Voir dans le hub »). A title the owner did not show us yet (a
draft) is not invented: the text then says « votre idée », « le projet », « la pétition »."""
from datetime import date

from .my_space import BUDGET_PROJECT, PETITION, item_link, state_label
from .preferences import FOLLOWED, MY_PETITIONS, MY_PROJECTS, SIGNED_PETITIONS
from .wording import TITLE_MAX, Notice

__all__ = ["project_drafted_notice", "merge_invitation_notice", "project_status_notice", "petition_notice",
           "PETITION_NOTIFIED_EVENTS", "AUTHOR_ONLY_EVENTS", "date_fr"]

PETITION_NOTIFIED_EVENTS = ("petition_drafted", "petition_rejected", "petition_threshold_reached",
                            "petition_scheduled_for_council", "petition_answered")
AUTHOR_ONLY_EVENTS = ("petition_drafted", "petition_rejected")  # nobody signed a draft, nor a petition refused
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def date_fr(iso) -> str:
    """"2027-02-09" -> "9 février 2027" (anything else is returned as it came)."""
    try:
        day = date.fromisoformat(str(iso))
    except (TypeError, ValueError):
        return str(iso or "")
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


def _quoted(title: str | None) -> str:
    return f" « {title} »" if title else ""


def _subject(text: str, title: str | None) -> str:
    return f"{text} : « {title} »" if title else text


def _notice(account_id: str, category: str, heading: str, body: str, kind: str, item_id: str) -> Notice:
    return Notice(str(account_id), category, heading[:TITLE_MAX], body, item_link(kind, item_id))


def project_drafted_notice(account_id: str, project_id: str, title: str | None) -> Notice:
    """The author of an idea the City forwarded to the budget: a draft project awaits them (« Mes projets »)."""
    body = ("La Ville a orienté votre idée vers le budget participatif. Un brouillon de projet"
            f"{_quoted(title)} vous attend : complétez-le (coût estimé, lieu, description) et confirmez son dépôt "
            "pendant la période de dépôt. Rien n'est publié sans vous.")
    return _notice(account_id, MY_PROJECTS, _subject("Votre idée devient un projet du budget participatif", title),
                   body, BUDGET_PROJECT, project_id)


def merge_invitation_notice(account_id: str, project_id: str, title: str | None) -> Notice:
    """A carrier of a merged source project, invited to carry the co-constructed one (« Mes projets »)."""
    named = f"« {title} »" if title else "un projet co-construit"
    body = (f"Pendant la co-construction du budget participatif, la Ville a rassemblé votre projet avec d'autres "
            f"projets proches dans {named}.\n\nVous êtes invité·e à porter ce projet co-construit : acceptez ou "
            "refusez l'invitation sur sa page (si vous refusez, la fusion demeure et vous n'en êtes simplement pas "
            "porteur·se).")
    return _notice(account_id, MY_PROJECTS, _subject("Votre projet rejoint un projet co-construit", title), body,
                   BUDGET_PROJECT, project_id)


def project_status_notice(account_id: str, project_id: str, title: str | None, status: str,
                          effective_date: str | None, carrier: bool) -> Notice:
    """A winner moved along its works timeline: its carriers (« Mes projets ») and followers (« Ce que je suis »)."""
    label = state_label(BUDGET_PROJECT, status) or status
    named = f"Le projet « {title} »" if title else "Le projet"
    why = "que vous portez" if carrier else "que vous suivez"
    body = f"{named}, lauréat du budget participatif {why}, passe à l'étape « {label} »"
    body += f" (date d'effet : {date_fr(effective_date)})." if effective_date else "."
    body += "\n\nLe calendrier du projet et la justification de la Ville sont sur sa page."
    heading = f"Avancement du projet « {title} » : {label}" if title else f"Avancement d'un projet : {label}"
    return _notice(account_id, MY_PROJECTS if carrier else FOLLOWED, heading, body, BUDGET_PROJECT, project_id)


def petition_notice(event_type: str, account_id: str, petition_id: str, title: str | None, payload: dict,
                    author: bool) -> Notice | None:
    """A step of a petition: its author (« Mes pétitions ») and the signers who asked to be told (« Pétitions
    signées »); None for an event that tells nobody (or a draft or a refusal, which tell the author only).

    `payload`: the event's; for `petition_rejected`, `rejection` is the petition's as petitions.get_petition shows
    it to anyone ({"label", "reason", "hidden"}), or None when it could not be read."""
    if event_type not in PETITION_NOTIFIED_EVENTS or (event_type in AUTHOR_ONLY_EVENTS and not author):
        return None
    quoted = f"« {title} »" if title else ""
    the_petition = f"La pétition {quoted}" if title else "La pétition"
    if event_type == "petition_drafted":
        heading = "Votre idée devient un brouillon de pétition"
        text = (f"La Ville de Paris propose que votre idée devienne une pétition. Un brouillon{_quoted(title)} a été "
                "préparé à partir de votre idée : relisez-le, complétez-le, puis partagez son lien de parrainage "
                "avec vos co-parrains avant de le soumettre à la modération. Rien n'est publié sans vous.")
    elif event_type == "petition_rejected":
        heading = "Votre pétition n'a pas été publiée"
        text = f"{the_petition} n'a pas été publiée par la modération."
        rejection = payload.get("rejection") or {}
        if rejection.get("label"):
            text += f"\nMotif : {rejection['label']}."
        if rejection.get("reason") and not rejection.get("hidden"):
            text += f"\n\nExplication de la modération :\n{rejection['reason']}"
        else:
            text += "\n\nL'explication de la modération est sur la page de la pétition."
    elif event_type == "petition_threshold_reached":
        heading = ("Votre pétition a atteint son seuil" if author else
                   "Une pétition que vous avez signée a atteint son seuil")
        text = (f"{the_petition} a atteint {payload.get('signatures_count') or ''} signatures, son seuil de "
                f"{payload.get('threshold') or ''}. La Ville de Paris va l'inscrire à l'ordre du jour du Conseil de "
                "Paris.")
    elif event_type == "petition_scheduled_for_council":
        heading = "Pétition inscrite au Conseil de Paris"
        text = (f"{the_petition} est inscrite à la séance du Conseil de Paris du "
                f"{date_fr(payload.get('session_date'))}.")
    else:
        heading = "La Ville de Paris a répondu à la pétition"
        text = f"La Ville de Paris a publié sa réponse officielle à la pétition{_quoted(title)}."
    text += ("\n\nVous recevez ce message parce que vous en êtes l'auteur ou l'autrice." if author else
             "\n\nVous recevez ce message parce que vous avez demandé à être tenu·e informé·e en la signant.")
    return _notice(account_id, MY_PETITIONS if author else SIGNED_PETITIONS, heading, text, PETITION, petition_id)

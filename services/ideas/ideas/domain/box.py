"""Rules of the permanent idea box, in plain Python (no database, no nameko, no Flask)."""
from .text import RuleBroken, clean_text, one_line, search_key

ANONYMOUS_PSEUDONYM = "Citoyen·ne anonyme"

# The themes of the Paris participatory budget, with the labels the City publishes them under
# (opendata.paris.fr, bp_projets_gagnants, column « Thématique »). Codes travel on the wire and in
# events; labels are what citizens read.
THEMES = {
    "cadre_de_vie": "Cadre de vie",
    "culture_patrimoine": "Culture et patrimoine",
    "attractivite_emploi": "Attractivité et emploi",
    "education_jeunesse": "Education et jeunesse",
    "environnement": "Environnement",
    "mobilites": "Mobilités",
    "prevention_securite": "Prévention et sécurité",
    "proprete": "Propreté",
    "sante": "Santé",
    "solidarites": "Solidarités",
    "sport": "Sport",
}

SUBMITTED, UNDER_REVIEW, FORWARDED = "submitted", "under_review", "forwarded"
ANSWERED, NOT_RETAINED, MERGED = "answered", "not_retained", "merged"
STATUSES = {
    SUBMITTED: "Déposée",
    UNDER_REVIEW: "À l'étude",
    FORWARDED: "Transmise",
    ANSWERED: "Réponse apportée",
    NOT_RETAINED: "Non retenue",
    MERGED: "Fusionnée",
}

# Where an idea can be forwarded: the City's other schemes of participation.
SCHEMES = {
    "budget": "Budget participatif",
    "greening_permit": "Permis de végétaliser",
    "street_report": "Signalement sur l'espace public (DansMaRue)",
    "petition": "Pétitions",
    "direct_answer": "Réponse directe d'une direction de la Ville",
}

# An idea is studied once, then leaves the box one way; the last four statuses are final.
TRANSITIONS = {
    SUBMITTED: (UNDER_REVIEW,),
    UNDER_REVIEW: (FORWARDED, ANSWERED, NOT_RETAINED, MERGED),
    FORWARDED: (),
    ANSWERED: (),
    NOT_RETAINED: (),
    MERGED: (),
}
OPEN_STATUSES = (SUBMITTED, UNDER_REVIEW)

# Who works on ideas: merging duplicates (the roles come from the gateway's principal; see docs/architecture.md).
# A direct status change is narrower: `may_change_status`.
STAFF_ROLES = ("agent", "moderator", "admin")
ROLES = ("citizen", *STAFF_ROLES)

TITLE_MIN, TITLE_MAX = 5, 140
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 5000
ADDRESS_MAX = 200
COMMENT_MAX = 2000
MESSAGE_MAX = 2000
PSEUDONYM_MAX = 40
ARRONDISSEMENTS = range(1, 21)


# --- submitting ------------------------------------------------------------------------------

def check_title(title: str) -> str:
    title = one_line(title)
    if not title:
        raise RuleBroken("Donnez un titre à votre idée.", "title")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise RuleBroken(f"Entre {TITLE_MIN} et {TITLE_MAX} caractères.", "title")
    return title


def check_description(description: str) -> str:
    description = clean_text(description)
    if not description:
        raise RuleBroken("Décrivez votre idée.", "description")
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise RuleBroken(f"Entre {DESCRIPTION_MIN} et {DESCRIPTION_MAX} caractères.", "description")
    return description


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RuleBroken("Choisissez une thématique de la liste.", "theme")
    return theme


def check_place(arrondissement: int | None, address_line: str | None) -> tuple:
    """Where the idea applies: an arrondissement, an address line, both, or neither (all of Paris)."""
    if arrondissement is not None and arrondissement not in ARRONDISSEMENTS:
        raise RuleBroken("Arrondissement de 1 à 20 attendu.", "arrondissement")
    address_line = one_line(address_line) or None
    if address_line and len(address_line) > ADDRESS_MAX:
        raise RuleBroken(f"Au plus {ADDRESS_MAX} caractères.", "address_line")
    return arrondissement, address_line


def check_comment(body: str) -> str:
    body = clean_text(body)
    if not body:
        raise RuleBroken("Le commentaire est vide.", "body")
    if len(body) > COMMENT_MAX:
        raise RuleBroken(f"Au plus {COMMENT_MAX} caractères.", "body")
    return body


def author_pseudonym(pseudonym: str | None) -> str:
    """The name shown with a contribution: the pseudonym at the time, else the anonymous one."""
    pseudonym = one_line(pseudonym)[:PSEUDONYM_MAX]
    return pseudonym or ANONYMOUS_PSEUDONYM


# --- status ----------------------------------------------------------------------------------

def is_staff(roles) -> bool:
    return bool(set(roles or ()) & set(STAFF_ROLES))


def may_change_status(roles) -> bool:
    """A direct status change in the idea box is for administrators only. An agent decides on an idea (forward,
    answer, not retain, duplicate) from routing's inbox, where only the agents of the idea's owning direction may
    act, and routing tells ideas by events; letting any agent or moderator move the status here would go around
    that direction rule (issue 12, section 3). Merging duplicates stays open to staff (`is_staff`)."""
    return "admin" in set(roles or ())


def is_author(author_id: str | None, account_id: str) -> bool:
    """Whether this account wrote the idea (a deleted author's ideas have none). Its author neither follows it
    (they hear of its progress as its author) nor reports it (three reports hide an idea: the author's own
    reports must not count among them)."""
    return author_id is not None and str(author_id) == str(account_id)


def acting_role(roles) -> str:
    """The role an actor acts under: the highest they hold (for the event's actor and the timeline)."""
    held = [role for role in ROLES if role in set(roles or ())]
    return held[-1] if held else "citizen"


def check_transition(current: str, target: str, message: str, scheme: str | None = None,
                     merged_into: str | None = None, idea_id: str | None = None) -> str:
    """Check that an idea in `current` may move to `target` with these details; returns the message."""
    if target not in STATUSES:
        raise RuleBroken("Statut inconnu.", "status")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(f"« {STATUSES[status]} »" for status in TRANSITIONS[current])
        reason = (f"Depuis « {STATUSES[current]} », l'idée peut seulement passer à : {allowed}." if allowed
                  else f"L'idée est close (« {STATUSES[current]} ») : son statut ne change plus.")
        raise RuleBroken(reason, "status", code="INVALID_TRANSITION")
    message = clean_text(message)
    if not message:
        raise RuleBroken(_MESSAGE_REQUIRED.get(target, "Un message public explique ce changement."), "message")
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    if target == FORWARDED and scheme not in SCHEMES:
        raise RuleBroken("Choisissez le dispositif auquel l'idée est transmise.", "scheme")
    if target != FORWARDED and scheme:
        raise RuleBroken("Seule une idée transmise a un dispositif.", "scheme")
    if target == MERGED and not merged_into:
        raise RuleBroken("Indiquez l'idée avec laquelle celle-ci est fusionnée.", "merged_into")
    if target == MERGED and merged_into == idea_id:
        raise RuleBroken("Une idée ne peut pas être fusionnée avec elle-même.", "merged_into")
    if target != MERGED and merged_into:
        raise RuleBroken("Seule une idée fusionnée indique une autre idée.", "merged_into")
    return message


_MESSAGE_REQUIRED = {
    ANSWERED: "Écrivez la réponse apportée à l'idée.",
    NOT_RETAINED: "Expliquez pourquoi l'idée n'est pas retenue.",
}


def check_merge_target(status: str):
    """An idea is merged into one that is still alive: not itself merged or set aside."""
    if status in (MERGED, NOT_RETAINED):
        raise RuleBroken("L'idée cible est elle-même fusionnée ou non retenue.", "merged_into")


def check_open_for_support(status: str):
    if status not in OPEN_STATUSES:
        raise RuleBroken(f"Cette idée est « {STATUSES[status]} » : elle ne recueille plus de soutiens.",
                         code="IDEA_CLOSED")


def check_open_for_comments(status: str):
    if status == MERGED:
        raise RuleBroken("Cette idée a été fusionnée : commentez l'idée qui la regroupe.", code="IDEA_CLOSED")


def searchable(title: str, description: str) -> str:
    return search_key(f"{title}\n{description}")


# --- merging ---------------------------------------------------------------------------------------

def check_merge(source_id: str, source_status: str, target_id: str, target_status: str, message: str) -> str:
    """An open idea is merged into another live one, with a public message; returns the message."""
    if source_id == target_id:
        raise RuleBroken("Une idée ne peut pas être fusionnée avec elle-même.", "into")
    if source_status not in OPEN_STATUSES:
        raise RuleBroken(f"L'idée est close (« {STATUSES[source_status]} ») : elle ne peut plus être fusionnée.",
                         code="INVALID_TRANSITION")
    if target_status in (MERGED, NOT_RETAINED):
        raise RuleBroken("L'idée cible est elle-même fusionnée ou non retenue.", "into")
    message = clean_text(message)
    if not message:
        raise RuleBroken("Un message public explique la fusion.", "message")
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    return message

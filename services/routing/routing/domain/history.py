"""The one history of an idea: what each event of another service means on its timeline."""
import re


IDEA_STATUS_LABELS = {"submitted": "Déposée", "under_review": "À l'étude", "forwarded": "Transmise",
                      "answered": "Réponse apportée", "not_retained": "Non retenue", "merged": "Fusionnée"}

# What each event of another service means on an idea's timeline (French, public-safe: no name, no note).
TRACE_SUMMARIES = {
    "idea_submitted": "Idée déposée dans la boîte à idées.",
    "idea_status_changed": "Statut de l'idée : « {status_label} ».",
    "idea_merged": "Idée fusionnée avec une idée semblable.",
    "project_drafted": "Projet pré-rempli au budget participatif : l'auteur est invité à le compléter et le "
                       "confirmer.",
    "project_submitted": "Projet déposé au budget participatif.",
    "project_study_decided": "Étude du projet par la Ville : {study}.",
    "projects_merged": "Projet regroupé avec d'autres projets proches.",
    "project_selected": "Projet soumis au vote du budget participatif.",
    "results_published": "Projet lauréat du vote du budget participatif.",
    "project_status_changed": "Avancement du projet : « {status} ».",
    "petition_drafted": "Pétition pré-remplie pour l'auteur de l'idée.",
    "petition_submitted": "Pétition soumise à la modération.",
    "petition_published": "Pétition ouverte aux signatures.",
    "petition_rejected": "Pétition refusée par la modération.",
    "petition_threshold_reached": "La pétition a atteint le seuil de signatures.",
    "petition_scheduled_for_council": "Pétition inscrite à une séance du Conseil de Paris.",
    "petition_answered": "Réponse de la Ville à la pétition.",
    "petition_closed": "Pétition close.",
}

TRACED_EVENTS = {
    "ideas": ("idea_status_changed", "idea_merged"),
    "budget": ("project_drafted", "project_submitted", "project_study_decided", "projects_merged",
               "project_selected", "results_published", "project_status_changed"),
    "petitions": ("petition_drafted", "petition_submitted", "petition_published", "petition_rejected",
                  "petition_threshold_reached", "petition_scheduled_for_council", "petition_answered",
                  "petition_closed"),
}


def trace_summary(event_type: str, payload: dict) -> str:
    template = TRACE_SUMMARIES.get(event_type, "Événement « " + event_type + " ».")
    status = payload.get("status") or ""
    if payload.get("admissible") is False:
        study = "non recevable"
    elif payload.get("feasible") is False:
        study = "non réalisable"
    elif payload.get("admissible"):
        study = "recevable" + (" et réalisable" if payload.get("feasible") else "")
    else:
        study = "en cours"
    return template.format(status_label=IDEA_STATUS_LABELS.get(status, status), status=str(status)[:60],
                           study=study)


# --- naming the people and directions of the history ----------------------------------------------------

# Where a trace's agent note writes an account id (decisions.py, effects.py): the agents are named when it is
# read, by their pseudonym now (never stored: a pseudonym changes, an account goes away).
_ACCOUNT_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PERSON = re.compile(rf"(?P<before>Assignée à |Décision de | par )(?P<who>{_ACCOUNT_ID}|\(compte supprimé\))")
_DIRECTION = re.compile(r"\bdirection (?P<code>[A-Z][A-Z0-9]{1,15})\b")
SOMEONE = "Agent·e"  # a deleted account, or one accounts cannot name: never its id


def people_in(text: str | None) -> set:
    """The account ids a note names (to ask their pseudonyms)."""
    return {match["who"] for match in _PERSON.finditer(text or "") if match["who"][0] != "("}


def named(text: str | None, pseudonyms: dict, directions: dict) -> str | None:
    """The note or summary as people read it: each account id by its pseudonym (`pseudonyms`: id → pseudonym of
    the active accounts), « Agent·e » for any other (deleted, unknown); each direction's code with its name."""
    if not text:
        return text

    def person(match):
        return match["before"] + pseudonyms.get(match["who"], SOMEONE)

    def direction(match):
        name = directions.get(match["code"])
        return f"direction {match['code']} ({name})" if name else match[0]
    return _DIRECTION.sub(direction, _PERSON.sub(person, text))

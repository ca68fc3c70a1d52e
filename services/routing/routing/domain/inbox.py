"""The inbox's rules: statuses, decisions and their undo window, the checklist an agent ticks, deadlines, dossier
references."""
from datetime import datetime, timedelta

from .access import NotAllowed, RuleBroken, clean_text
from .catalogue import DIRECT_ANSWER

MESSAGE_MAX, REASON_MAX = 4000, 2000

# Why an idea is not retained (the code is in the event; the text explains it to the citizen).
NOT_RETAINED_REASONS = {
    "not_city_competence": "Hors des compétences de la Ville",
    "already_done": "Déjà réalisé ou programmé",
    "not_feasible": "Techniquement irréalisable",
    "private_land": "Sur un terrain privé",
    "running_cost": "Dépense de fonctionnement, pas d'investissement",
    "contrary_to_law": "Contraire à la loi ou à un règlement",
    "other": "Autre motif",
}

# Statuses of an inbox item.
WAITING, PENDING, FORWARDED, ANSWERED, NOT_RETAINED, MERGED = (
    "waiting", "pending", "forwarded", "answered", "not_retained", "merged")
STATUSES = {WAITING: "À traiter", PENDING: "Décision en cours (annulable)", FORWARDED: "Transmise",
            ANSWERED: "Réponse apportée", NOT_RETAINED: "Non retenue", MERGED: "Fusionnée (doublon)"}
OPEN_STATUSES = (WAITING, PENDING)

# What an agent decides.
FORWARD, ANSWER, NOT_RETAIN, DUPLICATE = "forward", "answer", "not_retain", "duplicate"
ACTIONS = {FORWARD: "Transmettre à un dispositif", ANSWER: "Répondre directement",
           NOT_RETAIN: "Ne pas retenir", DUPLICATE: "Marquer comme doublon"}
OUTCOME_OF = {FORWARD: FORWARDED, ANSWER: ANSWERED, NOT_RETAIN: NOT_RETAINED, DUPLICATE: MERGED}


YES, NO, UNKNOWN = "yes", "no", "unknown"
CHECK_VALUES = {YES: "Oui", NO: "Non", UNKNOWN: "À vérifier"}

CHECKS = {
    "city_competence": "Relève des compétences de la Ville de Paris",
    "public_land": "Concerne l'espace public ou un équipement municipal",
    "investment": "Investissement (pas une dépense de fonctionnement)",
    "general_interest": "D'intérêt général (pas un intérêt privé)",
    "not_already_done": "Pas déjà réalisé ni programmé",
}


def check_checklist(values: dict, current: dict) -> dict:
    """The agent's ticks: known checks only, each yes/no/unknown; the explanation of a changed value is theirs."""
    updated = {code: dict(entry) for code, entry in current.items()}
    for code, value in values.items():
        if code not in CHECKS:
            raise RuleBroken("Critère inconnu.", code)
        if value not in CHECK_VALUES:
            raise RuleBroken("Oui, non ou à vérifier.", code)
        entry = updated.setdefault(code, {"value": UNKNOWN, "why": ""})
        if entry["value"] != value:
            entry["value"], entry["why"] = value, "Coché par un agent."
    return updated


# --- deadlines, undo, decisions ------------------------------------------------------------------------

def deadline(received_at: datetime, days: int) -> datetime:
    return received_at + timedelta(days=days)


def is_overdue(deadline_at: datetime | None, status: str, now: datetime) -> bool:
    return deadline_at is not None and status in OPEN_STATUSES and now > deadline_at


def countdown(deadline_at: datetime | None, now: datetime) -> dict | None:
    """Days (rounded down) and hours left before the deadline; negative once it passed."""
    if deadline_at is None:
        return None
    seconds = int((deadline_at - now).total_seconds())
    return {"seconds": seconds, "days": int(seconds / 86400), "overdue": seconds < 0}


def check_decision(action: str, command: dict, scheme: dict | None, idea_id: str) -> dict:
    """What an agent decided, checked: returns the decision's fields (message, answer, reason...)."""
    if action not in ACTIONS:
        raise RuleBroken("Action inconnue.", "action")
    message = clean_text(command.get("message"))
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    decided = {"action": action, "message": message, "scheme": None, "reason_code": None, "duplicate_of": None}
    if action == FORWARD:
        if scheme is None:
            raise RuleBroken("Choisissez un dispositif du catalogue.", "scheme")
        if not scheme["active"]:
            raise RuleBroken("Ce dispositif est désactivé.", "scheme")
        if scheme["code"] == DIRECT_ANSWER:
            raise RuleBroken("Pour une réponse directe, utilisez « Répondre directement ».", "scheme")
        decided["scheme"] = scheme["code"]
    elif action == ANSWER:
        if not message:
            raise RuleBroken("Écrivez la réponse adressée à l'auteur.", "message")
    elif action == NOT_RETAIN:
        if command.get("reason_code") not in NOT_RETAINED_REASONS:
            raise RuleBroken("Choisissez un motif.", "reason_code")
        if not message:
            raise RuleBroken("Expliquez le motif à l'auteur.", "message")
        decided["reason_code"] = command["reason_code"]
    elif action == DUPLICATE:
        target = str(command.get("duplicate_of") or "")
        if not target:
            raise RuleBroken("Indiquez l'idée dont celle-ci est le doublon.", "duplicate_of")
        if target == idea_id:
            raise RuleBroken("Une idée ne peut pas être le doublon d'elle-même.", "duplicate_of")
        if not message:
            message = "Cette idée rejoint une idée semblable déjà déposée : vos soutiens y sont reportés."
            decided["message"] = message
        decided["duplicate_of"] = target
    return decided


def check_can_decide(status: str, action: str):
    """A waiting idea takes any decision; a forwarded one may be re-routed to another scheme."""
    if status == PENDING:
        raise RuleBroken("Une décision est déjà en cours pour cette idée : annulez-la ou attendez qu'elle prenne "
                         "effet.", code="DECISION_PENDING")
    if status == FORWARDED and action == FORWARD:
        return
    if status not in OPEN_STATUSES:
        raise RuleBroken(f"Cette idée est déjà traitée (« {STATUSES[status]} ») : seule une réorientation vers un "
                         f"autre dispositif est possible.", code="ALREADY_DECIDED")


def check_undo(effective: bool, cancelled: bool, window_seconds: int):
    if cancelled:
        raise RuleBroken("Cette décision est déjà annulée.", code="ALREADY_UNDONE")
    if effective:
        raise RuleBroken(f"Trop tard pour annuler : la décision a pris effet (délai d'annulation de "
                         f"{window_seconds} secondes dépassé). Réorientez l'idée si besoin.", code="UNDO_TOO_LATE")


def check_undo_by(decided_by: str | None, actor_id: str, roles) -> None:
    """A decision is undone by the agent who took it, or by an administrator."""
    if decided_by != actor_id and "admin" not in (roles or ()):
        raise NotAllowed("Seul l'agent qui a pris la décision, ou un administrateur, peut l'annuler.")


def dossier_reference(direction: str, year: int, number: int) -> str:
    """« DEVE-2026-000123 »: the owner direction, the year, a number unique in the hub."""
    return f"{direction}-{year}-{number:06d}"

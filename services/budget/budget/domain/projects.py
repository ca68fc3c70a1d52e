"""Rules of cycles and projects: who acts on a project (its owning direction), stages, the texts and places of
a project, its study, its selection, what a citizen shown it can do with it, and its implementation statuses."""
import re
from datetime import date

from .reference import (ARRONDISSEMENT, CO_CONSTRUCTION, FINAL_STATUSES, IMPLEMENTATION_STATUSES, SECTOR_CODES,
                        SETTABLE_STATUSES, STAGE_ORDER, STAGES, STUDY, SUBMISSION, THEMES, VOTE, ADMISSIBLE, FEASIBLE,
                        INADMISSIBLE, NOT_WINNER, SELECTED, SUBMITTED, UNFEASIBLE, WINNER, NotAllowed, RuleBroken)

# --- who acts on a project: the direction that owns it ------------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"
# The direction that runs the participatory budget (the DDCT in Paris): it owns the projects no delivery
# direction was named for yet (it dispatches them at the study) and records the paper ballots of every cycle
# (its agents hold the mobile ballot boxes). BUDGET_ORGANISING_DIRECTION overrides it.
DEFAULT_ORGANISING_DIRECTION = "DDCT"


def direction_label(direction: str | None, labels: dict) -> str:
    """« DVD (Direction de la voirie et des déplacements) »; `labels`: code → label, as accounts names them."""
    return f"{direction} ({labels[direction]})" if direction in labels else str(direction)


def check_direction(direction: str | None, labels: dict) -> None:
    """A direction named for a project is one of the City's (`labels`, accounts' table)."""
    if direction is not None and direction not in labels:
        raise RuleBroken(f"Doit être l'une des valeurs : {', '.join(labels)}.", "direction")


def owning_direction(project_direction: str | None, organising_direction: str) -> str:
    """A project is owned by the direction in charge of delivering it, or, until one is named, the organiser."""
    return project_direction or organising_direction


def check_owning_direction(actor: dict, owner_direction: str, labels: dict) -> None:
    """Study, selection, merges, implementation statuses and paper ballots: admins on everything, agents on
    what their direction owns; moderators and citizens never. An agent of another direction is refused with
    OUTSIDE_DIRECTION, anyone else with FORBIDDEN; both name the owning direction (`labels`: code → label)."""
    roles = set(actor.get("roles") or ())
    if "admin" in roles:
        return
    owner, details = direction_label(owner_direction, labels), {"direction": owner_direction}
    if "agent" not in roles:
        raise NotAllowed(f"Réservé aux agents de la direction {owner} et aux administrateurs.", "direction",
                         "FORBIDDEN", details)
    mine = actor.get("direction")
    if mine != owner_direction:
        yours = (f"vous êtes agent de la direction {direction_label(mine, labels)}" if mine
                 else "votre compte d'agent n'est rattaché à aucune direction")
        raise NotAllowed(f"Cette action relève de la direction {owner} : {yours}.", "direction",
                         OUTSIDE_DIRECTION, details)


# --- stages -----------------------------------------------------------------------------------------

def next_stage(stage: str) -> str:
    index = STAGE_ORDER.index(stage)
    if index == len(STAGE_ORDER) - 1:
        raise RuleBroken("Le cycle est à sa dernière étape (réalisation des projets).", code="LAST_STAGE")
    return STAGE_ORDER[index + 1]


def check_advance(current: str, target: str):
    """Stages move forward one at a time; `target` says which one the admin means (no double click skips one)."""
    expected = next_stage(current)
    if target != expected:
        raise RuleBroken(f"Le cycle est à l'étape « {STAGES[current]} » : l'étape suivante est "
                         f"« {STAGES[expected]} ».", "stage", code="WRONG_STAGE",
                         details={"stage": current, "next_stage": expected})


def require_stage(current: str, *allowed: str, action: str):
    if current not in allowed:
        names = " ou ".join(f"« {STAGES[stage]} »" for stage in allowed)
        raise RuleBroken(f"Impossible de {action} : le cycle est à l'étape « {STAGES[current]} » "
                         f"(possible pendant l'étape {names}).", code="WRONG_STAGE",
                         details={"stage": current, "allowed_stages": list(allowed)})


# --- cycles and projects ----------------------------------------------------------------------------

def edition_of(title: str) -> int | None:
    """The year a cycle's title names (« Budget participatif 2026 » → 2026), for the edition filter."""
    found = re.search(r"\b(20\d\d)\b", title or "")
    return int(found.group(1)) if found else None


def clean_text(value: str, field: str, minimum: int, maximum: int) -> str:
    text = " ".join((value or "").split()) if field != "description" else (value or "").strip()
    if len(text) < minimum:
        raise RuleBroken(f"Au moins {minimum} caractères.", field)
    if len(text) > maximum:
        raise RuleBroken(f"Au plus {maximum} caractères.", field)
    return text


def check_envelopes(paris_envelope: int, sector_envelopes: dict) -> dict:
    """Every sector gets an envelope (0 if none is given); an unknown sector is refused."""
    unknown = sorted(set(sector_envelopes) - set(SECTOR_CODES))
    if unknown:
        raise RuleBroken(f"Secteur(s) inconnu(s) : {', '.join(unknown)}.", "sector_envelopes")
    if paris_envelope < 0 or any(amount < 0 for amount in sector_envelopes.values()):
        raise RuleBroken("Une enveloppe ne peut pas être négative.", "sector_envelopes")
    return {code: int(sector_envelopes.get(code, 0)) for code in SECTOR_CODES}


def check_location(scale: str, sector: str | None) -> str | None:
    """An arrondissement-scale project names its sector; a Paris-wide one has none."""
    if scale == ARRONDISSEMENT:
        if sector not in SECTOR_CODES:
            raise RuleBroken("Choisissez le secteur du projet (Paris Centre ou un arrondissement du 5e au 20e).",
                             "sector")
        return sector
    if sector is not None:
        raise RuleBroken("Un projet à l'échelle de tout Paris n'a pas de secteur.", "sector")
    return None


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RuleBroken("Thématique inconnue.", "theme")
    return theme


def project_status(admissible, feasible, selected: bool, won) -> str:
    if won is True:
        return WINNER
    if won is False and selected:
        return NOT_WINNER
    if selected:
        return SELECTED
    if admissible is False:
        return INADMISSIBLE
    if feasible is False:
        return UNFEASIBLE
    if feasible is True:
        return FEASIBLE
    if admissible is True:
        return ADMISSIBLE
    return SUBMITTED


# --- what a citizen can do with a project they are shown instead of filing an idea --------------------------

VOTE_FOR, JOIN, FOLLOW = "vote", "join", "follow"
JOINABLE_STAGES = (SUBMISSION, STUDY, CO_CONSTRUCTION)


def project_actions(stage: str, selected: bool, admissible, feasible) -> list:
    """Vote for it while its cycle's vote is open and it is on the ballot paper; join it (« je m'associe au
    projet ») while the cycle's projects are still being built (submission, study, co-construction) and it was not
    turned down; follow it always (every project shown is a visible one)."""
    actions = []
    if stage == VOTE and selected:
        actions.append(VOTE_FOR)
    if stage in JOINABLE_STAGES and admissible is not False and feasible is not False:
        actions.append(JOIN)
    return actions + [FOLLOW]


def check_study(admissible: bool, feasible, cost) -> None:
    """An admissible project needs a feasibility decision; a feasible one needs the City's cost estimate."""
    if not admissible:
        if feasible is not None or cost is not None:
            raise RuleBroken("Un projet non recevable n'est pas étudié : ni faisabilité ni coût.", "feasible")
        return
    if feasible is True and (cost is None or cost <= 0):
        raise RuleBroken("Un projet réalisable a un coût estimé par la Ville (en euros, plus de 0).", "cost")


def check_selectable(admissible, feasible):
    if admissible is not True or feasible is not True:
        raise RuleBroken("Seul un projet recevable et réalisable peut être soumis au vote.",
                         code="PROJECT_NOT_FEASIBLE")


# --- implementation tracking ---------------------------------------------------------------------------

def check_status_change(current: str, status: str, effective_date: date, today: date, admin: bool):
    """A settable status, different from the current one; a final status changes only by an admin (a correction);
    the date is when it happened, not in the future."""
    if status not in SETTABLE_STATUSES:
        raise RuleBroken("Statut inconnu.", "status")
    if status == current:
        raise RuleBroken(f"Le projet est déjà au statut « {IMPLEMENTATION_STATUSES[status]} ».", "status")
    if current in FINAL_STATUSES and not admin:
        raise RuleBroken(f"Le statut « {IMPLEMENTATION_STATUSES[current]} » est définitif : seul un administrateur "
                         "peut le corriger.", code="FINAL_STATUS", details={"status": current})
    if effective_date > today:
        raise RuleBroken("La date d'effet ne peut pas être dans le futur.", "effective_date")

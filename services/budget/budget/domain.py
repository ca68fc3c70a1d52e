"""Rules of the participatory budget, in plain Python (no database, no nameko, no Flask).

A cycle (« Budget participatif 2026 ») moves forward through its stages, one at a time, by an admin:

    submission → study → co_construction → selection → campaign → vote → results → implementation

Each stage allows what it names: projects are submitted during `submission`, studied (admissibility,
feasibility and cost) during `study`, selected for the vote during `selection`, ballots are cast during
`vote`; leaving `vote` closes it, tallies and publishes the results.

The envelope of a cycle is split into a Paris-wide envelope and one envelope per voting sector (Paris
Centre, then the 5e to the 20e). A ballot is an approval ballot: up to N Paris-wide projects and up to N
projects of ONE sector the voter chooses (N per cycle, 4 by default).

Winners, per envelope (Paris-wide, then each sector), greedily: projects by votes (most first), ties
broken by the lower cost, then the earlier submission (`position`), then the id; each project whose
cost still fits in what is left of the envelope wins, a project that does not fit is skipped and the
next one considered.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date

SUBMISSION, STUDY, CO_CONSTRUCTION, SELECTION = "submission", "study", "co_construction", "selection"
CAMPAIGN, VOTE, RESULTS, IMPLEMENTATION = "campaign", "vote", "results", "implementation"
STAGES = {
    SUBMISSION: "Dépôt des projets",
    STUDY: "Étude des projets par la Ville",
    CO_CONSTRUCTION: "Co-construction",
    SELECTION: "Sélection des projets soumis au vote",
    CAMPAIGN: "Campagne",
    VOTE: "Vote",
    RESULTS: "Résultats",
    IMPLEMENTATION: "Réalisation des projets lauréats",
}
STAGE_ORDER = tuple(STAGES)

# The themes of the City's participatory budget, as its open data labels the winning projects
# (data/paris/bp_projets_gagnants.csv, column « Thématique »).
THEMES = (
    "Attractivité et emploi", "Cadre de vie", "Culture et patrimoine", "Education et jeunesse", "Environnement",
    "Mobilités", "Prévention et sécurité", "Propreté", "Santé", "Solidarités", "Sport",
)

PARIS, ARRONDISSEMENT = "paris", "arrondissement"
SCALES = {PARIS: "Tout Paris", ARRONDISSEMENT: "Arrondissement"}

PARIS_CENTRE = (1, 2, 3, 4)


@dataclass(frozen=True)
class Sector:
    """Where a ballot's local projects are chosen: Paris Centre (1er–4e, since 2020), then the 5e to the 20e."""
    code: str
    label: str
    insee: str


SECTORS = (Sector("paris-centre", "Paris Centre", "75123"),) + tuple(
    Sector(f"paris-{n}", f"{n}e arrondissement", f"751{n:02d}") for n in range(5, 21))
SECTOR_CODES = tuple(sector.code for sector in SECTORS)


def sector_of_arrondissement(arrondissement: int | None) -> str | None:
    """The voting sector of an arrondissement: Paris Centre for the 1er to the 4e."""
    if arrondissement is None or not 1 <= int(arrondissement) <= 20:
        return None
    return "paris-centre" if int(arrondissement) in PARIS_CENTRE else f"paris-{int(arrondissement)}"

CERTIFICATION_LEVELS = {"declared": 1, "verified": 2}
ELIGIBILITY_RULES = {
    "email_verified": "Adresse e-mail vérifiée",
    "lives_in_paris": "Habiter à Paris",
    "min_age": "Âge minimal à la date du vote",
    "certification": "Niveau de certification du compte",
}

# Project statuses, derived from the study, the selection and the results.
SUBMITTED, INADMISSIBLE, ADMISSIBLE, UNFEASIBLE, FEASIBLE = "submitted", "inadmissible", "admissible", "unfeasible", \
    "feasible"
SELECTED, WINNER, NOT_WINNER = "selected", "winner", "not_winner"
DRAFT, MERGED = "draft", "merged"
PROJECT_STATUSES = {
    DRAFT: "Brouillon (à compléter par son porteur)", MERGED: "Fusionné dans un projet co-construit",
    SUBMITTED: "Déposé", INADMISSIBLE: "Non recevable", ADMISSIBLE: "Recevable", UNFEASIBLE: "Non réalisable",
    FEASIBLE: "Réalisable", SELECTED: "Soumis au vote", WINNER: "Lauréat", NOT_WINNER: "Non retenu",
}

# Implementation of a winning project (the statuses of budgetparticipatif.paris.fr's planning timeline). A winner
# starts « non démarré »; agents of its owning direction move it along, each change dated and justified.
NOT_STARTED = "non_demarre"
ETUDES, PROCEDURES, TRAVAUX = "etudes_conception", "lancement_procedures", "realisation_travaux"
LIVRAISON, REALISE, NON_REALISABLE = "en_cours_livraison", "realise", "non_realisable"
IMPLEMENTATION_STATUSES = {
    NOT_STARTED: "Non démarré",
    ETUDES: "Études et conception",
    PROCEDURES: "Lancement des procédures",
    TRAVAUX: "Réalisation des travaux",
    LIVRAISON: "En cours de livraison",
    REALISE: "Réalisé",
    NON_REALISABLE: "Non réalisable",
}
SETTABLE_STATUSES = tuple(code for code in IMPLEMENTATION_STATUSES if code != NOT_STARTED)
FINAL_STATUSES = (REALISE, NON_REALISABLE)

# How citizens follow a project: « ajouter à mes favoris », « je m'associe au projet ».
FAVORITE, ASSOCIATE = "favorite", "associate"
FOLLOW_KINDS = {FAVORITE: "Ajouté à mes favoris", ASSOCIATE: "Je m'associe au projet"}

# The City's directions (codes as accounts knows them, docs/events.md); a project's owning direction.
DIRECTIONS = ("DDCT", "DEVE", "DVD", "DU", "DPE", "DAC", "DASCO", "DJS", "DFPE", "DLH", "DAE", "DCPA", "DSOL",
              "DICOM", "DSIN")
DIRECTION_LABELS = {
    "DDCT": "Direction de la démocratie, des citoyen·ne·s et des territoires",
    "DEVE": "Direction des espaces verts et de l'environnement",
    "DVD": "Direction de la voirie et des déplacements", "DU": "Direction de l'urbanisme",
    "DPE": "Direction de la propreté et de l'eau", "DAC": "Direction des affaires culturelles",
    "DASCO": "Direction des affaires scolaires", "DJS": "Direction de la jeunesse et des sports",
    "DFPE": "Direction des familles et de la petite enfance", "DLH": "Direction du logement et de l'habitat",
    "DAE": "Direction de l'attractivité et de l'emploi",
    "DCPA": "Direction des constructions publiques et de l'architecture", "DSOL": "Direction des solidarités",
    "DICOM": "Direction de l'information et de la communication",
    "DSIN": "Direction des systèmes d'information et du numérique",
}

# Paper ballots: the identity document an agent checked at the mobile ballot box.
ID_DOCUMENT_KINDS = {"cni": "Carte nationale d'identité", "passeport": "Passeport",
                     "titre_sejour": "Titre de séjour", "permis": "Permis de conduire",
                     "carte_electorale": "Carte électorale avec pièce justificative"}
ONLINE, PAPER = "online", "paper"
CHANNELS = {ONLINE: "En ligne", PAPER: "Urne mobile (papier)"}
NAME_MAX = 100
BALLOT_BOX_MAX = 120

TITLE_MIN, TITLE_MAX = 5, 150
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 5000
ADDRESS_MAX = 250
REASON_MIN, REASON_MAX = 5, 2000
CYCLE_TITLE_MAX = 150
MAX_COST = 100_000_000_000  # euros; more than any budget of the City
DEFAULT_MAX_CHOICES = 4
RECEIPT_BYTES = 12


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any.

    `code` RULE_BROKEN is bad input (400); any other code is a conflict with the current state (409).
    """

    def __init__(self, message: str, field: str | None = None, code: str = "RULE_BROKEN", details: dict | None = None):
        super().__init__(message)
        self.message, self.field, self.code, self.details = message, field, code, details or {}


class NotAllowed(RuleBroken):
    """The caller may not do this (403), e.g. vote without meeting a rule of the cycle."""


def is_admin(roles) -> bool:
    return "admin" in roles


# --- who acts on a project: the direction that owns it ------------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"
# The direction that runs the participatory budget (the DDCT in Paris): it owns the projects no delivery
# direction was named for yet (it dispatches them at the study) and records the paper ballots of every cycle
# (its agents hold the mobile ballot boxes). BUDGET_ORGANISING_DIRECTION overrides it.
DEFAULT_ORGANISING_DIRECTION = "DDCT"


def direction_label(direction: str | None) -> str:
    return f"{direction} ({DIRECTION_LABELS[direction]})" if direction in DIRECTION_LABELS else str(direction)


def owning_direction(project_direction: str | None, organising_direction: str) -> str:
    """A project is owned by the direction in charge of delivering it, or, until one is named, the organiser."""
    return project_direction or organising_direction


def check_owning_direction(actor: dict, owner_direction: str) -> None:
    """Study, selection, merges, implementation statuses and paper ballots: admins on everything, agents on
    what their direction owns; moderators and citizens never. An agent of another direction is refused with
    OUTSIDE_DIRECTION, anyone else with FORBIDDEN; both name the owning direction."""
    roles = set(actor.get("roles") or ())
    if "admin" in roles:
        return
    owner, details = direction_label(owner_direction), {"direction": owner_direction}
    if "agent" not in roles:
        raise NotAllowed(f"Réservé aux agents de la direction {owner} et aux administrateurs.", "direction",
                         "FORBIDDEN", details)
    mine = actor.get("direction")
    if mine != owner_direction:
        yours = (f"vous êtes agent de la direction {direction_label(mine)}" if mine
                 else "votre compte d'agent n'est rattaché à aucune direction")
        raise NotAllowed(f"Cette action relève de la direction {owner} : {yours}.", "direction",
                         OUTSIDE_DIRECTION, details)


def is_staff(roles) -> bool:
    """Agents of the City and admins study and select projects and see live counts."""
    return "admin" in roles or "agent" in roles


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


# --- eligibility --------------------------------------------------------------------------------------

def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_eligible(rules: dict, attributes: dict, vote_day: date):
    """Every rule of the cycle, in a fixed order; the first one broken is named (403, details.rule)."""
    if rules.get("email_verified", True) and not attributes.get("email_verified"):
        _refuse("email_verified", "Vérifiez votre adresse e-mail pour voter.")
    if rules.get("lives_in_paris", True) and not attributes.get("lives_in_paris"):
        _refuse("lives_in_paris", "Ce vote est réservé aux personnes qui habitent à Paris (déclarez votre adresse "
                                  "parisienne dans votre compte).")
    minimum = rules.get("min_age")
    if minimum:
        birth = attributes.get("birth_date")
        if isinstance(birth, str):
            birth = date.fromisoformat(birth[:10])
        age = age_on(birth, vote_day)
        if age is None:
            _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans : indiquez votre date de naissance "
                               "dans votre compte.", minimum=minimum)
        if age < minimum:
            _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans à la date du vote.", minimum=minimum)
    level = rules.get("certification")
    if level and CERTIFICATION_LEVELS.get(attributes.get("certification"), 0) < CERTIFICATION_LEVELS[level]:
        _refuse("certification", "Ce vote demande un compte dont l'adresse a été vérifiée par la Ville.",
                required=level)


PARIS_POSTCODES = frozenset([f"750{n:02d}" for n in range(1, 21)] + ["75116"])


def check_paper_eligible(rules: dict, birth_date: date, postcode: str, vote_day: date):
    """The cycle's rules a paper voter can meet in person: living in Paris and the minimum age (e-mail and
    certification are met by the identity document the agent checked)."""
    if rules.get("lives_in_paris", True) and postcode not in PARIS_POSTCODES:
        _refuse("lives_in_paris", "Ce vote est réservé aux personnes qui habitent à Paris (code postal parisien).")
    minimum = rules.get("min_age")
    if minimum and age_on(birth_date, vote_day) < minimum:
        _refuse("min_age", f"Ce vote est ouvert à partir de {minimum} ans à la date du vote.", minimum=minimum)


def check_same_person(account_birth_date, birth_date: date):
    """The account the paper voter names must be theirs: same birth date, when the account has one."""
    if isinstance(account_birth_date, str):
        account_birth_date = date.fromisoformat(account_birth_date[:10])
    if account_birth_date is not None and account_birth_date != birth_date:
        raise RuleBroken("Ce compte n'a pas la date de naissance de la pièce d'identité présentée.",
                         "account_email")


def _refuse(rule: str, message: str, **more):
    raise NotAllowed(message, code="NOT_ELIGIBLE", details={"rule": rule, **more})


# --- ballots --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A project on the ballot paper: its id, scale, sector, cost, and what breaks ties."""
    id: str
    scale: str
    sector: str | None
    cost: int
    position: int


def check_ballot(candidates: dict, max_choices: int, paris_choices: list, sector: str | None,
                 sector_choices: list):
    """Up to `max_choices` Paris-wide projects and up to `max_choices` projects of ONE sector; at least one choice;
    each a project selected for this vote, at its scale (and in the chosen sector), once."""
    if not paris_choices and not sector_choices:
        raise RuleBroken("Choisissez au moins un projet.", "paris_projects")
    for field, choices in (("paris_projects", paris_choices), ("sector_projects", sector_choices)):
        if len(set(choices)) != len(choices):
            raise RuleBroken("Un même projet est choisi deux fois.", field)
        if len(choices) > max_choices:
            raise RuleBroken(f"Au plus {max_choices} projets.", field)
    if sector_choices and sector not in SECTOR_CODES:
        raise RuleBroken("Choisissez un secteur (Paris Centre ou un arrondissement du 5e au 20e).", "sector")
    for project_id in paris_choices:
        candidate = candidates.get(project_id)
        if candidate is None or candidate.scale != PARIS:
            raise RuleBroken("Ce projet n'est pas soumis au vote à l'échelle de tout Paris.", "paris_projects",
                             details={"project_id": project_id})
    for project_id in sector_choices:
        candidate = candidates.get(project_id)
        if candidate is None or candidate.scale != ARRONDISSEMENT or candidate.sector != sector:
            raise RuleBroken("Ce projet n'est pas soumis au vote dans le secteur choisi.", "sector_projects",
                             details={"project_id": project_id})


def new_receipt() -> str:
    """Shown once to the voter; only its digest is stored."""
    return secrets.token_hex(RECEIPT_BYTES)


def receipt_digest(receipt: str) -> str:
    return hashlib.sha256(receipt.strip().lower().encode()).hexdigest()


# --- tally ----------------------------------------------------------------------------------------------

def ranking_key(candidate: Candidate, votes: int):
    """Most votes first; ties: the lower cost, then the earlier submission, then the id."""
    return (-votes, candidate.cost, candidate.position, candidate.id)


def greedy_winners(candidates: list, votes: dict, envelope: int) -> tuple:
    """The winners within `envelope`, chosen greedily (see the module docstring), and the amount used."""
    used, winners = 0, []
    for candidate in sorted(candidates, key=lambda c: ranking_key(c, votes.get(c.id, 0))):
        if votes.get(candidate.id, 0) <= 0:
            continue  # a project nobody chose does not win
        if used + candidate.cost <= envelope:
            winners.append(candidate.id)
            used += candidate.cost
    return winners, used


def scope_of(candidate: Candidate) -> str:
    return PARIS if candidate.scale == PARIS else candidate.sector


def tally(candidates: list, votes: dict, paris_envelope: int, sector_envelopes: dict) -> dict:
    """Winners and envelope used per scope: "paris" and each sector code."""
    scopes = {PARIS: paris_envelope, **sector_envelopes}
    results = {}
    for scope, envelope in scopes.items():
        in_scope = [c for c in candidates if scope_of(c) == scope]
        winners, used = greedy_winners(in_scope, votes, envelope)
        results[scope] = {"envelope": envelope, "used": used, "winners": winners}
    return results

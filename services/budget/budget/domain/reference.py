"""The participatory budget's vocabulary: stages, themes, scales and sectors, statuses, limits, and the
exception every rule raises. Plain Python (no database, no nameko, no Flask).

The City's directions are not here: accounts owns that table (accounts.reference_data); a direction code is
checked for its format here and for its existence by the use cases, against accounts' answer."""
from dataclasses import dataclass

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
# A City direction's code as accounts writes them (DDCT, DEVE, DVD...): which codes exist is accounts' to say.
DIRECTION_CODE = r"^[A-Z]{2,8}$"


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


def is_staff(roles) -> bool:
    """Agents of the City and admins study and select projects and see live counts."""
    return "admin" in roles or "agent" in roles

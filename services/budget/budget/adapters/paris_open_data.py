"""Reading the City of Paris's open data of winning projects (bp_projets_gagnants.csv), in plain Python.

One row per winning project: edition, title (sometimes empty), theme, owning direction, cost, scale, address,
arrondissement (postcode style: 75116 is the 16e, 75123 Paris Centre), « quartier populaire », status and the
months (YYYY-MM) its steps started. Rows become plain dicts the service imports as past cycles.
"""
import csv
import io
import re
import unicodedata
from datetime import date

from .. import domain

EDITION, TITLE, THEME = "Edition", "Titre du projet lauréat", "Thématique"
DIRECTION, COST, SCALE = "Direction pilote du projet lauréat", "Budget global du projet lauréat", \
    "Echelle du Budget participatif"
ADDRESS, ARRONDISSEMENT, POPULAR = "Adresse du projet lauréat", "Arrondissement du projet lauréat", \
    "Projet en Quartier populaire"
STATUS, IDENTIFIER, URL = "Avancement du projet", "Identifiant du projet lauréat", "Lien URL vers le projet lauréat"

# The open data's statuses → the implementation statuses (« (non démarré) » is its own state, the start).
STATUSES = {"FIN": domain.REALISE, "LIVRAISON": domain.LIVRAISON, "TRAVAUX": domain.TRAVAUX,
            "PROCEDURES": domain.PROCEDURES, "ETUDES": domain.ETUDES, "(non démarré)": domain.NOT_STARTED,
            "ABANDONNÉ": domain.NON_REALISABLE}
# The month each step started, in the order of the steps.
MILESTONES = ((domain.ETUDES, "Date de début des études du projet"),
              (domain.PROCEDURES, "Date de lancement des procédures du projet"),
              (domain.TRAVAUX, "Date de lancement des travaux du projet"),
              (domain.LIVRAISON, "Date prévisonnelle de livraison du projet"),
              (domain.REALISE, "Date d'ouverture du projet au public"))
STEP_ORDER = [status for status, _column in MILESTONES]
SOURCE_NOTE = "Données ouvertes de la Ville de Paris (bp_projets_gagnants, ODbL)."
ABANDONED_REASON = ("Projet abandonné : la Ville l'a déclaré non réalisable après son vote (données ouvertes de la "
                    "Ville de Paris, bp_projets_gagnants).")
NOT_STARTED_NOTE = "Projet lauréat dont la réalisation n'avait pas démarré à la date des données ouvertes."

DIRECTIONS = {
    "direction de la voirie et des deplacements": "DVD",
    "direction des espaces verts et de l'environnement": "DEVE",
    "direction des affaires scolaires": "DASCO",
    "direction de la jeunesse et des sports": "DJS",
    "direction des affaires culturelles": "DAC",
    "direction de l'attractivite et de l'emploi": "DAE",
    "direction de la democratie, des citoyens et des territoires": "DDCT",
    "direction constructions publiques et architecture": "DCPA",
    "direction de la proprete et de l'eau": "DPE",
    "direction des familles et de la petite enfance": "DFPE",
    "direction du logement et de l'habitat": "DLH",
    "direction de l'urbanisme": "DU",
    "centre d'action sociale de la ville de paris": "DSOL",  # the CASVP works with the solidarity direction
    "etablissement public paris musees": "DAC",  # Paris Musées, under the cultural affairs direction
}


class OpenDataError(ValueError):
    """The file is not the open data this module reads; the message says where."""


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("’", "'")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def month(value: str) -> date | None:
    found = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*", value or "")
    return date(int(found.group(1)), int(found.group(2)), 1) if found else None


def place(code: str) -> tuple:
    """(arrondissement 1..20 or None, voting sector code) of a postcode-style arrondissement."""
    code = (code or "").strip()
    if code == "75123":
        return None, "paris-centre"
    if code == "75116":
        return 16, "paris-16"
    if re.fullmatch(r"750(0[1-9]|1\d|20)", code):
        number = int(code[3:])
        return number, domain.sector_of_arrondissement(number)
    return None, None


def timeline(row: dict, status: str) -> list:
    """The steps of a project up to its status: (status, month or None, justification), oldest step first."""
    # An abandoned project shows the steps it had started, never an opening to the public.
    reached = STEP_ORDER.index(status) if status in STEP_ORDER else STEP_ORDER.index(domain.LIVRAISON)
    steps = []
    for index, (step, column) in enumerate(MILESTONES):
        when = month(row.get(column, ""))
        if status == domain.NOT_STARTED:
            break
        if index <= reached and when is not None:
            note = SOURCE_NOTE if step != domain.LIVRAISON else f"Livraison prévue. {SOURCE_NOTE}"
            steps.append((step, when, note))
    if status == domain.NON_REALISABLE:
        steps.append((status, None, ABANDONED_REASON))
    elif status == domain.NOT_STARTED:
        steps.append((status, None, NOT_STARTED_NOTE))
    elif not steps or steps[-1][0] != status:
        steps.append((status, None, SOURCE_NOTE))
    return steps


def parse(text: str) -> list:
    """One dict per winning project, in the file's order."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    missing = {EDITION, TITLE, THEME, COST, SCALE, ARRONDISSEMENT, STATUS, IDENTIFIER} - set(reader.fieldnames or [])
    if missing:
        raise OpenDataError(f"colonnes absentes : {', '.join(sorted(missing))}")
    projects = []
    for number, row in enumerate(reader, start=2):
        status = STATUSES.get((row[STATUS] or "").strip())
        if status is None:
            raise OpenDataError(f"ligne {number} : avancement inconnu {row[STATUS]!r}")
        try:
            edition, cost = int(row[EDITION]), int(row[COST] or 0)
        except ValueError:
            raise OpenDataError(f"ligne {number} : édition ou budget illisible") from None
        identifier = (row[IDENTIFIER] or "").strip()
        if not identifier:
            raise OpenDataError(f"ligne {number} : identifiant absent")
        arrondissement, sector = place(row[ARRONDISSEMENT])
        paris_wide = "parisien" in (row[SCALE] or "").lower()
        theme = row[THEME].strip() if row[THEME].strip() in domain.THEMES else "Cadre de vie"
        title = " ".join((row[TITLE] or "").split()) or f"Projet lauréat n° {identifier} ({edition})"
        direction_name = " ".join((row.get(DIRECTION) or "").split())
        projects.append({
            "external_id": identifier, "edition": edition, "title": title[:300], "theme": theme,
            "scale": domain.PARIS if paris_wide else domain.ARRONDISSEMENT,
            "sector": None if paris_wide else sector, "arrondissement": arrondissement,
            "address": " ".join((row.get(ADDRESS) or "").split())[:250] or None,
            "direction": DIRECTIONS.get(_plain(direction_name)), "direction_name": direction_name or None,
            "popular_district": (row.get(POPULAR) or "").strip().lower() == "oui", "cost": cost, "status": status,
            "timeline": timeline(row, status), "url": (row.get(URL) or "").strip() or None})
    return projects


def description(project: dict) -> str:
    scale = "tout Paris" if project["scale"] == domain.PARIS else (
        f"{project['arrondissement']}e arrondissement" if project["arrondissement"] else "Paris Centre")
    lines = [f"Projet lauréat du budget participatif {project['edition']} de la Ville de Paris ({scale}), "
             f"thématique « {project['theme']} »."]
    if project["direction_name"]:
        lines.append(f"Direction pilote : {project['direction_name']}.")
    if project["url"]:
        lines.append(f"Fiche d'origine : {project['url']}")
    lines.append(SOURCE_NOTE)
    return "\n".join(lines)

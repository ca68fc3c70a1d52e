"""The hub's open datasets: what each one holds, which service pages it out (RPC `open_data_page`), under which
licence. The catalogue page, the CSV / JSON exports, their JSON Schemas and the DCAT-AP description are all made
from this one list (issue 15, section 5; the services' RPC `open_data_page` and how to add a dataset:
docs/open_data.md).

Column types: "string", "integer", "number", "date" (YYYY-MM-DD), "month" (YYYY-MM), "uuid". A column is
`nullable` when its value may be missing (empty cell in CSV, null in JSON).
"""
from dataclasses import dataclass, field
from typing import NamedTuple

LICENCE_TITLE = "Open Database License (ODbL) 1.0"
LICENCE_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
PUBLISHER = "Ville de Paris — Hub de la participation"
COLUMN_TYPES = ("string", "integer", "number", "date", "month", "uuid")


class Column(NamedTuple):
    name: str
    type: str
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str  # the file name: /api/v1/open-data/<name>.csv
    service: str  # the service whose RPC `open_data_page` gives its rows
    title: str
    description: str
    columns: tuple  # of Column, or of (name, type, description[, nullable]) tuples
    licence: str = LICENCE_URL
    keywords: tuple = ()

    def __post_init__(self):
        columns = tuple(column if isinstance(column, Column) else Column(*column) for column in self.columns)
        for column in columns:
            if column.type not in COLUMN_TYPES:
                raise ValueError(f"{self.name}.{column.name}: type {column.type!r} inconnu")
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "keywords", tuple(self.keywords))

    @property
    def column_names(self) -> list:
        return [column.name for column in self.columns]


@dataclass(frozen=True)
class LinkedExport:
    """An export that exists outside this framework (the budget's CSV and pabulib files): listed in the catalogue
    with its own links, not streamed by it."""
    name: str
    title: str
    description: str
    formats: tuple  # of (label, media type, path under the hub's public URL)
    licence: str = LICENCE_URL
    keywords: tuple = field(default=())


IDEAS = Dataset(
    name="ideas", service="ideas", title="Idées de la boîte à idées",
    description="Chaque idée déposée dans la boîte à idées permanente : son thème, son arrondissement, son statut, "
                "le nombre de soutiens et, une fois transmise, le dispositif de la Ville qui l'a reçue. Les auteurs "
                "n'y figurent pas.",
    columns=(
        ("idea_id", "uuid", "Identifiant de l'idée (celui de sa page sur le hub)"),
        ("title", "string", "Titre de l'idée, tel que publié sur le hub ; vide si la modération l'a masquée", True),
        ("theme", "string", "Thème (code : cadre_de_vie, environnement, mobilites…)"),
        ("arrondissement", "integer", "Arrondissement concerné (1 à 20), vide pour tout Paris", True),
        ("status", "string", "Statut (submitted, under_review, forwarded, answered, not_retained, merged)"),
        ("submitted_at", "date", "Date de dépôt (heure de Paris)"),
        ("supports_count", "integer", "Nombre de soutiens"),
        ("scheme", "string", "Dispositif vers lequel l'idée a été transmise (budget, petition…), vide sinon", True),
        ("decided_at", "date", "Date de la transmission, de la réponse ou de la décision de ne pas la retenir "
                               "(heure de Paris), vide tant qu'elle est à l'étude", True),
    ),
    keywords=("participation citoyenne", "boîte à idées", "idées", "Paris"),
)

CONSULTATIONS = Dataset(
    name="consultations", service="ideas", title="Consultations citoyennes",
    description="Chaque consultation publiée par la Ville : ses dates, son état, le nombre de propositions, de "
                "contributions et de participants, et la décision publiée avec sa synthèse.",
    columns=(
        ("consultation_id", "uuid", "Identifiant de la consultation"),
        ("title", "string", "Titre de la consultation"),
        ("opens_at", "date", "Date d'ouverture (heure de Paris)"),
        ("closes_at", "date", "Date de clôture (heure de Paris)"),
        ("state", "string", "État à la date de l'export (upcoming : à venir, open : en cours, closed : terminée)"),
        ("proposals_count", "integer", "Nombre de propositions (hors amendements)"),
        ("contributions_count", "integer", "Nombre de contributions : propositions, commentaires, arguments et "
                                           "réponses aux questionnaires"),
        ("participants_count", "integer", "Nombre de personnes distinctes ayant proposé, commenté, argumenté ou "
                                          "répondu (comptes supprimés exclus)"),
        ("synthesis_published_at", "date", "Date de publication de la synthèse (heure de Paris), vide avant",
         True),
        ("decision", "string", "Décision publiée avec la synthèse, vide avant", True),
    ),
    keywords=("participation citoyenne", "consultation", "concertation", "Paris"),
)


def _o2_datasets() -> list:
    """The petitions' and routing's datasets, kept in their own module (another team's entries)."""
    try:
        from .open_data_datasets_o2 import DATASETS
    except ImportError:
        return []
    return list(DATASETS)


DATASETS = [IDEAS, CONSULTATIONS, *_o2_datasets()]
BY_NAME = {dataset.name: dataset for dataset in DATASETS}

BUDGET_EXPORTS = [
    LinkedExport(
        name="budget-projects", title="Budget participatif : projets",
        description="Tous les projets du budget participatif (hors brouillons), de toutes les éditions : thème, "
                    "échelle, coût, statut, voix une fois les résultats publiés.",
        formats=(("CSV", "text/csv", "/api/v1/budget/projects.csv"),),
        keywords=("budget participatif", "projets", "Paris")),
    LinkedExport(
        name="budget-results", title="Budget participatif : résultats et bulletins anonymisés",
        description="Par édition dont les résultats sont publiés : le classement par échelle (CSV) et les "
                    "bulletins anonymisés au format pabulib (.pb), depuis la page de chaque édition.",
        formats=(("CSV", "text/csv", "/api/v1/budget/cycles/{cycle_id}/results.csv"),
                 ("pabulib", "text/plain", "/api/v1/budget/cycles/{cycle_id}/pabulib")),
        keywords=("budget participatif", "résultats", "vote", "pabulib")),
]


def dataset(name: str) -> Dataset | None:
    return BY_NAME.get(name)

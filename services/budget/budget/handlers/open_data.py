"""The City's open data in and out: the Paris winners (2014–2023) imported as past cycles, and the open-data CSV
exports of projects and results.

Import: one cycle per edition (« Budget participatif de Paris 2019 », stage implementation, created on the 1st of
January of its year), every winner selected and won at its cost, with its implementation status and its steps as
timeline entries (source "import"). Envelopes and results per scope are the sums of the winners' costs (the
open data lists winners only, without votes). Ids derive from the edition and the project's identifier, so
importing again adds only what is missing (idempotent).
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from hubkit.errors import PermissionDenied
from hubkit.exports import csv_text

from .. import domain
from ..adapters import paris_open_data
from ..models import Cycle, Project, StageChange, StatusChange
from . import project_index
from .common import UseCases
from .presenting import PUBLISHED, status_label, status_of
from .results import Results

NAMESPACE = uuid.UUID("8f5b0c1e-9a6d-4c3b-b2e1-7d6f5a4c3b2a")
SOURCE = "opendata:bp_projets_gagnants"


def paris_cycle_id(edition: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"paris-bp-{edition}"))


def paris_project_id(external_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"paris-bp-project-{external_id}"))


class ParisData(UseCases):
    """The Paris winners imported as past cycles, and the open-data exports."""

    def import_paris(self, actor: dict, projects: list) -> dict:
        """`projects`: paris_open_data.parse(); returns {"cycles_created", "projects_created", "editions"}."""
        self._require_admin(actor)
        by_edition = {}
        for project in projects:
            by_edition.setdefault(project["edition"], []).append(project)
        known = set(self.session.execute(sa.select(Project.id).where(Project.id.in_(
            [paris_project_id(p["external_id"]) for p in projects]))).scalars())
        cycles_created, projects_created = 0, 0
        for edition, winners in sorted(by_edition.items()):
            cycle = self.session.get(Cycle, paris_cycle_id(edition))
            if cycle is None:
                cycle = self._paris_cycle(actor, edition, winners)
                cycles_created += 1
            new = [p for p in winners if paris_project_id(p["external_id"]) not in known]
            self._paris_projects(cycle, new)
            projects_created += len(new)
        return {"cycles_created": cycles_created, "projects_created": projects_created,
                "editions": {str(edition): len(winners) for edition, winners in sorted(by_edition.items())}}

    def _paris_cycle(self, actor: dict, edition: int, winners: list) -> Cycle:
        opened = datetime(edition, 1, 1, tzinfo=UTC)
        sectors = {code: 0 for code in domain.SECTOR_CODES}
        results = {domain.PARIS: {"envelope": 0, "used": 0, "winners": []},
                   **{code: {"envelope": 0, "used": 0, "winners": []} for code in domain.SECTOR_CODES}}
        for project in winners:
            scope = domain.PARIS if project["scale"] == domain.PARIS else project["sector"]
            if scope not in results:
                continue
            results[scope]["envelope"] += project["cost"]
            results[scope]["used"] += project["cost"]
            results[scope]["winners"].append(paris_project_id(project["external_id"]))
        for code in domain.SECTOR_CODES:
            sectors[code] = results[code]["envelope"]
        cycle = Cycle(id=paris_cycle_id(edition), title=f"Budget participatif de Paris {edition}", edition=edition,
                      stage=domain.IMPLEMENTATION, paris_envelope=results[domain.PARIS]["envelope"],
                      sector_envelopes=sectors, max_choices=domain.DEFAULT_MAX_CHOICES,
                      eligibility={"email_verified": True, "lives_in_paris": True, "min_age": None,
                                   "certification": None}, vote_day=None, source=SOURCE, results=results,
                      ballots_count=None, created_at=opened, updated_at=self.clock(), vote_closed_at=None)
        self.session.add(cycle)
        self.session.flush()
        self.session.add(StageChange(cycle_id=cycle.id, stage=domain.IMPLEMENTATION,
                                     actor_id=str(actor["account_id"]), at=self.clock()))
        return cycle

    def _paris_projects(self, cycle: Cycle, winners: list):
        if not winners:
            return
        now = self.clock()
        start = self._next_position(cycle.id)
        rows, steps = [], []
        for position, project in enumerate(sorted(winners, key=lambda p: int(p["external_id"])
                                                  if p["external_id"].isdigit() else 0), start=start):
            project_id = paris_project_id(project["external_id"])
            rows.append({"id": project_id, "cycle_id": cycle.id, "position": position,
                         "external_id": project["external_id"], "title": project["title"],
                         "description": paris_open_data.description(project), "theme": project["theme"],
                         "scale": project["scale"], "sector": project["sector"],
                         "arrondissement": project["arrondissement"], "address": project["address"],
                         "direction": project["direction"], "popular_district": project["popular_district"],
                         "origin_idea_id": None, "estimated_cost": project["cost"], "admissible": True,
                         "admissibility_reason": paris_open_data.SOURCE_NOTE, "feasible": True,
                         "feasibility_reason": None, "cost": project["cost"], "selected": True,
                         "selected_at": cycle.created_at, "votes": None, "won": True, "draft": False,
                         "implementation_status": project["status"], "submitted_at": cycle.created_at,
                         "updated_at": now})
            steps += [{"project_id": project_id, "status": status, "justification": note, "effective_date": when,
                       "actor_id": None, "source": "import", "recorded_at": now}
                      for status, when, note in project["timeline"]]
        self.session.execute(sa.insert(Project), rows)
        project_index.put(self.session, *rows)
        self.session.execute(sa.insert(StatusChange), steps)

    # --- open-data exports -------------------------------------------------------------------------

    def export_projects_csv(self, query: dict) -> dict:
        """Every project (drafts excepted) of one cycle or of all; votes once published."""
        statement = sa.select(Project, Cycle).join(Cycle, Cycle.id == Project.cycle_id).where(
            Project.draft.is_(False))
        cycle_id = str(query["cycle_id"]) if query.get("cycle_id") else None
        if cycle_id:
            self._cycle(cycle_id)
            statement = statement.where(Project.cycle_id == cycle_id)
        rows = []
        for project, cycle in self.session.execute(statement.order_by(
                Cycle.created_at, Cycle.id, Project.position)).all():
            published = cycle.stage in PUBLISHED
            votes = project.votes if published else None
            status = status_of(project, published)
            rows.append([project.id, cycle.edition or "", cycle.title, project.external_id or "", project.title,
                         project.theme, project.scale, project.sector or "", project.arrondissement or "",
                         project.address or "", project.direction or "", status, status_label(status),
                         project.estimated_cost if project.estimated_cost is not None else "",
                         project.cost if project.cost is not None else "", "oui" if project.selected else "non",
                         "" if votes is None else votes,
                         "" if votes is None else votes - (project.votes_paper or 0),
                         "" if votes is None else (project.votes_paper or 0),
                         "" if not published or project.won is None else ("oui" if project.won else "non"),
                         project.origin_idea_id or "", project.merged_into or "",
                         project.submitted_at.date().isoformat() if project.submitted_at else ""])
        header = ["id", "edition", "cycle", "identifiant_ville", "titre", "thematique", "echelle", "secteur",
                  "arrondissement", "adresse", "direction", "statut", "statut_libelle", "cout_estime_porteur",
                  "cout_ville", "soumis_au_vote", "voix", "voix_en_ligne", "voix_papier", "laureat",
                  "idee_d_origine", "fusionne_dans", "date_depot"]
        return {"cycle_id": cycle_id, "filename": f"budget-participatif-projets-{cycle_id or 'tous'}.csv",
                "content": csv_text(header, rows)}

    def export_results_csv(self, cycle_id) -> dict:
        cycle = self._cycle(cycle_id)
        if cycle.stage not in PUBLISHED:
            raise PermissionDenied("Les résultats ne sont pas encore publiés.", code="RESULTS_NOT_PUBLISHED",
                                   details={"stage": cycle.stage})
        results = Results(self.context).results(cycle.id)
        rows = []
        for scope in results["scopes"]:
            for rank, project in enumerate(scope["projects"], start=1):
                rows.append([scope["scope"], scope["label"], scope["envelope"], scope["used"], rank,
                             project["project_id"], project["external_id"] or "", project["title"],
                             project["cost"] if project["cost"] is not None else "",
                             "" if project["votes"] is None else project["votes"],
                             "" if project["votes_online"] is None else project["votes_online"],
                             "" if project["votes_paper"] is None else project["votes_paper"],
                             "oui" if project["won"] else "non"])
        header = ["echelle", "echelle_libelle", "enveloppe", "enveloppe_utilisee", "rang", "projet_id",
                  "identifiant_ville", "titre", "cout", "voix", "voix_en_ligne", "voix_papier", "laureat"]
        return {"cycle_id": cycle.id, "filename": f"budget-participatif-resultats-{cycle.id}.csv",
                "content": csv_text(header, rows)}

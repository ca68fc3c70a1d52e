"""A pabulib .pb file (adapters/pabulib.py) becomes a cycle at the vote stage; a tallied cycle's anonymised ballots
and results leave as one."""
import sqlalchemy as sa
from hubkit.errors import InvalidInput

from .. import domain
from ..adapters import pabulib
from ..models import Ballot, BallotChoice, Project, new_id
from . import project_index
from .common import DEFAULT_ELIGIBILITY, UseCases, rules
from .cycles import Cycles
from .presenting import cycle_view


class PabulibFiles(UseCases):
    """Importing and exporting participatory budgets in the researchers' format."""

    def import_pabulib(self, actor: dict, command: dict) -> dict:
        """A .pb file becomes a cycle at the vote stage: every project Paris-wide, studied, selected, at its cost;
        the whole `budget` is the Paris-wide envelope, `max_length` (or the longest ballot) the ballot size."""
        self._require_admin(actor)
        try:
            parsed = pabulib.parse(command["content"])
            costs = [pabulib.cost_of(row["cost"]) for row in parsed["projects"]]
            budget = int(float(parsed["meta"].get("budget", "0")))
        except (pabulib.PabulibError, ValueError) as error:
            raise InvalidInput(details={"content": [f"Fichier .pb illisible : {error}"]}) from None
        if budget <= 0:
            raise InvalidInput(details={"content": ["Fichier .pb illisible : budget absent ou nul (META)."]})
        ids = [row["project_id"] for row in parsed["projects"]]
        if len(set(ids)) != len(ids):
            raise InvalidInput(details={"content": ["Fichier .pb illisible : project_id en double."]})
        longest = max((len(pabulib.choices_of(v.get("vote", ""))) for v in parsed["votes"]), default=0)
        max_choices = max(int(parsed["meta"].get("max_length") or domain.DEFAULT_MAX_CHOICES), longest, 1)
        title = (command.get("title") or f"{parsed['meta'].get('unit', 'Import')} "
                                         f"{parsed['meta'].get('instance', '')}").strip()[:domain.CYCLE_TITLE_MAX]
        eligibility = {**DEFAULT_ELIGIBILITY, "email_verified": True}
        sectors = {code: 0 for code in domain.SECTOR_CODES}
        source = f"pabulib:{command.get('filename') or ''}"[:200]
        cycle = Cycles(self.context).new_cycle(actor, title, budget, sectors, max_choices, eligibility, None,
                                               domain.VOTE, source=source)
        now = self.clock()
        rows = []
        for position, (row, cost) in enumerate(zip(parsed["projects"], costs), start=1):
            name = (row.get("name") or f"Projet {row['project_id']}")[:300]
            rows.append({"id": new_id(), "cycle_id": cycle.id, "position": position,
                         "external_id": row["project_id"][:64], "title": name, "description": name,
                         "theme": (row.get("category") or "Non précisée")[:120], "scale": domain.PARIS,
                         "sector": None, "address": None, "origin_idea_id": None, "estimated_cost": cost,
                         "admissible": True, "admissibility_reason": "Importé d'un fichier pabulib.",
                         "feasible": True, "feasibility_reason": None, "cost": cost, "studied_by": None,
                         "studied_at": now, "selected": True, "selected_at": now, "votes": None, "won": None,
                         "submitted_at": now, "updated_at": now})
        self.session.execute(sa.insert(Project), rows)
        project_index.put(self.session, *rows)
        return {**cycle_view(cycle), "projects_count": len(rows)}

    def export_pabulib(self, cycle_id) -> dict:
        """The anonymised ballots (shuffled, numbered 1..n, no account, no time) and the results, once published."""
        cycle = self._cycle(cycle_id)
        with rules():
            domain.require_stage(cycle.stage, domain.RESULTS, domain.IMPLEMENTATION,
                                 action="exporter les bulletins")
        projects = self.session.execute(sa.select(Project).where(
            Project.cycle_id == cycle.id, Project.selected.is_(True)).order_by(Project.position)).scalars().all()
        label = {p.id: p.external_id or str(p.position) for p in projects}
        choices = {}
        for ballot_id, project_id in self.session.execute(sa.select(BallotChoice.ballot_id, BallotChoice.project_id)
                                                          .join(Ballot, Ballot.id == BallotChoice.ballot_id)
                                                          .where(Ballot.cycle_id == cycle.id,
                                                                 Ballot.counted.is_(True))):
            choices.setdefault(ballot_id, []).append(label[project_id])
        ballots = [sorted(chosen) for chosen in choices.values()]
        self.context.shuffle(ballots)
        meta = {"description": f"Budget participatif : {cycle.title}", "country": "France", "unit": "Paris",
                "instance": cycle.title, "num_projects": len(projects), "num_votes": len(ballots),
                "budget": cycle.paris_envelope + sum(cycle.sector_envelopes.values()), "vote_type": "approval",
                "rule": "greedy", "min_length": 1, "max_length": 2 * cycle.max_choices, "currency": "EUR"}
        content = pabulib.dump(meta, [
            {"project_id": label[p.id], "cost": p.cost, "votes": p.votes or 0, "name": p.title,
             "category": p.theme, "district": p.sector or domain.PARIS, "selected": 1 if p.won else 0}
            for p in projects], [{"voter_id": n, "vote": ",".join(b)} for n, b in enumerate(ballots, start=1)])
        return {"cycle_id": cycle.id, "filename": f"budget-{cycle.id}.pb", "content": content}

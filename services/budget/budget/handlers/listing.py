"""Reading projects: one project, a filtered list (with counts per arrondissement for the map, and a text search
through the service's text index), a cycle's counts per status, a citizen's own projects, the projects closest
to a text being typed (presenting.py shapes each project; project_index.py says which projects are findable)."""
import sqlalchemy as sa
from hubkit.errors import NotFound
from hubkit.text_index import TextIndex

from .. import domain
from ..models import Carrier, Cycle, Follow, MergeInvitation, Project
from . import project_index
from .common import UseCases
from .presenting import PUBLISHED, status_condition, suggestion


class ProjectViews(UseCases):
    """The public listings and a citizen's own projects."""

    def list_projects(self, query: dict, viewer: dict | None = None) -> dict:
        conditions = [Project.draft.is_(False), Project.merged_into.is_(None)]
        if query.get("cycle_id"):
            cycle = self.session.get(Cycle, str(query["cycle_id"]))
            if cycle is None:
                raise NotFound("Cycle de budget participatif introuvable.")
            conditions.append(Project.cycle_id == cycle.id)
        if query.get("edition"):
            conditions.append(Cycle.edition == query["edition"])
        for field in ("scale", "sector", "theme", "arrondissement"):
            if query.get(field):
                conditions.append(getattr(Project, field) == query[field])
        if query.get("selected") is not None:
            conditions.append(Project.selected.is_(query["selected"]))
        if query.get("studied") is not None:
            conditions.append(Project.admissible.is_not(None) if query["studied"] else Project.admissible.is_(None))
        if query.get("feasible") is not None:
            feasible = sa.and_(Project.admissible.is_(True), Project.feasible.is_(True))
            conditions.append(feasible if query["feasible"] else sa.not_(feasible))
        if query.get("status"):
            conditions.append(status_condition(query["status"]))
        matches = None
        if query.get("query"):
            found = TextIndex(self.session).search(query["query"], kinds=[project_index.KIND])
            if found is None:  # only short or common words: nothing to look for
                return {"items": [], "total": 0, "by_arrondissement": {}, "by_sector": {}}
            matches = found.matches
        # One grouped count gives the map's counts, the total (their sum) and each cycle's share of the list.
        total, per_cycle, by_arrondissement, by_sector = 0, {}, {}, {}
        counts = self._joined(sa.select(Project.cycle_id, Project.arrondissement, Project.sector, sa.func.count()),
                              matches, with_cycle=query.get("edition") or query.get("status")).where(
            *conditions).group_by(Project.cycle_id, Project.arrondissement, Project.sector)
        for cycle_id, arrondissement, sector, count in self.session.execute(counts):
            total += int(count)
            per_cycle[cycle_id] = per_cycle.get(cycle_id, 0) + int(count)
            if arrondissement is not None:
                by_arrondissement[str(arrondissement)] = by_arrondissement.get(str(arrondissement), 0) + int(count)
            key = sector or domain.PARIS
            by_sector[key] = by_sector.get(key, 0) + int(count)
        joined = self._joined(sa.select(Project), matches).where(*conditions)
        if matches is None and (query.get("sort") or "position") == "position":
            projects = self._page_by_cycle(joined, per_cycle, query["offset"], query["limit"])
        else:
            projects = self.session.execute(joined.order_by(*self._order(query, matches))
                                            .limit(query["limit"]).offset(query["offset"])).scalars().all()
        return {"items": self.project_views(projects, viewer), "total": total,
                "by_arrondissement": by_arrondissement, "by_sector": by_sector}

    def _page_by_cycle(self, joined, per_cycle: dict, offset: int, limit: int) -> list:
        """The default order (the newest cycle first, then the order of submission) read cycle by cycle through
        the (cycle_id, position) index: each cycle's count says which cycles the page falls in, so no listed
        project outside the page is read or sorted, however many there are."""
        cycles = self.session.execute(sa.select(Cycle.id).where(Cycle.id.in_(list(per_cycle))).order_by(
            Cycle.created_at.desc(), Cycle.id)).scalars().all() if per_cycle else []
        projects = []
        for cycle_id in cycles:
            if offset >= per_cycle[cycle_id]:
                offset -= per_cycle[cycle_id]
                continue
            projects += self.session.execute(joined.where(Project.cycle_id == cycle_id).order_by(
                Project.position, Project.id).limit(limit - len(projects)).offset(offset)).scalars().all()
            offset = 0
            if len(projects) >= limit:
                break
        return projects

    def project_counts(self, cycle_id) -> dict:
        """How many listed projects a cycle has in each project status (a winner counts as a winner, whatever
        its implementation status), counted in SQL over the few combinations of the columns a status reads."""
        cycle = self._cycle(cycle_id)
        published = cycle.stage in PUBLISHED
        columns = (Project.admissible, Project.feasible, Project.selected, Project.won)
        rows = self.session.execute(sa.select(*columns, sa.func.count()).where(
            Project.cycle_id == cycle.id, Project.draft.is_(False), Project.merged_into.is_(None)).group_by(*columns))
        by_status = {}
        for admissible, feasible, selected, won, count in rows:
            status = domain.project_status(admissible, feasible, selected, won if published else None)
            by_status[status] = by_status.get(status, 0) + int(count)
        return {"total": sum(by_status.values()), "by_status": by_status}

    def similar_content(self, query: dict) -> dict:
        """The findable projects closest to a text being typed (the index's TF-IDF cosine, at least 0.2), best
        first, each with its state and what a citizen can do with it now (presenting.suggestion)."""
        found = TextIndex(self.session).similar(query["title"], query.get("description") or "",
                                                kinds=[project_index.KIND], limit=query["limit"])
        if not found:
            return {"items": []}
        rows = {project.id: (project, cycle) for project, cycle in self.session.execute(
            sa.select(Project, Cycle).join(Cycle, Cycle.id == Project.cycle_id).where(
                Project.id.in_([doc_id for _kind, doc_id, _score in found])))}
        return {"items": [suggestion(*rows[doc_id], score) for _kind, doc_id, score in found
                          if doc_id in rows and project_index.findable(rows[doc_id][0])]}

    @staticmethod
    def _joined(statement, matches, with_cycle=True):
        """`statement` over the projects (with their cycle unless no condition reads it), and their text matches
        when a query is searched."""
        statement = statement.select_from(Project)
        if with_cycle:
            statement = statement.join(Cycle, Cycle.id == Project.cycle_id)
        return statement if matches is None else statement.join(matches, matches.c.doc_id == Project.id)

    @staticmethod
    def _order(query: dict, matches=None) -> list:
        sort = query.get("sort") or "position"
        if matches is not None and sort in ("position", "relevance"):
            return [matches.c.score.desc(), Cycle.created_at.desc(), Project.cycle_id, Project.position, Project.id]
        if sort == "relevance":  # nothing searched: nothing to rank by
            sort = "position"
        if sort == "random":
            # A stable shuffle for one seed (pages stay consistent), in SQL on every database.
            mixed = (sa.cast(Project.position, sa.BigInteger) * 1103515245
                     + sa.cast(sa.func.coalesce(Cycle.edition, 0), sa.BigInteger) * 2654435761
                     + int(query.get("seed") or 0)) % 2147483647
            return [mixed, Project.id]
        column = {"title": Project.title, "cost": sa.func.coalesce(Project.cost, Project.estimated_cost, 0),
                  "votes": sa.func.coalesce(Project.votes, -1), "position": None}[sort.lstrip("-")]
        if column is None:
            return [Cycle.created_at.desc(), Project.cycle_id, Project.position, Project.id]
        return [column.desc() if sort.startswith("-") else column.asc(), Project.id]

    def get_project(self, project_id, viewer: dict | None = None) -> dict:
        project = self.session.get(Project, str(project_id))
        if project is None or (project.draft and not self._may_see_draft(project, viewer)):
            raise NotFound("Projet introuvable.")
        return self.project_view(project, viewer)

    def _may_see_draft(self, project: Project, viewer: dict | None) -> bool:
        if viewer is None:
            return False
        if domain.is_staff(viewer["roles"]):
            return True
        return self.session.execute(sa.select(Carrier.id).where(
            Carrier.project_id == project.id, Carrier.account_id == str(viewer["account_id"]))).first() is not None

    def my_projects(self, actor: dict) -> dict:
        account_id = str(actor["account_id"])

        def projects(statement):
            return self.project_views(self.session.execute(statement.order_by(
                Project.submitted_at.desc(), Project.id)).scalars().all(), actor)
        followed = {}
        for kind in domain.FOLLOW_KINDS:
            followed[kind] = projects(sa.select(Project).join(Follow, Follow.project_id == Project.id).where(
                Follow.account_id == account_id, Follow.kind == kind))
        return {"carried": projects(sa.select(Project).join(Carrier, Carrier.project_id == Project.id).where(
                    Carrier.account_id == account_id)),
                "favorites": followed[domain.FAVORITE], "associated": followed[domain.ASSOCIATE],
                "invitations": projects(sa.select(Project).join(
                    MergeInvitation, MergeInvitation.project_id == Project.id).where(
                    MergeInvitation.account_id == account_id, MergeInvitation.answer == "pending"))}

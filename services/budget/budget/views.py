"""How the budget service shows cycles and projects: one project, a filtered list (with counts per arrondissement
for the map), a citizen's own projects. Listings read carriers, follows, lineage and invitations in a few bulk
queries, never one per project."""
import sqlalchemy as sa
from hubkit.errors import NotFound

from . import domain
from .models import Carrier, Cycle, Follow, MergeInvitation, Project, StatusChange

PUBLISHED = (domain.RESULTS, domain.IMPLEMENTATION)
SECTOR_LABELS = {sector.code: sector.label for sector in domain.SECTORS}
DIRECTION_LABELS = domain.DIRECTION_LABELS


def status_of(project: Project, published: bool) -> str:
    """Drafts and merged sources first; a published winner with an implementation status shows that status."""
    if project.draft:
        return domain.DRAFT
    if project.merged_into:
        return domain.MERGED
    won = project.won if published else None
    if won and project.implementation_status:
        return project.implementation_status
    return domain.project_status(project.admissible, project.feasible, project.selected, won)


def status_label(code: str) -> str:
    return domain.PROJECT_STATUSES.get(code) or domain.IMPLEMENTATION_STATUSES[code]


def status_condition(code: str):
    """The SQL condition of a status filter (the list joins the cycle: `published` reads its stage)."""
    published = Cycle.stage.in_(PUBLISHED)
    if code in domain.IMPLEMENTATION_STATUSES:
        condition = [published, Project.won.is_(True)]
        if code == domain.NOT_STARTED:
            return sa.and_(*condition, sa.or_(Project.implementation_status.is_(None),
                                              Project.implementation_status == code))
        return sa.and_(*condition, Project.implementation_status == code)
    studied = {
        domain.SUBMITTED: sa.and_(Project.admissible.is_(None), Project.selected.is_(False)),
        domain.INADMISSIBLE: sa.and_(Project.admissible.is_(False), Project.selected.is_(False)),
        domain.ADMISSIBLE: sa.and_(Project.admissible.is_(True), Project.feasible.is_(None),
                                   Project.selected.is_(False)),
        domain.UNFEASIBLE: sa.and_(Project.admissible.is_not(False), Project.feasible.is_(False),
                                   Project.selected.is_(False)),
        domain.FEASIBLE: sa.and_(Project.feasible.is_(True), Project.selected.is_(False)),
        domain.SELECTED: sa.and_(Project.selected.is_(True), sa.or_(sa.not_(published), Project.won.is_(None))),
        domain.WINNER: sa.and_(published, Project.won.is_(True)),
        domain.NOT_WINNER: sa.and_(published, Project.selected.is_(True), Project.won.is_(False)),
    }
    return studied.get(code, sa.false())


class ProjectViews:
    """Mixed into the Budget use cases (needs `self.session`)."""

    @staticmethod
    def cycle_view(cycle: Cycle) -> dict:
        return {"id": cycle.id, "title": cycle.title, "edition": domain.edition_of(cycle.title),
                "stage": cycle.stage, "stage_label": domain.STAGES[cycle.stage],
                "next_stage": None if cycle.stage == domain.IMPLEMENTATION else domain.next_stage(cycle.stage),
                "paris_envelope": cycle.paris_envelope, "sector_envelopes": cycle.sector_envelopes,
                "total_envelope": cycle.paris_envelope + sum(cycle.sector_envelopes.values()),
                "max_choices": cycle.max_choices, "eligibility": cycle.eligibility, "vote_day": cycle.vote_day,
                "source": cycle.source, "ballots_count": cycle.ballots_count, "created_at": cycle.created_at,
                "vote_closed_at": cycle.vote_closed_at}

    def project_view(self, project: Project, viewer: dict | None = None, cycle: Cycle = None,
                     timeline: bool = True) -> dict:
        cycle = cycle or self.session.get(Cycle, project.cycle_id)
        [view] = self.project_views([project], viewer, {cycle.id: cycle})
        if timeline:
            view["timeline"] = self.timeline(project.id)
        return view

    def project_views(self, projects: list, viewer: dict | None = None, cycles: dict | None = None) -> list:
        if not projects:
            return []
        ids = [p.id for p in projects]
        cycles = dict(cycles or {})
        missing = {p.cycle_id for p in projects} - set(cycles)
        if missing:
            cycles.update({c.id: c for c in self.session.execute(
                sa.select(Cycle).where(Cycle.id.in_(missing))).scalars()})
        carriers = {}
        for project_id, account_id in self.session.execute(sa.select(Carrier.project_id, Carrier.account_id).where(
                Carrier.project_id.in_(ids))):
            carriers.setdefault(project_id, []).append(account_id)
        follows = {}
        for project_id, kind, count in self.session.execute(
                sa.select(Follow.project_id, Follow.kind, sa.func.count()).where(Follow.project_id.in_(ids))
                .group_by(Follow.project_id, Follow.kind)):
            follows[(project_id, kind)] = int(count)
        lineage = {}
        for source in self.session.execute(sa.select(Project.id, Project.title, Project.position, Project.merged_into)
                                           .where(Project.merged_into.in_(ids)).order_by(Project.position)):
            lineage.setdefault(source.merged_into, []).append(
                {"project_id": source.id, "title": source.title, "position": source.position})
        targets = {p.merged_into for p in projects if p.merged_into}
        merged_titles = dict(self.session.execute(sa.select(Project.id, Project.title).where(
            Project.id.in_(targets))).all()) if targets else {}
        pending, mine = {}, {}
        viewer_id = str(viewer["account_id"]) if viewer else None
        for project_id, account_id, answer in self.session.execute(sa.select(
                MergeInvitation.project_id, MergeInvitation.account_id, MergeInvitation.answer).where(
                MergeInvitation.project_id.in_(ids))):
            if answer == "pending":
                pending[project_id] = pending.get(project_id, 0) + 1
            if viewer_id and account_id == viewer_id:
                mine[project_id] = answer
        followed = set()
        if viewer_id:
            followed = set(self.session.execute(sa.select(Follow.project_id, Follow.kind).where(
                Follow.project_id.in_(ids), Follow.account_id == viewer_id)).all())
        views = []
        for project in projects:
            cycle = cycles[project.cycle_id]
            published = cycle.stage in PUBLISHED
            status = status_of(project, published)
            votes = project.votes if published else None
            views.append({
                "id": project.id, "cycle_id": project.cycle_id, "cycle_title": cycle.title,
                "position": project.position, "external_id": project.external_id, "title": project.title,
                "description": project.description, "theme": project.theme, "scale": project.scale,
                "sector": project.sector, "sector_label": SECTOR_LABELS.get(project.sector),
                "arrondissement": project.arrondissement, "address": project.address,
                "direction": project.direction, "direction_label": DIRECTION_LABELS.get(project.direction),
                "popular_district": project.popular_district, "origin_idea_id": project.origin_idea_id,
                "estimated_cost": project.estimated_cost, "status": status, "status_label": status_label(status),
                "draft": bool(project.draft), "admissible": project.admissible,
                "admissibility_reason": project.admissibility_reason, "feasible": project.feasible,
                "feasibility_reason": project.feasibility_reason, "cost": project.cost,
                "selected": project.selected, "votes": votes,
                "votes_paper": (project.votes_paper or 0) if votes is not None else None,
                "votes_online": votes - (project.votes_paper or 0) if votes is not None else None,
                "won": project.won if published else None,
                "implementation_status": (project.implementation_status or domain.NOT_STARTED)
                if published and project.won else None,
                "carriers_count": len(carriers.get(project.id, [])),
                "carried_by_me": viewer_id is not None and viewer_id in carriers.get(project.id, []),
                "merged_into": project.merged_into, "merged_into_title": merged_titles.get(project.merged_into),
                "lineage": lineage.get(project.id, []), "pending_invitations": pending.get(project.id, 0),
                "favorites_count": follows.get((project.id, domain.FAVORITE), 0),
                "associates_count": follows.get((project.id, domain.ASSOCIATE), 0),
                "timeline": [],
                "viewer": None if viewer_id is None else {
                    "carrier": viewer_id in carriers.get(project.id, []),
                    "favorite": (project.id, domain.FAVORITE) in followed,
                    "associate": (project.id, domain.ASSOCIATE) in followed,
                    "merge_invitation": mine.get(project.id)},
                "submitted_at": project.submitted_at})
        for view in views:
            if view["implementation_status"]:
                view["implementation_status_label"] = domain.IMPLEMENTATION_STATUSES[view["implementation_status"]]
            else:
                view["implementation_status_label"] = None
        return views

    def timeline(self, project_id: str) -> list:
        """Oldest step first: by effective date (undated imported steps in the statuses' order), then recording."""
        order = {code: index for index, code in enumerate(domain.IMPLEMENTATION_STATUSES)}
        rows = self.session.execute(sa.select(StatusChange).where(StatusChange.project_id == project_id)
                                    .order_by(StatusChange.id)).scalars().all()
        if any(row.source == "import" for row in rows):
            rows = sorted(rows, key=lambda r: (r.source != "import", order.get(r.status, 99) if r.source == "import"
                                               else 0, r.id))
        return [{"status": r.status, "status_label": domain.IMPLEMENTATION_STATUSES[r.status],
                 "justification": r.justification, "effective_date": r.effective_date,
                 "recorded_at": r.recorded_at, "source": r.source} for r in rows]

    # --- the list --------------------------------------------------------------------------------------

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
        if query.get("query"):
            pattern = f"%{query['query'].strip().lower()}%"
            conditions.append(sa.or_(sa.func.lower(Project.title).like(pattern),
                                     sa.func.lower(Project.address).like(pattern)))
        joined = sa.select(Project).join(Cycle, Cycle.id == Project.cycle_id).where(*conditions)
        total = self.session.execute(sa.select(sa.func.count()).select_from(joined.subquery())).scalar_one()
        projects = self.session.execute(joined.order_by(*self._order(query))
                                        .limit(query["limit"]).offset(query["offset"])).scalars().all()
        by_arrondissement, by_sector = {}, {}
        counts = sa.select(Project.arrondissement, Project.sector, sa.func.count()).join(
            Cycle, Cycle.id == Project.cycle_id).where(*conditions).group_by(Project.arrondissement, Project.sector)
        for arrondissement, sector, count in self.session.execute(counts):
            if arrondissement is not None:
                by_arrondissement[str(arrondissement)] = by_arrondissement.get(str(arrondissement), 0) + int(count)
            key = sector or domain.PARIS
            by_sector[key] = by_sector.get(key, 0) + int(count)
        return {"items": self.project_views(projects, viewer), "total": total,
                "by_arrondissement": by_arrondissement, "by_sector": by_sector}

    def project_counts(self, cycle_id) -> dict:
        """How many listed projects a cycle has in each project status (a winner counts as a winner, whatever
        its implementation status), counted in SQL over the few combinations of the columns a status reads."""
        cycle = self._cycle(cycle_id)  # the handlers' (ProjectViews is mixed into them)
        published = cycle.stage in PUBLISHED
        columns = (Project.admissible, Project.feasible, Project.selected, Project.won)
        rows = self.session.execute(sa.select(*columns, sa.func.count()).where(
            Project.cycle_id == cycle.id, Project.draft.is_(False), Project.merged_into.is_(None)).group_by(*columns))
        by_status = {}
        for admissible, feasible, selected, won, count in rows:
            status = domain.project_status(admissible, feasible, selected, won if published else None)
            by_status[status] = by_status.get(status, 0) + int(count)
        return {"total": sum(by_status.values()), "by_status": by_status}

    @staticmethod
    def _order(query: dict) -> list:
        sort = query.get("sort") or "position"
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

"""How the budget service shows cycles and projects, in plain dicts the schemas dump. A listing reads carriers,
follows, lineage and invitations in a few bulk queries, never one per project; the directions' labels (accounts'
table) only when a project names a direction."""
import sqlalchemy as sa

from .. import domain
from ..models import Carrier, Cycle, Follow, MergeInvitation, Project, StatusChange

PUBLISHED = (domain.RESULTS, domain.IMPLEMENTATION)
SECTOR_LABELS = {sector.code: sector.label for sector in domain.SECTORS}


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


def cycle_view(cycle: Cycle) -> dict:
    return {"id": cycle.id, "title": cycle.title, "edition": domain.edition_of(cycle.title),
            "stage": cycle.stage, "stage_label": domain.STAGES[cycle.stage],
            "next_stage": None if cycle.stage == domain.IMPLEMENTATION else domain.next_stage(cycle.stage),
            "paris_envelope": cycle.paris_envelope, "sector_envelopes": cycle.sector_envelopes,
            "total_envelope": cycle.paris_envelope + sum(cycle.sector_envelopes.values()),
            "max_choices": cycle.max_choices, "eligibility": cycle.eligibility, "vote_day": cycle.vote_day,
            "source": cycle.source, "ballots_count": cycle.ballots_count, "created_at": cycle.created_at,
            "vote_closed_at": cycle.vote_closed_at}


def project_view(session, project: Project, viewer: dict | None = None, cycle: Cycle = None, with_timeline=True,
                 direction_labels=dict) -> dict:
    """`direction_labels()`: code → label of the City's directions (asked only if the project names one)."""
    cycle = cycle or session.get(Cycle, project.cycle_id)
    [view] = project_views(session, [project], viewer, {cycle.id: cycle}, direction_labels)
    if with_timeline:
        view["timeline"] = timeline(session, project.id)
    return view


def project_views(session, projects: list, viewer: dict | None = None, cycles: dict | None = None,
                  direction_labels=dict) -> list:
    if not projects:
        return []
    ids = [p.id for p in projects]
    cycles = dict(cycles or {})
    missing = {p.cycle_id for p in projects} - set(cycles)
    if missing:
        cycles.update({c.id: c for c in session.execute(
            sa.select(Cycle).where(Cycle.id.in_(missing))).scalars()})
    carriers = {}
    for project_id, account_id in session.execute(sa.select(Carrier.project_id, Carrier.account_id).where(
            Carrier.project_id.in_(ids))):
        carriers.setdefault(project_id, []).append(account_id)
    follows = {}
    for project_id, kind, count in session.execute(
            sa.select(Follow.project_id, Follow.kind, sa.func.count()).where(Follow.project_id.in_(ids))
            .group_by(Follow.project_id, Follow.kind)):
        follows[(project_id, kind)] = int(count)
    lineage = {}
    for source in session.execute(sa.select(Project.id, Project.title, Project.position, Project.merged_into)
                                       .where(Project.merged_into.in_(ids)).order_by(Project.position)):
        lineage.setdefault(source.merged_into, []).append(
            {"project_id": source.id, "title": source.title, "position": source.position})
    targets = {p.merged_into for p in projects if p.merged_into}
    merged_titles = dict(session.execute(sa.select(Project.id, Project.title).where(
        Project.id.in_(targets))).all()) if targets else {}
    pending, mine = {}, {}
    viewer_id = str(viewer["account_id"]) if viewer else None
    for project_id, account_id, answer in session.execute(sa.select(
            MergeInvitation.project_id, MergeInvitation.account_id, MergeInvitation.answer).where(
            MergeInvitation.project_id.in_(ids))):
        if answer == "pending":
            pending[project_id] = pending.get(project_id, 0) + 1
        if viewer_id and account_id == viewer_id:
            mine[project_id] = answer
    followed = set()
    if viewer_id:
        followed = set(session.execute(sa.select(Follow.project_id, Follow.kind).where(
            Follow.project_id.in_(ids), Follow.account_id == viewer_id)).all())
    labels = direction_labels() if any(project.direction for project in projects) else {}
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
            "direction": project.direction, "direction_label": labels.get(project.direction),
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


EXCERPT_LENGTH = 200


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a text on one line, cut at a word and marked « … » when there is more."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0] or flat[:length]
    return cut.rstrip(" ,;:.") + " …"


def suggestion(project: Project, cycle: Cycle, similarity: float) -> dict:
    """A project shown to someone typing a text close to it: what it is, its state, what they can do with it now."""
    status = status_of(project, cycle.stage in PUBLISHED)
    return {"kind": "project", "id": project.id, "cycle_id": cycle.id, "title": project.title,
            "excerpt": excerpt(project.description), "status": status, "status_label": status_label(status),
            "edition": str(cycle.edition) if cycle.edition else cycle.title,
            "arrondissement": project.arrondissement, "similarity": round(float(similarity), 4),
            "actions": domain.project_actions(cycle.stage, project.selected, project.admissible, project.feasible)}


def timeline(session, project_id: str) -> list:
    """Oldest step first: by effective date (undated imported steps in the statuses' order), then recording."""
    order = {code: index for index, code in enumerate(domain.IMPLEMENTATION_STATUSES)}
    rows = session.execute(sa.select(StatusChange).where(StatusChange.project_id == project_id)
                                .order_by(StatusChange.id)).scalars().all()
    if any(row.source == "import" for row in rows):
        rows = sorted(rows, key=lambda r: (r.source != "import", order.get(r.status, 99) if r.source == "import"
                                           else 0, r.id))
    return [{"status": r.status, "status_label": domain.IMPLEMENTATION_STATUSES[r.status],
             "justification": r.justification, "effective_date": r.effective_date,
             "recorded_at": r.recorded_at, "source": r.source} for r in rows]

# --- the list --------------------------------------------------------------------------------------

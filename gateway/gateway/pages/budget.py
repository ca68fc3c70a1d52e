"""Participatory budget, public pages: the editions, the project list (filters, sort, pages; list and map
views), a project's page (study, votes, origin, lineage, planning timeline), its campaign page and poster,
the results and the check of a ballot receipt.

The list asks the service for every project of the edition once and filters by status, sorts and counts
per sector here: the service's list has no status filter, sort or per-sector counts yet.
"""
import random
import secrets
from urllib.parse import urlencode

from flask import request, session, url_for

from hubkit.errors import HubError, NotFound

from .. import remote
from ..paris_map import level, paris_map
from . import budget_backoffice, budget_vote  # noqa: F401  (their routes join the blueprint)
from .budget_common import (
    ALL_PARIS,
    PARIS_WIDE,
    PUBLISHED_STAGES,
    actor_or_none,
    all_projects,
    bp,
    current_cycle,
    cycle_by_id,
    cycles,
    project_cost,
    reference,
)
from .forms import Form, render_form, render_forms

__all__ = ["bp"]

PAGE_SIZE = 20
SEED_KEY = "budget_seed"  # the visitor's random order stays the same during the visit
SORTS = {"aleatoire": "Ordre aléatoire", "cout-croissant": "Coût croissant", "cout-decroissant": "Coût décroissant",
         "votes": "Les plus votés"}
VIEWS = ("liste", "carte")
RECEIPT_ALIASES = {"receipt": "recu"}


# --- editions ----------------------------------------------------------------------------------------

@bp.get("/budget-participatif")
def index():
    all_cycles = cycles()
    cycle = cycle_by_id(all_cycles, request.args.get("edition")) or current_cycle(all_cycles)
    return render_form("budget/index.html", Form(), cycle=cycle, cycles=all_cycles, reference=reference())


# --- the project list ----------------------------------------------------------------------------------

def _list_params(args, cycle: dict, ref: dict) -> dict:
    page = args.get("page", "1")
    sectors = {code for code, _ in ref["sector_choices"]} | {ALL_PARIS}
    statuses = {status["code"] for status in ref["all_statuses"]}
    sort = args.get("tri") if args.get("tri") in SORTS else "aleatoire"
    if sort == "votes" and cycle["stage"] not in PUBLISHED_STAGES:
        sort = "aleatoire"
    return {"edition": cycle["id"], "theme": args.get("theme") if args.get("theme") in ref["themes"] else "",
            "arrondissement": args.get("arrondissement") if args.get("arrondissement") in sectors else "",
            "statut": args.get("statut") if args.get("statut") in statuses else "", "tri": sort,
            "vue": args.get("vue") if args.get("vue") in VIEWS else "liste",
            "page": max(1, int(page)) if page.isdigit() else 1}


def list_url(params: dict, **changes) -> str:
    merged = {**params, **changes}
    kept = {key: value for key, value in merged.items()
            if value and not (key == "page" and value == 1) and not (key == "tri" and value == "aleatoire")
            and not (key == "vue" and value == "liste")}
    return url_for("budget.projects") + (f"?{urlencode(kept)}" if kept else "")


def _sorted(items: list, sort: str, cycle_id: str) -> list:
    if sort == "aleatoire":
        seed = session.setdefault(SEED_KEY, secrets.randbelow(2 ** 31))
        shuffled = list(items)
        random.Random(f"{seed}:{cycle_id}").shuffle(shuffled)
        return shuffled
    if sort == "votes":
        return sorted(items, key=lambda p: (-(p.get("votes") or 0), p["position"]))
    costed = [p for p in items if project_cost(p) is not None]
    unknown = [p for p in items if project_cost(p) is None]
    return sorted(costed, key=project_cost, reverse=sort == "cout-decroissant") + unknown


def _status_of(project: dict) -> str:
    return project.get("implementation_status") or project.get("status")


def _map_areas(counts: dict, params: dict) -> list:
    """The 17 voting sectors of the map, each with its count, shade and link to the filtered list."""
    drawn = paris_map()
    highest = max(counts.values(), default=0)
    return [{"area": area, "count": counts.get(area.sector, 0), "level": level(counts.get(area.sector, 0), highest),
             "current": params["arrondissement"] == area.sector,
             "url": list_url(params, arrondissement=area.sector, vue="liste", page=1)} for area in drawn.areas]


@bp.get("/budget-participatif/projets")
def projects():
    all_cycles = cycles()
    cycle = cycle_by_id(all_cycles, request.args.get("edition")) or current_cycle(all_cycles)
    ref = reference()
    if cycle is None:
        return render_form("budget/projects.html", Form(), cycle=None, cycles=[], reference=ref, params={})
    params = _list_params(request.args, cycle, ref)
    items = all_projects(cycle["id"], theme=params["theme"] or None)
    if params["statut"]:
        items = [p for p in items if _status_of(p) == params["statut"] or p.get("status") == params["statut"]]
    counts = {}
    for project in items:
        scope = PARIS_WIDE if project["scale"] == PARIS_WIDE else project.get("sector")
        counts[scope] = counts.get(scope, 0) + 1
    if params["arrondissement"] == ALL_PARIS:
        items = [p for p in items if p["scale"] == PARIS_WIDE]
    elif params["arrondissement"]:
        items = [p for p in items if p["scale"] != PARIS_WIDE and p.get("sector") == params["arrondissement"]]
    items = _sorted(items, params["tri"], cycle["id"])
    start = (params["page"] - 1) * PAGE_SIZE
    pages = {"previous": list_url(params, page=params["page"] - 1) if params["page"] > 1 else None,
             "next": list_url(params, page=params["page"] + 1) if start + PAGE_SIZE < len(items) else None}
    sorts = [(slug, label) for slug, label in SORTS.items()
             if slug != "votes" or cycle["stage"] in PUBLISHED_STAGES]
    views = {view: list_url(params, vue=view, page=1) for view in VIEWS}
    filters = Form("filtre", {key: params[key] for key in ("edition", "theme", "arrondissement", "statut", "tri")})
    return render_form("budget/projects.html", filters, cycle=cycle, cycles=all_cycles, reference=ref,
                       params=params, total=len(items), shown=items[start:start + PAGE_SIZE], pages=pages,
                       sorts=sorts, views=views, map=paris_map(), areas=_map_areas(counts, params),
                       paris_count=counts.get(PARIS_WIDE, 0),
                       paris_url=list_url(params, arrondissement=ALL_PARIS, vue="liste", page=1),
                       clear_url=list_url({"edition": params["edition"], "vue": params["vue"]}))


# --- one project ---------------------------------------------------------------------------------------

def project_context(project_id) -> dict:
    """A project, its edition and what its page links to (the idea it came from, the projects merged into it)."""
    project = remote.call("budget", "get_project", {"project_id": str(project_id)}, actor_or_none())
    cycle = remote.call("budget", "get_cycle", {"cycle_id": project["cycle_id"]})
    idea = None
    if project.get("origin_idea_id"):
        try:
            idea = remote.call("ideas", "get_idea", {"idea_id": project["origin_idea_id"]})
        except HubError:  # the idea was removed, or the idea box is down: the page still shows the project
            idea = None
    return {"project": project, "cycle": cycle, "idea": idea, "reference": reference(),
            "share_url": url_for("budget.campaign", project_id=project["id"], _external=True)}


def project_page(project_id, forms: dict = None):
    context = project_context(project_id)
    all_forms = {"follow": Form("suivre"), "associate": Form("associer")}
    all_forms.update(forms or {})
    return render_forms("budget/project.html", all_forms, **context)


@bp.get("/budget-participatif/projets/<uuid:project_id>")
def project(project_id):
    return project_page(project_id)


@bp.get("/budget-participatif/projets/<uuid:project_id>/campagne")
def campaign(project_id):
    context = project_context(project_id)
    if not context["project"].get("selected"):
        raise NotFound("Ce projet n'est pas soumis au vote : il n'a pas de page de campagne.")
    return render_form("budget/campaign.html", Form(), **context)


@bp.get("/budget-participatif/projets/<uuid:project_id>/affiche")
def poster(project_id):
    context = project_context(project_id)
    if not context["project"].get("selected"):
        raise NotFound("Ce projet n'est pas soumis au vote : il n'a pas d'affiche.")
    return render_form("budget/poster.html", Form(), **context)


# --- results and receipts --------------------------------------------------------------------------------

@bp.get("/budget-participatif/<uuid:cycle_id>/resultats")
def results(cycle_id):
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    if cycle["stage"] not in PUBLISHED_STAGES:
        return render_form("budget/results.html", Form(), cycle=cycle, results=None), 403
    outcome = remote.call("budget", "results", {"cycle_id": str(cycle_id)})
    for scope in outcome["scopes"]:
        scope["max_votes"] = max([p.get("votes") or 0 for p in scope["projects"]] or [0])
        scope["winners"] = [p for p in scope["projects"] if p["won"]]
    return render_form("budget/results.html", Form(), cycle=cycle, results=outcome)


@bp.get("/budget-participatif/<uuid:cycle_id>/verifier-recu")
def check_receipt(cycle_id):
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    receipt = (request.args.get("recu") or "").strip()[:100]
    form, outcome = Form("recu", {"recu": receipt}), None
    if receipt:
        try:
            outcome = remote.call("budget", "check_receipt", {"cycle_id": str(cycle_id),
                                                              "receipt": "".join(receipt.split())})
        except HubError as error:
            form = Form.failed(error, {"recu": receipt}, name="recu", fields=("recu",), aliases=RECEIPT_ALIASES)
    return render_form("budget/receipt_check.html", form, cycle=cycle, outcome=outcome)

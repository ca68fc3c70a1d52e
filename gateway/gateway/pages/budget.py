"""Participatory budget, public pages: the editions, the project list (filters, sort, pages; list and map
views), a project's page (study, votes, origin, lineage, planning timeline), its campaign page and poster,
the results and the check of a ballot receipt.

The service filters, sorts (a random order stable for the visitor's seed, kept in the session) and counts
per sector for the map; these pages only translate the French query string.
"""
import secrets
from urllib.parse import urlencode

from flask import flash, make_response, redirect, request, session, url_for

from hubkit.errors import HubError, NotFound

from .. import remote
from ..paris_map import level, paris_map
from . import budget_backoffice, budget_operations, budget_vote  # noqa: F401  (their routes join the blueprint)
from .budget_common import (
    ALL_PARIS,
    PARIS_WIDE,
    PUBLISHED_STAGES,
    actor_or_none,
    bp,
    current_cycle,
    cycle_by_id,
    cycles,
    project_context,
    project_page,
    reference,
)
from .forms import Form, page_number, render_form
from .highlighting import query_terms

__all__ = ["bp"]

PAGE_SIZE = 20
SEED_KEY = "budget_seed"  # the visitor's random order stays the same during the visit
# Like budgetparticipatif.paris.fr: a random order by default (stable during the visit), or by cost; by votes once
# the results are out. Slug of the query string -> (the service's sort, label).
SORTS = {"aleatoire": ("random", "Ordre aléatoire"), "cout-croissant": ("cost", "Coût croissant"),
         "cout-decroissant": ("-cost", "Coût décroissant"), "votes": ("-votes", "Les plus votés"),
         "pertinence": ("relevance", "Les plus pertinents")}  # with a search only, and then by default
ALL_EDITIONS = "toutes"
VIEWS = ("liste", "carte")
RECEIPT_ALIASES = {"receipt": "recu"}


# --- editions ----------------------------------------------------------------------------------------

@bp.get("/budget-participatif")
def index():
    all_cycles = cycles()
    cycle = cycle_by_id(all_cycles, request.args.get("edition")) or current_cycle(all_cycles)
    return render_form("budget/index.html", Form(), cycle=cycle, cycles=all_cycles, reference=reference())


# --- the project list ----------------------------------------------------------------------------------

def _list_params(args, cycle: dict | None, ref: dict) -> dict:
    page = args.get("page", "1")
    sectors = {code for code, _ in ref["sector_choices"]} | {ALL_PARIS}
    statuses = {status["code"] for status in ref["listed_statuses"]}
    search = " ".join((args.get("recherche") or "").split())[:100]
    sort = args.get("tri") if args.get("tri") in SORTS else _default_sort(search)
    if sort == "votes" and cycle is not None and cycle["stage"] not in PUBLISHED_STAGES or \
            sort == "pertinence" and not search:
        sort = _default_sort(search)
    return {"edition": cycle["id"] if cycle else ALL_EDITIONS,
            "theme": args.get("theme") if args.get("theme") in ref["themes"] else "",
            "arrondissement": args.get("arrondissement") if args.get("arrondissement") in sectors else "",
            "statut": args.get("statut") if args.get("statut") in statuses else "", "tri": sort,
            "recherche": search,
            "vue": args.get("vue") if args.get("vue") in VIEWS else "liste",
            "page": page_number(page)}


def _default_sort(search: str) -> str:
    """A search shows the best matches first; otherwise the random order of budgetparticipatif.paris.fr."""
    return "pertinence" if search else "aleatoire"


def list_url(params: dict, **changes) -> str:
    merged = {**params, **changes}
    kept = {key: value for key, value in merged.items()
            if value and not (key == "page" and value == 1)
            and not (key == "tri" and value == _default_sort(merged.get("recherche") or ""))
            and not (key == "vue" and value == "liste")}
    return url_for("budget.projects") + (f"?{urlencode(kept)}" if kept else "")


def _query(params: dict, with_place: bool = True) -> dict:
    """The service's filters and sort for the list's parameters (the map counts every place: no place filter)."""
    query = {"cycle_id": None if params["edition"] == ALL_EDITIONS else params["edition"],
             "theme": params["theme"] or None, "status": params["statut"] or None, "query": params["recherche"] or None,
             "sort": SORTS[params["tri"]][0]}
    if query["sort"] == "random":
        query["seed"] = session.setdefault(SEED_KEY, secrets.randbelow(2 ** 31))
    if with_place and params["arrondissement"] == ALL_PARIS:
        query["scale"] = PARIS_WIDE
    elif with_place and params["arrondissement"]:
        query["sector"] = params["arrondissement"]
    return {key: value for key, value in query.items() if value is not None}


def _map_areas(counts: dict, params: dict) -> list:
    """The 17 voting sectors of the map, each with its count, shade and link to the filtered list."""
    drawn = paris_map()
    highest = max([counts.get(area.sector, 0) for area in drawn.areas] or [0])
    return [{"area": area, "count": counts.get(area.sector, 0), "level": level(counts.get(area.sector, 0), highest),
             "current": params["arrondissement"] == area.sector,
             "url": list_url(params, arrondissement=area.sector, vue="liste", page=1)} for area in drawn.areas]


@bp.get("/budget-participatif/projets")
def projects():
    all_cycles, ref = cycles(), reference()
    wanted = request.args.get("edition")
    cycle = None if wanted == ALL_EDITIONS else (cycle_by_id(all_cycles, wanted) or current_cycle(all_cycles))
    if not all_cycles:  # nothing to list yet
        return render_form("budget/projects.html", Form(), cycle=None, cycles=[], reference=ref, params={})
    params = _list_params(request.args, cycle, ref)
    context = {}
    if params["vue"] == "carte":
        page = remote.call("budget", "list_projects", {**_query(params, with_place=False), "limit": 1},
                           actor_or_none())
        context.update(map=paris_map(), areas=_map_areas(page["by_sector"], params),
                       paris_count=page["by_sector"].get(PARIS_WIDE, 0),
                       paris_url=list_url(params, arrondissement=ALL_PARIS, vue="liste", page=1))
    else:
        page = remote.call("budget", "list_projects", {**_query(params), "limit": PAGE_SIZE,
                                                       "offset": (params["page"] - 1) * PAGE_SIZE}, actor_or_none())
    if page["total"] == 0 and set(request.args) <= {"vue"} and cycle is not None and len(all_cycles) > 1:
        # A new edition with nothing published yet: show the projects of the past editions rather than nothing.
        flash(f"L'édition « {cycle['title']} » n'a pas encore de projet publié : voici ceux des éditions "
              "précédentes.", "success")
        return redirect(list_url({"edition": ALL_EDITIONS, "vue": params["vue"]}))
    pages = {"previous": list_url(params, page=params["page"] - 1) if params["page"] > 1 else None,
             "next": list_url(params, page=params["page"] + 1) if params["page"] * PAGE_SIZE < page["total"] else None}
    sorts = [(slug, label) for slug, (_, label) in SORTS.items()
             if (slug != "votes" or cycle is None or cycle["stage"] in PUBLISHED_STAGES)
             and (slug != "pertinence" or params["recherche"])]
    filters = Form("filtre", {key: params[key] for key in ("edition", "theme", "arrondissement", "statut", "tri",
                                                           "recherche")})
    return render_form("budget/projects.html", filters, cycle=cycle, cycles=all_cycles, reference=ref,
                       params=params, total=page["total"], shown=page["items"], pages=pages, sorts=sorts,
                       views={view: list_url(params, vue=view, page=1) for view in VIEWS},
                       clear_url=list_url({"edition": params["edition"], "vue": params["vue"]}),
                       terms=query_terms(params["recherche"]), **context)


# --- one project ---------------------------------------------------------------------------------------

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
        scope["votes_total"] = sum(p.get("votes") or 0 for p in scope["projects"])  # choices, not voters
        scope["winners"] = [p for p in scope["projects"] if p["won"]]
    return render_form("budget/results.html", Form(), cycle=cycle, results=outcome, reference=reference())


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


# --- open data ---------------------------------------------------------------------------------------------------

def _csv(export: dict):
    response = make_response(export["content"])
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export["filename"]}"'
    return response


@bp.get("/budget-participatif/<uuid:cycle_id>/projets.csv")
def projects_csv(cycle_id):
    return _csv(remote.call("budget", "export_projects_csv", {"cycle_id": str(cycle_id)}))


@bp.get("/budget-participatif/<uuid:cycle_id>/resultats.csv")
def results_csv(cycle_id):
    return _csv(remote.call("budget", "export_results_csv", {"cycle_id": str(cycle_id)}))

"""What the participatory budget's pages share: the blueprint, the reference data as choices, the
cycles (« éditions »), fetching a cycle's projects, and the French wording of amounts and places.

The pages are split by audience: budget.py (the public pages: editions, projects, map, results,
receipts), budget_vote.py (submitting a project, « Mes projets », the ballot), budget_backoffice.py
(cycles, study, merging, selection, paper ballots, statuses, live counts). The back office's lists ask the
service for one page at a time (a Paris cycle has more than a thousand projects), filtered there. Each call
carries the caller as `actor`; the budget service checks the roles and the stage again.
"""
from flask import Blueprint, request, url_for

from hubkit.errors import HubError

from .. import remote
from ..actors import actor, staff_actor
from ..auth import current_principal
from .forms import Form, page_number, render_forms

bp = Blueprint("budget", __name__)

STAFF = ("agent", "admin")  # study, selection, merging, paper ballots, statuses, live counts
PARIS_WIDE = "paris"  # the scale of a project for all of Paris (and the scope of its results)
ALL_PARIS = "tout-paris"  # the « arrondissement » filter of the list for Paris-wide projects
SERVICE_PAGE = 500  # the most projects the service returns in one call
BACKOFFICE_PAGE = 50  # the projects of one page of a back-office list
PUBLISHED_STAGES = ("results", "implementation")
VOTE_STAGE, SUBMISSION_STAGE = "vote", "submission"
UNLISTED_STATUSES = ("draft", "merged")
NOT_AN_AMOUNT = "Indiquez un montant en euros, en chiffres, sans centimes."


def actor_or_none() -> dict | None:
    return actor() if current_principal() is not None else None


agent_actor = staff_actor  # agents follow the delivery of the projects their direction owns


def reference() -> dict:
    """Stages, themes, scales, sectors and statuses, with lookups by code for the templates."""
    data = remote.reference_data("budget")
    statuses = list(data.get("project_statuses") or ()) + list(data.get("implementation_statuses") or ())
    # Drafts and merged sources are never listed: no filter for them.
    listed = [status for status in statuses if status["code"] not in UNLISTED_STATUSES]
    return {**data, "stage_labels": {s["code"]: s["label"] for s in data["stages"]},
            "sector_labels": {s["code"]: s["label"] for s in data["sectors"]},
            "status_labels": {s["code"]: s["label"] for s in statuses}, "all_statuses": statuses,
            "listed_statuses": listed,
            "sector_choices": [(s["code"], s["label"]) for s in data["sectors"]],
            "theme_choices": [(theme, theme) for theme in data["themes"]],
            "direction_choices": [(d["code"], d["label"]) for d in data.get("directions") or ()]}


def cycles() -> list:
    return remote.call("budget", "list_cycles")


def current_cycle(all_cycles: list) -> dict | None:
    """The edition shown by default: the latest cycle run on the hub (not one imported from past data)."""
    own = [cycle for cycle in all_cycles if not cycle.get("source")]
    if own:
        return own[0]
    return max(all_cycles, key=lambda cycle: cycle.get("edition") or 0, default=None)  # the latest past edition


def cycle_by_id(all_cycles: list, cycle_id: str | None) -> dict | None:
    return next((cycle for cycle in all_cycles if cycle["id"] == cycle_id), None)


def all_projects(cycle_id: str, **filters) -> list:
    """Every project of a cycle matching the service's filters (scale, sector, theme, selected), in order of
    submission: the list sorts, filters by status and counts per sector over all of them."""
    items, offset = [], 0
    query = {key: value for key, value in filters.items() if value is not None}
    while True:
        page = remote.call("budget", "list_projects", {"cycle_id": cycle_id, **query, "limit": SERVICE_PAGE,
                                                       "offset": offset}, actor_or_none())
        items.extend(page["items"])
        offset += SERVICE_PAGE
        if offset >= page["total"] or not page["items"]:
            return items


def list_params(ref: dict, *names) -> dict:
    """A back-office list's filters read from the query string (a form posted from the list carries them in its
    action's): `secteur` (a sector or « paris »), `theme`, `page`, and the page's own `names`. An unknown value is
    no filter and a bad page is the first, as on the public list."""
    values = request.args
    sectors = {code for code, _ in ref["sector_choices"]} | {PARIS_WIDE}
    page = (values.get("page") or "1").strip()
    params = {"secteur": values.get("secteur") if values.get("secteur") in sectors else "",
              "theme": values.get("theme") if values.get("theme") in ref["themes"] else "",
              "page": page_number(page)}
    params.update({name: (values.get(name) or "").strip()[:40] for name in names})
    return params


def scope_filter(params: dict) -> dict:
    """The service's filter for the `secteur` (Paris-wide projects, or one sector's) and `theme` of a list."""
    query = {"theme": params["theme"]} if params["theme"] else {}
    if params["secteur"] == PARIS_WIDE:
        query["scale"] = PARIS_WIDE
    elif params["secteur"]:
        query["sector"] = params["secteur"]
    return query


def project_list_page(cycle_id: str, params: dict, **filters) -> dict:
    """One page (`params["page"]`) of a cycle's projects, filtered by the service; a page past the last shows the
    last one (`params["page"]` follows)."""
    query = {"cycle_id": cycle_id, **{key: value for key, value in filters.items() if value is not None},
             "limit": BACKOFFICE_PAGE}
    page = remote.call("budget", "list_projects", {**query, "offset": (params["page"] - 1) * BACKOFFICE_PAGE},
                       actor_or_none())
    last = max(1, -(-page["total"] // BACKOFFICE_PAGE))
    if params["page"] > last:
        params["page"] = last
        page = remote.call("budget", "list_projects", {**query, "offset": (last - 1) * BACKOFFICE_PAGE},
                           actor_or_none())
    return page


def list_args(params: dict) -> dict:
    """A list's filters and page as the query string of the links and forms that come back to the same list."""
    return {key: value for key, value in params.items() if value and not (key == "page" and value == 1)}


def page_links(endpoint: str, cycle_id: str, params: dict, total: int) -> dict:
    """The previous and next pages of a back-office list, keeping its filters; `page` of `last`."""
    kept = list_args({**params, "page": 1})
    last = max(1, -(-total // BACKOFFICE_PAGE))

    def link(number):
        return url_for(endpoint, cycle_id=cycle_id, **kept, **({"page": number} if number > 1 else {}))
    return {"page": params["page"], "last": last, "total": total,
            "previous": link(params["page"] - 1) if params["page"] > 1 else None,
            "next": link(params["page"] + 1) if params["page"] < last else None}


@bp.app_template_filter("euros")
def euros(value) -> str:
    """15000 -> "15 000 €" (French grouping with a narrow no-break space)."""
    if value in (None, ""):
        return "non chiffré"
    return f"{int(value):,}".replace(",", "\u202f") + "\u00a0€"


@bp.app_template_filter("count_fr")
def count_fr(number) -> str:
    return f"{int(number or 0):,}".replace(",", "\u202f")


def amount(values: dict, field: str, errors: dict, message: str = NOT_AN_AMOUNT):
    """A whole number typed in a form ("30 000 €" is 30000), None if blank; a message in `errors` if it is not one."""
    text = (values.get(field) or "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "").replace("€", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        errors[field] = [message]
        return None
    return int(text)


def plural(count: int, singular: str, several: str = None) -> str:
    return singular if abs(int(count)) <= 1 else (several or singular + "s")


# --- a project's page (its follow and invitation forms post from budget_vote.py) ------------------------

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
    all_forms = {"follow": Form("suivre"), "invitation": Form("invitation")}
    all_forms.update(forms or {})
    return render_forms("budget/project.html", all_forms, **context)

"""What the participatory budget's pages share: the blueprint, the reference data as choices, the
cycles (« éditions »), fetching a cycle's projects, and the French wording of amounts and places.

The pages are split by audience: budget.py (the public pages: editions, projects, map, results,
receipts), budget_vote.py (submitting a project, « Mes projets », the ballot), budget_backoffice.py
(cycles, study, merging, selection, paper ballots, statuses, live counts). Each call carries the caller as
`actor`; the budget service checks the roles and the stage again.
"""
from flask import Blueprint

from .. import remote
from ..actors import actor
from ..auth import current_principal

bp = Blueprint("budget", __name__)

STAFF = ("agent", "admin")  # study, selection, merging, paper ballots, statuses, live counts
PARIS_WIDE = "paris"  # the scale of a project for all of Paris (and the scope of its results)
ALL_PARIS = "tout-paris"  # the « arrondissement » filter of the list for Paris-wide projects
SERVICE_PAGE = 500  # the most projects the service returns in one call
PUBLISHED_STAGES = ("results", "implementation")
VOTE_STAGE, SUBMISSION_STAGE = "vote", "submission"


def actor_or_none() -> dict | None:
    return actor() if current_principal() is not None else None


def reference() -> dict:
    """Stages, themes, scales, sectors and statuses, with lookups by code for the templates."""
    data = remote.call("budget", "reference_data")
    statuses = list(data.get("project_statuses") or ()) + list(data.get("implementation_statuses") or ())
    return {**data, "stage_labels": {s["code"]: s["label"] for s in data["stages"]},
            "sector_labels": {s["code"]: s["label"] for s in data["sectors"]},
            "status_labels": {s["code"]: s["label"] for s in statuses}, "all_statuses": statuses,
            "sector_choices": [(s["code"], s["label"]) for s in data["sectors"]],
            "theme_choices": [(theme, theme) for theme in data["themes"]]}


def cycles() -> list:
    return remote.call("budget", "list_cycles")


def current_cycle(all_cycles: list) -> dict | None:
    """The edition shown by default: the latest cycle run on the hub (not one imported from past data)."""
    own = [cycle for cycle in all_cycles if not cycle.get("source")]
    return (own or all_cycles or [None])[0]


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


def project_cost(project: dict):
    """What the project costs: the City's estimate once studied, else its carriers' estimate."""
    return project.get("cost") if project.get("cost") is not None else project.get("estimated_cost")


@bp.app_template_filter("euros")
def euros(amount) -> str:
    """15000 -> "15 000 €" (French grouping with a narrow no-break space)."""
    if amount in (None, ""):
        return "non chiffré"
    return f"{int(amount):,}".replace(",", "\u202f") + "\u00a0€"


@bp.app_template_filter("count_fr")
def count_fr(number) -> str:
    return f"{int(number or 0):,}".replace(",", "\u202f")


def plural(count: int, singular: str, several: str = None) -> str:
    return singular if abs(int(count)) <= 1 else (several or singular + "s")


def place_label(project: dict, sector_labels: dict) -> str:
    if project.get("scale") == PARIS_WIDE:
        return "Tout Paris"
    return sector_labels.get(project.get("sector"), project.get("sector") or "")


def status_label(project: dict, status_labels: dict) -> str:
    """The implementation status once the project is being delivered, else its status in the cycle."""
    status = project.get("implementation_status") or project.get("status")
    return status_labels.get(status, status or "")

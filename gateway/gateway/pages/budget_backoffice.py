"""Participatory budget, the back-office of the City's staff: editions (create one, move its stages: admins),
the study queue (admissibility with its public reason, feasibility with the City's cost), the selection by
each arrondissement commission and the central commission, and the live counts during the vote (agents and
admins only: the public waits for the results). The service checks every role and stage again.
"""
from flask import flash, redirect, request, url_for

from hubkit.errors import HubError, InvalidInput

from .. import remote
from ..actors import actor, staff_actor
from ..auth import roles_required
from .budget_common import (BACKOFFICE_PAGE, PARIS_WIDE, STAFF, amount, bp, list_args, list_params, page_links,
                            plural, project_list_page, reference, scope_filter)
from .forms import Form, checkbox, none_if_blank, render_forms, require_filled, submitted

PREFIX = "/back-office/budget"
CYCLE_FIELDS = ("title", "paris_envelope", "max_choices", "min_age", "certification", "vote_day")
STUDY_FIELDS = ("admissible", "admissibility_reason", "feasible", "feasibility_reason", "cost", "direction")
NOT_A_NUMBER = "Indiquez un nombre entier."
YES_NO = {"oui": True, "non": False}
CLOSE_VOTE = "Cochez la case pour confirmer la clôture du vote : le dépouillement est définitif."


def _cycle_page(cycle_id) -> dict:
    return remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})


# --- editions ----------------------------------------------------------------------------------------------

def _cycles_page(form: Form = None):
    ref = reference()
    defaults = {"max_choices": str(ref.get("default_max_choices", 4)), "lives_in_paris": True,
                "email_verified": True}
    forms = {"cycle": form or Form("cycle", defaults)}
    return render_forms("budget/backoffice/cycles.html", forms, cycles=remote.call("budget", "list_cycles"),
                        reference=ref)


@bp.get(PREFIX)
@roles_required(*STAFF)
def backoffice():
    return _cycles_page()


@bp.post(f"{PREFIX}/editions")
@roles_required("admin")
def create_cycle():
    ref = reference()
    envelope_fields = [f"envelope_{code}" for code, _ in ref["sector_choices"]]
    values = submitted(*CYCLE_FIELDS, *envelope_fields)
    values.update(lives_in_paris=checkbox("lives_in_paris"), email_verified=checkbox("email_verified"))
    try:
        require_filled(values, "title", "paris_envelope")
        errors = {}
        command = {"title": values["title"], "paris_envelope": amount(values, "paris_envelope", errors),
                   "sector_envelopes": {field.removeprefix("envelope_"): amount(values, field, errors) or 0
                                        for field in envelope_fields},
                   "max_choices": amount(values, "max_choices", errors, NOT_A_NUMBER) or 4,
                   "eligibility": {"lives_in_paris": values["lives_in_paris"],
                                   "email_verified": values["email_verified"],
                                   "min_age": amount(values, "min_age", errors, NOT_A_NUMBER),
                                   "certification": none_if_blank(values["certification"])},
                   "vote_day": none_if_blank(values["vote_day"])}
        if errors:
            raise InvalidInput(details=errors)
        cycle = remote.call("budget", "create_cycle", actor(), command)
    except HubError as error:
        aliases = {f"sector_envelopes.{code}": f"envelope_{code}" for code, _ in ref["sector_choices"]}
        aliases.update({"eligibility.min_age": "min_age", "eligibility.certification": "certification",
                        "sector_envelopes": "paris_envelope"})
        return _cycles_page(Form.failed(error, values, name="cycle", aliases=aliases))
    flash(f"L'édition « {cycle['title']} » est créée, à l'étape « {cycle['stage_label']} ».", "success")
    return redirect(url_for(".backoffice_cycle", cycle_id=cycle["id"]))


def _dashboard(cycle_id, form: Form = None):
    cycle = _cycle_page(cycle_id)
    counts = remote.call("budget", "project_counts", {"cycle_id": cycle["id"]})
    return render_forms("budget/backoffice/cycle.html", {"stage": form or Form("etape")}, cycle=cycle,
                        reference=reference(), by_status=counts["by_status"], projects_count=counts["total"])


@bp.get(f"{PREFIX}/<uuid:cycle_id>")
@roles_required(*STAFF)
def backoffice_cycle(cycle_id):
    return _dashboard(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/etape")
@roles_required("admin")
def advance_stage(cycle_id):
    values = submitted("stage")
    values["confirm"] = checkbox("confirm")
    try:
        require_filled(values, "stage")
        if request.form.get("closing_vote") and not values["confirm"]:
            raise InvalidInput(details={"confirm": [CLOSE_VOTE]})
        cycle = remote.call("budget", "advance_stage", actor(), {"cycle_id": str(cycle_id), "stage": values["stage"]})
    except HubError as error:
        return _dashboard(cycle_id, Form.failed(error, values, name="etape", fields=("confirm",)))
    flash(f"L'édition « {cycle['title']} » est passée à l'étape « {cycle['stage_label']} ».", "success")
    return redirect(url_for(".backoffice_cycle", cycle_id=cycle_id))


# --- study ---------------------------------------------------------------------------------------------------

STUDIED = "etudies"  # the `etat` of the study list showing the projects already studied (else: those waiting)


def _study_page(cycle_id, failed: dict = None):
    cycle, ref = _cycle_page(cycle_id), reference()
    params = list_params(ref, "etat")
    params["etat"] = STUDIED if params["etat"] == STUDIED else ""
    studied = params["etat"] == STUDIED
    page = project_list_page(cycle["id"], params, studied=studied, **scope_filter(params))
    other = remote.call("budget", "list_projects", {"cycle_id": cycle["id"], "studied": not studied, "limit": 1,
                                                    **scope_filter(params)}, actor())
    totals = {"waiting": other["total"] if studied else page["total"],
              "studied": page["total"] if studied else other["total"]}
    forms = {p["id"]: Form(f"etude-{p['id']}", _study_values(p)) for p in page["items"]}
    forms.update(failed or {})
    return render_forms("budget/backoffice/study.html", forms, cycle=cycle, reference=ref, projects=page["items"],
                        totals=totals, params=params, sector=params["secteur"], list_args=list_args(params),
                        tab_args=list_args({"secteur": params["secteur"], "theme": params["theme"]}),
                        pages=page_links("budget.study", cycle["id"], params, page["total"]))


def _study_values(project: dict) -> dict:
    def yes_no(value):
        return "" if value is None else ("oui" if value else "non")
    return {"admissible": yes_no(project.get("admissible")), "feasible": yes_no(project.get("feasible")),
            "admissibility_reason": project.get("admissibility_reason") or "",
            "feasibility_reason": project.get("feasibility_reason") or "",
            "cost": str(project["cost"]) if project.get("cost") is not None else "",
            "direction": project.get("direction") or ""}


@bp.get(f"{PREFIX}/<uuid:cycle_id>/etude")
@roles_required(*STAFF)
def study(cycle_id):
    return _study_page(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/projets/<uuid:project_id>/etude")
@roles_required(*STAFF)
def decide_study(cycle_id, project_id):
    values = submitted(*STUDY_FIELDS)
    name = f"etude-{project_id}"
    try:
        require_filled(values, "admissible", "admissibility_reason")
        errors = {}
        cost = amount(values, "cost", errors)
        if values["admissible"] not in YES_NO or values["feasible"] not in ("", *YES_NO):
            errors["admissible"] = ["Choisissez oui ou non."]
        if errors:
            raise InvalidInput(details=errors)
        project = remote.call("budget", "decide_study", staff_actor(), {
            "project_id": str(project_id), "admissible": YES_NO[values["admissible"]],
            "admissibility_reason": values["admissibility_reason"],
            "feasible": YES_NO.get(values["feasible"]) if values["admissible"] == "oui" else None,
            "feasibility_reason": none_if_blank(values["feasibility_reason"]) if values["admissible"] == "oui"
            else None, "cost": cost if values["admissible"] == "oui" else None,
            "direction": none_if_blank(values["direction"])})
    except HubError as error:
        return _study_page(cycle_id, {str(project_id): Form.failed(error, values, name=name, fields=STUDY_FIELDS)})
    flash(f"L'avis sur « {project['title']} » est enregistré et publié sur la page du projet.", "success")
    return redirect(url_for(".study", cycle_id=cycle_id, **list_args(list_params(reference(), "etat")),
                            _anchor=f"projet-{project_id}"))


# --- selection -------------------------------------------------------------------------------------------------

def _commissions(cycle_id: str, ref: dict) -> list:
    """The commissions that have feasible projects to choose from, with how many: the central one (Paris-wide
    projects), then one per sector."""
    counts = remote.call("budget", "list_projects", {"cycle_id": cycle_id, "feasible": True, "limit": 1},
                         actor())["by_sector"]
    scopes = [(PARIS_WIDE, "Commission centrale – projets pour tout Paris")]
    scopes += [(code, f"Commission de l'arrondissement – {label}") for code, label in ref["sector_choices"]]
    return [{"scope": scope, "label": label, "count": counts[scope]} for scope, label in scopes if counts.get(scope)]


def _commission_page(cycle_id: str, ref: dict) -> tuple:
    """The commission chosen (by default the first) and one page of its feasible projects."""
    params = list_params(ref, "commission")
    wanted = params["commission"] or request.form.get("scope", "")  # an older form names only its scope
    commissions = _commissions(cycle_id, ref)
    group = next((g for g in commissions if g["scope"] == wanted), commissions[0] if commissions else None)
    if group is None:
        return params, commissions, None
    params["commission"] = group["scope"]
    scope = {"scale": PARIS_WIDE} if group["scope"] == PARIS_WIDE else {"sector": group["scope"]}
    page = project_list_page(cycle_id, params, feasible=True, **scope)
    return params, commissions, {**group, "projects": page["items"], "total": page["total"]}


def _selection_page(cycle_id, failed: dict = None):
    cycle, ref = _cycle_page(cycle_id), reference()
    params, commissions, group = _commission_page(cycle["id"], ref)
    forms = {group["scope"]: Form(f"selection-{group['scope']}")} if group else {}
    forms.update(failed or {})
    kept = {"commission": params["commission"], "page": params["page"]}
    return render_forms("budget/backoffice/selection.html", forms, cycle=cycle, reference=ref, group=group,
                        commissions=commissions, params=kept,
                        pages=page_links("budget.selection", cycle["id"], kept, group["total"]) if group else None)


@bp.get(f"{PREFIX}/<uuid:cycle_id>/selection")
@roles_required(*STAFF)
def selection(cycle_id):
    return _selection_page(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/selection")
@roles_required(*STAFF)
def select_projects(cycle_id):
    """One commission's decision on the projects its page showed: the ticked ones go to the vote, the others do
    not. Projects of the commission on other pages, or not shown, are left as they are."""
    ref = reference()
    scope, ticked = request.form.get("scope", ""), set(request.form.getlist("selected"))
    shown = set(request.form.getlist("shown")[:BACKOFFICE_PAGE])
    params, _, group = _commission_page(str(cycle_id), ref)
    if group is None or group["scope"] != scope:
        flash("Cette commission n'a aucun projet réalisable à sélectionner.", "error")
        return redirect(url_for(".selection", cycle_id=cycle_id))
    if not shown:  # a form from before the lists were paged, or a forged one: it names no project it showed
        flash("Cette page de sélection n'est plus à jour : rechargez-la, puis enregistrez à nouveau.", "error")
        return redirect(url_for(".selection", cycle_id=cycle_id, **list_args({"commission": scope})))
    changed = 0
    try:
        for project in group["projects"]:
            wanted = project["id"] in ticked
            if project["id"] in shown and wanted != bool(project.get("selected")):
                remote.call("budget", "select_project", staff_actor(),
                            {"project_id": project["id"], "selected": wanted})
                changed += 1
    except HubError as error:
        return _selection_page(cycle_id, {scope: Form.failed(error, {}, name=f"selection-{scope}")})
    flash(f"{group['label']} : {changed} {plural(changed, 'changement')} enregistré{'s' if changed > 1 else ''}.",
          "success")
    return redirect(url_for(".selection", cycle_id=cycle_id, **list_args({"commission": scope,
                                                                          "page": params["page"]}),
                            _anchor=f"commission-{scope}"))


# --- live counts --------------------------------------------------------------------------------------------------

@bp.get(f"{PREFIX}/<uuid:cycle_id>/decomptes")
@roles_required(*STAFF)
def live_counts(cycle_id):
    cycle, ref = _cycle_page(cycle_id), reference()
    counts = remote.call("budget", "live_counts", actor(), {"cycle_id": str(cycle_id)})
    scopes = {}
    for project in counts["projects"]:
        scope = PARIS_WIDE if project["scale"] == PARIS_WIDE else project.get("sector")
        scopes.setdefault(scope, []).append(project)
    groups = [{"scope": scope, "label": "Tout Paris" if scope == PARIS_WIDE else ref["sector_labels"].get(scope, scope),
               "projects": sorted(projects, key=lambda p: -p["votes"]),
               "max_votes": max([p["votes"] for p in projects] or [0])}
              for scope, projects in sorted(scopes.items(), key=lambda item: item[0] != PARIS_WIDE)]
    return render_forms("budget/backoffice/counts.html", {}, cycle=cycle, counts=counts, groups=groups)

"""Participatory budget, the back-office of the stages after the study: merging similar projects
(co-construction), entering the paper ballots of the mobile ballot boxes, and the implementation statuses of the
winners (the planning timeline of their pages). Agents and admins; the service checks roles and stages again.
"""
from flask import flash, redirect, request, session, url_for

from hubkit.errors import HubError, InvalidInput

from .. import remote
from ..actors import actor
from ..auth import roles_required
from .budget_backoffice import PREFIX
from .budget_common import (PARIS_WIDE, STAFF, agent_actor, all_projects, amount, bp, list_args, list_params,
                            page_links, project_list_page, reference, scope_filter)
from .forms import Form, none_if_blank, render_forms, require_filled, submitted

MERGE_FIELDS = ("title", "description", "theme", "scale", "sector", "address", "cost")
MERGE_LABELS = {"project_ids": "Projets à fusionner", "title": "Titre", "description": "Description",
                "theme": "Thématique", "scale": "Échelle", "sector": "Arrondissement", "address": "Adresse",
                "cost": "Coût"}
PAPER_FIELDS = ("ballot_box", "last_name", "first_name", "birth_date", "postcode", "id_document_kind",
                "id_document_last4", "account_email")
PAPER_LABELS = {"ballot_box": "Urne", "last_name": "Nom", "first_name": "Prénom", "birth_date": "Date de naissance",
                "postcode": "Code postal", "id_document_kind": "Pièce d'identité",
                "id_document_last4": "4 derniers caractères", "account_email": "Compte du hub",
                "paris": "Projets pour tout Paris", "local": "Projets de l'arrondissement", "secteur": "Arrondissement"}
PAPER_ALIASES = {"paris_projects": "paris", "sector_projects": "local", "sector": "secteur"}
PAPER_RECEIPT_KEY = "budget_paper_receipt"
STATUS_FIELDS = ("status", "effective_date", "justification")


def _cycle(cycle_id) -> dict:
    return remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})


# --- co-construction: merging --------------------------------------------------------------------------------

def _merge_page(cycle_id, form: Form = None):
    cycle, ref = _cycle(cycle_id), reference()
    params = list_params(ref)
    page = project_list_page(cycle["id"], params, **scope_filter(params))
    return render_forms("budget/backoffice/merge.html", {"merge": form or Form("fusion")}, cycle=cycle,
                        reference=ref, projects=page["items"], sector=params["secteur"], params=params,
                        list_args=list_args(params),
                        pages=page_links("budget.merge", cycle["id"], params, page["total"]), labels=MERGE_LABELS)


@bp.get(f"{PREFIX}/<uuid:cycle_id>/fusion")
@roles_required(*STAFF)
def merge(cycle_id):
    return _merge_page(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/fusion")
@roles_required(*STAFF)
def merge_projects(cycle_id):
    values = submitted(*MERGE_FIELDS)
    values["project_ids"] = request.form.getlist("project_ids")[:20]
    try:
        errors = {}
        if len(values["project_ids"]) < 2:
            errors["project_ids"] = ["Cochez au moins deux projets à fusionner."]
        cost = amount(values, "cost", errors)
        require_filled(values, "title", "description")
        if errors:
            raise InvalidInput(details=errors)
        merged = remote.call("budget", "merge_projects", agent_actor(), {
            "cycle_id": str(cycle_id), "project_ids": values["project_ids"], "title": values["title"],
            "description": values["description"], "theme": none_if_blank(values["theme"]),
            "scale": none_if_blank(values["scale"]),
            "sector": none_if_blank(values["sector"]) if values["scale"] != PARIS_WIDE else None,
            "address": none_if_blank(values["address"]), "cost": cost})
    except HubError as error:
        return _merge_page(cycle_id, Form.failed(error, values, name="fusion",
                                                 fields=("project_ids", *MERGE_FIELDS)))
    flash(f"Projet co-construit « {merged['title']} » créé : les porteurs des projets fusionnés sont invités à le "
          "porter.", "success")
    return redirect(url_for(".project", project_id=merged["id"]))


# --- paper ballots -----------------------------------------------------------------------------------------------

def _paper_page(cycle_id, form: Form = None, ticked: dict = None):
    cycle, ref = _cycle(cycle_id), reference()
    sector = request.values.get("secteur") or None
    sector = sector if sector in ref["sector_labels"] else None
    shown = session.pop(PAPER_RECEIPT_KEY, None) if form is None else None
    values = {"ballot_box": request.args.get("urne", ""), "id_document_kind": "cni"}
    return render_forms(
        "budget/backoffice/paper.html", {"paper": form or Form("papier", values)}, cycle=cycle, reference=ref,
        sector=sector, ticked=ticked or {"paris": [], "local": []}, labels=PAPER_LABELS, shown=shown,
        paris=all_projects(cycle["id"], scale=PARIS_WIDE, selected=True) if cycle["stage"] == "vote" else [],
        local=all_projects(cycle["id"], scale="arrondissement", sector=sector, selected=True)
        if sector and cycle["stage"] == "vote" else [])


@bp.get(f"{PREFIX}/<uuid:cycle_id>/bulletins-papier")
@roles_required(*STAFF)
def paper_ballots(cycle_id):
    return _paper_page(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/bulletins-papier")
@roles_required(*STAFF)
def record_paper_ballot(cycle_id):
    values = submitted(*PAPER_FIELDS)
    sector = none_if_blank(request.form.get("secteur", "").strip())
    ticked = {"paris": request.form.getlist("paris")[:50], "local": request.form.getlist("local")[:50]}
    try:
        require_filled(values, "ballot_box", "last_name", "first_name", "birth_date", "postcode",
                       "id_document_kind", "id_document_last4")
        receipt = remote.call("budget", "record_paper_ballot", agent_actor(), {
            **{field: values[field] for field in PAPER_FIELDS}, "account_email": none_if_blank(values["account_email"]),
            "cycle_id": str(cycle_id), "paris_projects": ticked["paris"],
            "sector": sector if ticked["local"] else None, "sector_projects": ticked["local"]})
    except HubError as error:
        form = Form.failed(error, values, name="papier", fields=(*PAPER_FIELDS, "paris", "local", "secteur"),
                           aliases=PAPER_ALIASES)
        return _paper_page(cycle_id, form, ticked)
    session[PAPER_RECEIPT_KEY] = {"receipt": receipt["receipt"], "status": receipt["status"],
                                  "counted": receipt["counted"], "ballot_box": receipt["ballot_box"]}
    return redirect(url_for(".paper_ballots", cycle_id=cycle_id, urne=values["ballot_box"], secteur=sector))


# --- implementation statuses --------------------------------------------------------------------------------------

def _statuses_page(cycle_id, failed: dict = None):
    cycle, ref = _cycle(cycle_id), reference()
    params = list_params(ref, "statut")
    implementation = {status["code"] for status in ref.get("implementation_statuses", ())}
    params["statut"] = params["statut"] if params["statut"] in implementation else ""
    page = {"items": [], "total": 0}
    if cycle["stage"] in ("results", "implementation"):
        page = project_list_page(cycle["id"], params, status=params["statut"] or "winner", **scope_filter(params))
    forms = {p["id"]: Form(f"statut-{p['id']}") for p in page["items"]}
    forms.update(failed or {})
    settable = [(s["code"], s["label"]) for s in ref.get("implementation_statuses", ()) if s.get("settable")]
    return render_forms("budget/backoffice/statuses.html", forms, cycle=cycle, reference=ref, winners=page["items"],
                        settable=settable, params=params, sector=params["secteur"], list_args=list_args(params),
                        status_choices=[(s["code"], s["label"]) for s in ref.get("implementation_statuses", ())],
                        pages=page_links("budget.statuses", cycle["id"], params, page["total"]))


@bp.get(f"{PREFIX}/<uuid:cycle_id>/realisation")
@roles_required(*STAFF)
def statuses(cycle_id):
    return _statuses_page(cycle_id)


@bp.post(f"{PREFIX}/<uuid:cycle_id>/projets/<uuid:project_id>/statut")
@roles_required(*STAFF)
def change_status(cycle_id, project_id):
    values = submitted(*STATUS_FIELDS)
    try:
        require_filled(values, *STATUS_FIELDS)
        project = remote.call("budget", "change_project_status", agent_actor(),
                              {"project_id": str(project_id), **values})
    except HubError as error:
        form = Form.failed(error, values, name=f"statut-{project_id}", fields=STATUS_FIELDS)
        return _statuses_page(cycle_id, {str(project_id): form})
    flash(f"« {project['title']} » : {project['status_label']}. L'étape apparaît sur le planning du projet et ses "
          "abonnés sont prévenus.", "success")
    return redirect(url_for(".statuses", cycle_id=cycle_id, **list_args(list_params(reference(), "statut")),
                            _anchor=f"projet-{project_id}"))

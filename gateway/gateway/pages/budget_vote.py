"""Participatory budget, the citizen's pages: submitting a project, « Mes projets », and the ballot (choose
the sector, tick projects, check the choices and what is left, confirm, get a receipt once).

Without JavaScript the ballot takes three requests: the ticked boxes are posted to a check step that shows
the choices and what is left, then confirmed (or sent back to the ballot with the same ticks).
"""
from flask import flash, redirect, request, session, url_for

from hubkit.errors import HubError, InvalidInput, NotFound, PermissionDenied

from .. import remote
from ..actors import actor
from ..auth import login_required
from ..idempotency import form_key
from .budget_common import PARIS_WIDE, VOTE_STAGE, all_projects, amount, bp, project_page, reference
from .forms import Form, none_if_blank, render_form, require_filled, submitted

PROJECT_FIELDS = ("title", "description", "theme", "scale", "sector", "address", "estimated_cost", "origin_idea_id")
PROJECT_LABELS = {"title": "Titre", "description": "Description", "theme": "Thématique", "scale": "Échelle",
                  "sector": "Arrondissement", "address": "Adresse ou lieu", "estimated_cost": "Coût estimé",
                  "origin_idea_id": "Idée d'origine"}
BALLOT_ALIASES = {"paris_projects": "paris", "sector_projects": "local", "sector": "secteur"}
RECEIPT_KEY = "budget_receipt"  # the receipt is shown once, after the redirect that follows the vote
# What a voter can do when a rule of the cycle refuses the ballot (the service names the rule).
RULE_HELP = {
    "email_verified": ("Renvoyer l'e-mail de vérification", "account_pages.resend_verification"),
    "lives_in_paris": ("Déclarer mon adresse parisienne", "profile.index"),
    "min_age": ("Indiquer ma date de naissance", "profile.index"),
    "certification": ("Voir mon niveau de certification", "profile.index"),
}


# --- submitting a project ---------------------------------------------------------------------------------

def _project_command(values: dict, cycle_id) -> dict:
    errors = {}
    cost = amount(values, "estimated_cost", errors)
    if errors:
        raise InvalidInput(details=errors)
    return {"cycle_id": str(cycle_id), "title": values["title"], "description": values["description"],
            "theme": values["theme"], "scale": values["scale"],
            "sector": none_if_blank(values["sector"]) if values["scale"] != PARIS_WIDE else None,
            "address": none_if_blank(values["address"]), "origin_idea_id": none_if_blank(values["origin_idea_id"]),
            "estimated_cost": cost}


@bp.route("/budget-participatif/<uuid:cycle_id>/deposer", methods=["GET", "POST"])
@login_required
def submit(cycle_id):
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    context = {"cycle": cycle, "reference": reference(), "labels": PROJECT_LABELS}
    if request.method == "GET":
        values = {"scale": "arrondissement", "origin_idea_id": (request.args.get("idee") or "")[:36]}
        return render_form("budget/submit.html", Form("projet", values), **context)
    values = submitted(*PROJECT_FIELDS)
    try:
        require_filled(values, "title", "description", "theme", "scale")
        project = remote.call("budget", "submit_project", actor(), _project_command(values, cycle_id))
    except HubError as error:
        form = Form.failed(error, values, name="projet", fields=PROJECT_FIELDS)
        return render_form("budget/submit.html", form, **context)
    flash("Votre projet est déposé. La Ville l'étudiera pendant l'étape d'étude ; vous serez informé·e de "
          "son avis sur cette page.", "success")
    return redirect(url_for(".project", project_id=project["id"]))


def _require_carrier(project: dict):
    """Only its carrier completes a project. Staff may read a draft (budget's `get_project`), but its completion
    form is not theirs: a draft that is not yours is not found, as the service answers its sending
    (`confirm_draft_project`); a project already submitted is refused with the reason."""
    if (project.get("viewer") or {}).get("carrier"):
        return
    if project.get("draft"):
        raise NotFound("Projet introuvable.")
    raise PermissionDenied("Seul le porteur du projet le complète.")


@bp.route("/budget-participatif/projets/<uuid:project_id>/completer", methods=["GET", "POST"])
@login_required
def complete_draft(project_id):
    """A draft drawn from the carrier's idea (forwarded to the budget): completed, then submitted."""
    draft = remote.call("budget", "get_project", {"project_id": str(project_id)}, actor())
    _require_carrier(draft)
    cycle = remote.call("budget", "get_cycle", {"cycle_id": draft["cycle_id"]})
    context = {"cycle": cycle, "reference": reference(), "labels": PROJECT_LABELS, "draft": draft}
    if request.method == "GET":
        values = {field: "" if draft.get(field) is None else str(draft[field]) for field in PROJECT_FIELDS}
        return render_form("budget/submit.html", Form("projet", values), **context)
    values = submitted(*PROJECT_FIELDS)
    try:
        require_filled(values, "title", "description", "theme", "scale")
        command = _project_command(values, draft["cycle_id"])
        for field in ("cycle_id", "origin_idea_id"):
            command.pop(field)
        project = remote.call("budget", "confirm_draft_project", actor(), {**command, "project_id": str(project_id)})
    except HubError as error:
        return render_form("budget/submit.html", Form.failed(error, values, name="projet", fields=PROJECT_FIELDS),
                           **context)
    flash("Votre projet est déposé. La Ville l'étudiera pendant l'étape d'étude.", "success")
    return redirect(url_for(".project", project_id=project["id"]))


@bp.get("/budget-participatif/mes-projets")
@login_required
def mine():
    """The projects the account carries (drafts included), its favorites, those it is associated with, and the
    merged projects it is invited to carry."""
    mine = remote.call("budget", "my_projects", actor())
    return render_form("budget/mine.html", Form(), mine=mine, reference=reference())


# --- following a project, answering a merge ------------------------------------------------------------------

FOLLOW_KINDS = {"favorite": ("Le projet est dans vos favoris.", "Le projet n'est plus dans vos favoris."),
                "associate": ("Vous êtes associé·e au projet : vous serez prévenu·e de chaque étape.",
                              "Vous n'êtes plus associé·e au projet.")}


def _follow(project_id, following: bool):
    kind = request.form.get("kind", "")
    try:
        if kind not in FOLLOW_KINDS:
            raise InvalidInput(details={"kind": ["Choisissez : favori ou association au projet."]})
        remote.call("budget", "follow_project" if following else "unfollow_project", actor(),
                    {"project_id": str(project_id), "kind": kind})
    except HubError as error:
        return project_page(project_id, {"follow": Form.failed(error, {}, name="suivre")})
    flash(FOLLOW_KINDS[kind][0 if following else 1], "success")
    return redirect(url_for(".project", project_id=project_id, _anchor="suivre"))


@bp.post("/budget-participatif/projets/<uuid:project_id>/suivre")
@login_required
def follow(project_id):
    return _follow(project_id, True)


@bp.post("/budget-participatif/projets/<uuid:project_id>/ne-plus-suivre")
@login_required
def unfollow(project_id):
    return _follow(project_id, False)


@bp.post("/budget-participatif/projets/<uuid:project_id>/invitation")
@login_required
def answer_invitation(project_id):
    answer = request.form.get("reponse", "")
    try:
        if answer not in ("accepter", "refuser"):
            raise InvalidInput(details={"reponse": ["Acceptez ou refusez l'invitation."]})
        remote.call("budget", "answer_merge_invitation", actor(), {"project_id": str(project_id),
                                                                   "accept": answer == "accepter"})
    except HubError as error:
        return project_page(project_id, {"invitation": Form.failed(error, {}, name="invitation")})
    flash("Vous portez désormais ce projet co-construit." if answer == "accepter"
          else "Votre refus est enregistré : vous ne portez pas ce projet co-construit.", "success")
    return redirect(url_for(".project", project_id=project_id))


# --- the ballot --------------------------------------------------------------------------------------------

def _my_ballot(cycle_id: str) -> dict | None:
    try:
        return remote.call("budget", "my_ballot", actor(), {"cycle_id": cycle_id})
    except NotFound:
        return None


def _home_sector() -> str | None:
    """The sector of the voter's declared address, to open the ballot on their arrondissement."""
    try:
        account = remote.call("accounts", "get_account", actor()["account_id"])
    except HubError:
        return None
    return (account.get("sector") or {}).get("code")


def _ballot_page(cycle_id, form: Form = None, sector: str = None, ticked: dict = None, refused_rule: str = None,
                 wanted: str = None):
    """`wanted`: a project to tick (the voter came from its page's « Voter pour ce projet »)."""
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    ref = reference()
    sectors = {code for code, _ in ref["sector_choices"]}
    context = {"cycle": cycle, "reference": ref, "ballot": None, "paris": [], "local": [], "sector": None,
               "ticked": {"paris": [], "local": []}, "rule_help": RULE_HELP.get(refused_rule)}
    if cycle["stage"] != VOTE_STAGE:
        return render_form("budget/ballot.html", form or Form("bulletin"), **context)
    ballot = _my_ballot(cycle["id"])
    sector = sector if sector in sectors else None
    sector = sector or (ballot or {}).get("sector") or _home_sector()
    sector = sector if sector in sectors else None
    if ticked is None:
        ticked = {"paris": list((ballot or {}).get("paris_projects") or ()),
                  "local": list((ballot or {}).get("sector_projects") or ())
                  if ballot and ballot.get("sector") == sector else []}
    context.update(ballot=ballot, sector=sector, ticked=ticked,
                   paris=all_projects(cycle["id"], scale=PARIS_WIDE, selected=True),
                   local=all_projects(cycle["id"], scale="arrondissement", sector=sector, selected=True)
                   if sector else [])
    for group in ("paris", "local"):
        if wanted in {p["id"] for p in context[group]} and wanted not in ticked[group]:
            ticked[group].append(wanted)
    return render_form("budget/ballot.html", form or Form("bulletin"), **context)


def _ticked() -> dict:
    return {"paris": request.form.getlist("paris")[:50], "local": request.form.getlist("local")[:50]}


def _failed_ballot(error: HubError, cycle_id, sector, ticked):
    form = Form.failed(error, {"secteur": sector or ""}, name="bulletin", fields=("paris", "local", "secteur"),
                       aliases=BALLOT_ALIASES)
    rule = error.details.get("rule") if error.code == "NOT_ELIGIBLE" and isinstance(error.details, dict) else None
    return _ballot_page(cycle_id, form, sector, ticked, refused_rule=rule)


@bp.get("/budget-participatif/<uuid:cycle_id>/vote")
@login_required
def ballot(cycle_id):
    ticked = None
    if "paris" in request.args or "local" in request.args:  # back from the check step
        ticked = {"paris": request.args.getlist("paris")[:50], "local": request.args.getlist("local")[:50]}
    return _ballot_page(cycle_id, sector=request.args.get("secteur"), ticked=ticked, wanted=request.args.get("projet"))


@bp.post("/budget-participatif/<uuid:cycle_id>/vote/verifier")
@login_required
def check_ballot(cycle_id):
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    sector, ticked = none_if_blank(request.form.get("secteur", "").strip()), _ticked()
    try:
        _check_counts(cycle, ticked)
    except InvalidInput as error:
        return _failed_ballot(error, cycle_id, sector, ticked)
    paris = {p["id"]: p for p in all_projects(cycle["id"], scale=PARIS_WIDE, selected=True)}
    local = {p["id"]: p for p in all_projects(cycle["id"], scale="arrondissement", sector=sector, selected=True)} \
        if sector and ticked["local"] else {}
    chosen = {"paris": [paris[i] for i in ticked["paris"] if i in paris],
              "local": [local[i] for i in ticked["local"] if i in local]}
    return render_form("budget/ballot_confirm.html", Form("confirmer"), cycle=cycle, reference=reference(),
                       sector=sector, ticked=ticked, chosen=chosen,
                       remaining={"paris": cycle["max_choices"] - len(ticked["paris"]),
                                  "local": cycle["max_choices"] - len(ticked["local"])})


def _check_counts(cycle: dict, ticked: dict):
    """The rules a voter can fix before confirming (the service checks every rule again)."""
    errors = {}
    if not ticked["paris"] and not ticked["local"]:
        errors["paris"] = ["Choisissez au moins un projet."]
    for field, label in (("paris", "pour tout Paris"), ("local", "de votre arrondissement")):
        if len(ticked[field]) > cycle["max_choices"]:
            errors[field] = [f"Vous avez coché {len(ticked[field])} projets {label} : au plus "
                             f"{cycle['max_choices']}."]
    if errors:
        raise InvalidInput(details=errors)


@bp.post("/budget-participatif/<uuid:cycle_id>/vote")
@login_required
def cast(cycle_id):
    sector, ticked = none_if_blank(request.form.get("secteur", "").strip()), _ticked()
    try:
        # the hot path: coalesced with concurrent ballots into one batch RPC and one transaction (as the API)
        receipt = remote.batched_call("budget", "cast_ballots", {"actor": actor(), "ballot": {
            "cycle_id": str(cycle_id), "paris_projects": ticked["paris"],
            "sector": sector if ticked["local"] else None, "sector_projects": ticked["local"],
            "idempotency_key": form_key()}})
    except HubError as error:
        return _failed_ballot(error, cycle_id, sector, ticked)
    session[RECEIPT_KEY] = {"cycle_id": str(cycle_id), "receipt": receipt["receipt"], "replaced": receipt["replaced"],
                            "cast_at": receipt["cast_at"], "count": len(ticked["paris"]) + len(ticked["local"])}
    return redirect(url_for(".receipt", cycle_id=cycle_id))


@bp.get("/budget-participatif/<uuid:cycle_id>/vote/recu")
@login_required
def receipt(cycle_id):
    shown = session.pop(RECEIPT_KEY, None)
    if not shown or shown["cycle_id"] != str(cycle_id):
        return redirect(url_for(".ballot", cycle_id=cycle_id))
    cycle = remote.call("budget", "get_cycle", {"cycle_id": str(cycle_id)})
    code = shown["receipt"]
    grouped = " ".join(code[i:i + 4] for i in range(0, len(code), 4))
    return render_form("budget/receipt.html", Form(), cycle=cycle, shown=shown, grouped=grouped)

"""Petition pages: the list (tabs and search), a petition (text, progress, signing, Council and response),
drafting and co-sponsoring, « Mes pétitions ». The back-office (moderation, the Council of Paris, anti-fraud) is in
petitions_backoffice.py, on the same blueprint. Each call carries the caller as `actor`; the petitions service
checks the roles again."""
from flask import current_app, flash, make_response, redirect, request, session, url_for

from hubkit.config import env_float
from hubkit.errors import HubError

from .. import remote
from ..api.petitions import PublicViews, actor, read_petition, sign_command
from ..auth import current_principal, login_required
from ..idempotency import form_key
from . import petitions_backoffice  # noqa: F401  (its routes join the blueprint)
from .forms import Form, checkbox, none_if_blank, page_number, render_form, render_forms, require_filled, submitted
from .highlighting import query_terms
from .petitions_common import bp, reference, thousands

PAGE_SIZE = 20

# The tabs of the list: URL slug -> (status group of the service, label).
TABS = {
    "ouvertes": ("open", "Ouvertes"),
    "seuil-atteint": ("threshold_reached", "Seuil atteint"),
    "repondues": ("answered", "Réponse de la Ville"),
    "closes": ("closed", "Closes"),
    "refusees": ("rejected", "Refusées"),
}
SORTS = {"recentes": "recent", "populaires": "popular"}
DRAFT_FIELDS = ("title", "asks", "background", "arrondissement")
DRAFT_LABELS = {"title": "Titre", "asks": "Ce que demande la pétition", "background": "Contexte",
                "arrondissement": "Arrondissement"}


def _actor_or_none() -> dict | None:
    return actor() if current_principal() is not None else None


# --- the list -------------------------------------------------------------------------------------

def _list_params(args) -> dict:
    page, arrondissement = args.get("page"), args.get("arrondissement", "")
    return {"statut": args.get("statut") if args.get("statut") in TABS else "ouvertes",
            "recherche": (args.get("recherche") or "").strip()[:100],
            "tri": args.get("tri") if args.get("tri") in SORTS else "recentes",
            "arrondissement": int(arrondissement) if arrondissement in _ARRONDISSEMENTS else None,
            "page": page_number(page)}


_ARRONDISSEMENTS = frozenset(str(number) for number in range(1, 21))


def _list_url(params: dict, **changes) -> str:
    merged = {**params, **changes}
    query = {key: value for key, value in merged.items()
             if value and not (key == "page" and value == 1) and not (key == "statut" and value == "ouvertes")
             and not (key == "tri" and value == "recentes")}
    return url_for("petitions.index", **query)


@bp.get("/petitions")
def index():
    params = _list_params(request.args)
    page = remote.call("petitions", "list_petitions", {
        "status": TABS[params["statut"]][0], "query": params["recherche"], "sort": SORTS[params["tri"]],
        "arrondissement": params["arrondissement"], "limit": PAGE_SIZE, "offset": (params["page"] - 1) * PAGE_SIZE})
    pages = {"previous": _list_url(params, page=params["page"] - 1) if params["page"] > 1 else None,
             "next": _list_url(params, page=params["page"] + 1)
             if params["page"] * PAGE_SIZE < page["total"] else None}
    tabs = [{"slug": slug, "label": label, "count": page["counts"].get(group, 0),
             "url": _list_url({**params, "page": 1}, statut=slug), "current": slug == params["statut"]}
            for slug, (group, label) in TABS.items()]
    search = Form("filtre", {"recherche": params["recherche"], "tri": params["tri"],
                             "arrondissement": str(params["arrondissement"] or "")})
    return render_form("petitions/index.html", search, page=page, params=params, tabs=tabs, pages=pages,
                       sorts=SORTS, terms=query_terms(params["recherche"]))


# --- one petition ---------------------------------------------------------------------------------

def _petition_page(petition_id, sign_form: Form = None, submit_form: Form = None):
    petition = read_petition(str(petition_id), _actor_or_none())
    forms = {"sign": sign_form or Form("signer", {"notify": False}), "submit": submit_form or Form("soumettre")}
    chart_max = max([entry["signatures"] for entry in petition["by_arrondissement"]] or [0])
    return render_forms("petitions/petition.html", forms, petition=petition, chart_max=chart_max,
                        sponsor_url=url_for(".sponsor", token=petition["sponsor_token"], _external=True)
                        if petition.get("sponsor_token") else None)


@bp.get("/petitions/<uuid:petition_id>")
def show(petition_id):
    if current_principal() is not None or session:
        return _petition_page(petition_id)  # a page of their own (their signature, a message, a form token)
    return _visitor_page(str(petition_id))


def _visitor_page(petition_id: str):
    """The page as every visitor without a session sees it, rendered once per petition and per
    HUB_PETITION_VIEW_CACHE_SECONDS in this process: during a signing rush most readers are visitors, and
    rendering the page cost the gateway more than a signature. Kept only if rendering it wrote nothing to
    the visitor's session (no form token, no message) and it is an ordinary page."""
    pages = current_app.extensions.get("petition_visitor_pages")
    if pages is None:
        pages = current_app.extensions.setdefault(
            "petition_visitor_pages", PublicViews(env_float("HUB_PETITION_VIEW_CACHE_SECONDS", 1.0)))

    def render():
        response = _petition_page(petition_id)
        return response.status_code, response.get_data(), response.mimetype

    def shared_by_every_visitor(page) -> bool:
        return page[0] == 200 and not session.modified

    if pages.seconds <= 0:
        return _petition_page(petition_id)
    status, body, mimetype = pages.get(petition_id, render, keep=shared_by_every_visitor)
    return make_response(body, status, {"Content-Type": f"{mimetype}; charset=utf-8"})


@bp.post("/petitions/<uuid:petition_id>/signer")
@login_required
def sign(petition_id):
    values = {"lives": checkbox("lives"), "works": checkbox("works"), "studies": checkbox("studies"),
              "notify": checkbox("notify")}
    try:
        result = sign_command(str(petition_id), {
            "notify": values["notify"], "idempotency_key": form_key(),
            "connection": {"lives": values["lives"], "works": values["works"], "studies": values["studies"]}})
    except HubError as error:
        form = Form.failed(error, values, name="signer", fields=("connection",))
        return _petition_page(petition_id, sign_form=form)
    flash(f"Merci, votre signature est enregistrée. La pétition compte {thousands(result['signatures_count'])} "
          f"signature{'s' if result['signatures_count'] > 1 else ''}.", "success")
    return redirect(url_for(".show", petition_id=petition_id, _anchor="signer"))


@bp.post("/petitions/<uuid:petition_id>/soumettre")
@login_required
def submit(petition_id):
    try:
        remote.call("petitions", "submit_petition", actor(), {"petition_id": str(petition_id)})
    except HubError as error:
        return _petition_page(petition_id, submit_form=Form.failed(error, {}, name="soumettre"))
    flash("Votre pétition est soumise à la modération. Vous serez fixé·e sur sa publication sous quelques jours.",
          "success")
    return redirect(url_for(".show", petition_id=petition_id))


# --- drafting -------------------------------------------------------------------------------------

def _draft_values() -> dict:
    return submitted(*DRAFT_FIELDS)


def _draft_command(values: dict) -> dict:
    arrondissement = none_if_blank(values["arrondissement"])
    return {"title": values["title"], "asks": values["asks"], "background": values["background"],
            "arrondissement": int(arrondissement) if arrondissement and arrondissement.isdigit() else arrondissement}


@bp.route("/petitions/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    template = "petitions/form.html"
    if request.method == "GET":
        return render_form(template, Form("petition"), reference=reference(), petition=None)
    values = _draft_values()
    try:
        require_filled(values, "title", "asks", "background")
        petition = remote.call("petitions", "draft_petition", actor(), _draft_command(values))
    except HubError as error:
        return render_form(template, Form.failed(error, values, name="petition", fields=DRAFT_FIELDS),
                           reference=reference(), petition=None)
    flash("Votre brouillon est enregistré. Partagez maintenant le lien de parrainage avec vos co-parrains.",
          "success")
    return redirect(url_for(".show", petition_id=petition["id"], _anchor="parrainage"))


@bp.route("/petitions/<uuid:petition_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(petition_id):
    template = "petitions/form.html"
    petition = remote.call("petitions", "get_petition", {"petition_id": str(petition_id)}, actor())
    if request.method == "GET":
        values = {field: petition.get(field) or "" for field in DRAFT_FIELDS}
        return render_form(template, Form("petition", values), reference=reference(), petition=petition)
    values = _draft_values()
    try:
        require_filled(values, "title", "asks", "background")
        remote.call("petitions", "update_draft", actor(), {**_draft_command(values), "petition_id": str(petition_id)})
    except HubError as error:
        return render_form(template, Form.failed(error, values, name="petition", fields=DRAFT_FIELDS),
                           reference=reference(), petition=petition)
    flash("Votre brouillon est modifié.", "success")
    return redirect(url_for(".show", petition_id=petition_id))


# --- co-sponsors ----------------------------------------------------------------------------------

@bp.route("/petitions/parrainer/<token>", methods=["GET", "POST"])
@login_required
def sponsor(token):
    template = "petitions/sponsor.html"
    if request.method == "GET":
        petition = remote.call("petitions", "sponsor_view", actor(), {"token": token})
        return render_form(template, Form("parrainer"), petition=petition, token=token)
    try:
        remote.call("petitions", "sponsor_petition", actor(), {"token": token})
    except HubError as error:
        form = Form.failed(error, {}, name="parrainer")
        petition = remote.call("petitions", "sponsor_view", actor(), {"token": token})
        return render_form(template, form, petition=petition, token=token)
    flash("Merci, vous parrainez cette pétition. Son auteur pourra la soumettre quand elle aura assez de "
          "co-parrains.", "success")
    return redirect(url_for(".sponsor", token=token))


# --- « Mes pétitions » -----------------------------------------------------------------------------

@bp.get("/mes-petitions")
@login_required
def mine():
    return render_form("petitions/mine.html", Form(), mine=remote.call("petitions", "my_petitions", actor()))

"""The back-office of the City's staff: finding accounts, certifying eligibility attributes (agents),
granting and revoking roles (administrators). Each service checks the roles again on its side."""
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hubkit.errors import HubError

from .. import remote
from ..auth import actor_id, roles_required
from .formatting import role_label
from .forms import Form, page_number, render_forms, safe_next, submitted

bp = Blueprint("backoffice", __name__, url_prefix="/back-office")

ROLES = ("agent", "moderator", "admin")  # who may enter the back-office
PAGE_SIZE = 25
ROLE_FILTERS = ("agent", "moderator", "admin")
SEARCH_ALIASES = {"query": "recherche"}


@bp.get("")
@roles_required(*ROLES)
def index():
    return render_template("backoffice/index.html")


# --- listings -------------------------------------------------------------------------------------

def _params(args) -> dict:
    """The search of a listing, from its query string (`recherche`, `role`, `page`)."""
    page = args.get("page", "1")
    return {"recherche": (args.get("recherche") or "").strip()[:100], "role": (args.get("role") or "").strip(),
            "page": page_number(page)}


def _listing(endpoint: str, template: str, params: dict, forms: dict = None, **context):
    """Search the accounts and render the listing; `forms` holds the action that failed, if any."""
    search = Form("filtre", {"recherche": params["recherche"], "role": params["role"]})
    accounts = []
    try:
        accounts = remote.call("accounts", "search_accounts", actor_id(), {
            "query": params["recherche"], "role": params["role"] or None,
            "limit": PAGE_SIZE + 1, "offset": (params["page"] - 1) * PAGE_SIZE})
    except HubError as error:
        search = Form.failed(error, search.values, name="filtre", fields=("recherche", "role"),
                             aliases=SEARCH_ALIASES)
    forms = {"search": search, **(forms or {})}
    here = url_for(endpoint, **_query(params))
    pages = {"previous": url_for(endpoint, **_query(params, page=params["page"] - 1)) if params["page"] > 1 else None,
             "next": url_for(endpoint, **_query(params, page=params["page"] + 1))
             if len(accounts) > PAGE_SIZE else None}
    failed = next((name for name, form in forms.items() if name != "search" and not form.ok), None)
    return render_forms(template, forms, accounts=accounts[:PAGE_SIZE], params=params, here=here, pages=pages,
                        listing=url_for(endpoint), role_filters=ROLE_FILTERS, failed=failed, **context)


def _query(params: dict, **changes) -> dict:
    merged = {**params, **changes}
    return {key: value for key, value in merged.items() if value and not (key == "page" and value == 1)}


def _back_to(endpoint: str) -> str:
    """Where an action returns: the listing it was made from (`retour`), with its search."""
    target = safe_next(request.form.get("retour"))
    listing = url_for(endpoint)
    if target and (target == listing or target.startswith(listing + "?")):
        return target
    return listing


def _params_of(target: str) -> dict:
    return _params({key: values[0] for key, values in parse_qs(urlsplit(target).query).items()})


# --- accounts and certification (agents, administrators) ------------------------------------------

@bp.get("/comptes")
@roles_required("agent", "admin")
def accounts():
    return _listing(".accounts", "backoffice/accounts.html", _params(request.args))


@bp.post("/comptes/<account_id>/certifier")
@roles_required("agent", "admin")
def certify(account_id):
    back = _back_to(".accounts")
    try:
        account = remote.call("accounts", "certify_attributes", actor_id(), {"account_id": account_id})
    except HubError as error:
        form = Form.failed(error, {}, name=f"certifier-{account_id}")
        return _listing(".accounts", "backoffice/accounts.html", _params_of(back),
                        {f"certify-{account_id}": form})
    flash(f"Date de naissance et résidence de {account['pseudonym']} vérifiées.", "success")
    return redirect(back)


# --- roles (administrators) ----------------------------------------------------------------------

def _roles_listing(params: dict, forms: dict = None):
    directions = remote.reference_data("accounts")["directions"]
    return _listing(".roles", "backoffice/roles.html", params, forms, directions=directions,
                    grantable=ROLES)


@bp.get("/roles")
@roles_required("admin")
def roles():
    return _roles_listing(_params(request.args))


@bp.post("/comptes/<account_id>/roles")
@roles_required("admin")
def grant_role(account_id):
    back = _back_to(".roles")
    values = submitted("role", "direction")
    try:
        account = remote.call("accounts", "grant_role", actor_id(), {
            "account_id": account_id, "role": values["role"], "direction": values["direction"] or None})
    except HubError as error:
        form = Form.failed(error, values, name=f"attribuer-{account_id}", fields=("role", "direction"))
        return _roles_listing(_params_of(back), {f"grant-{account_id}": form})
    where = f" (direction {values['direction']})" if values["role"] == "agent" and values["direction"] else ""
    flash(f"Rôle «\u00a0{role_label(values['role'])}\u00a0»{where} attribué à {account['pseudonym']}.", "success")
    return redirect(back)


@bp.post("/comptes/<account_id>/roles/<role>/retirer")
@roles_required("admin")
def revoke_role(account_id, role):
    back = _back_to(".roles")
    try:
        account = remote.call("accounts", "revoke_role", actor_id(), {"account_id": account_id, "role": role})
    except HubError as error:
        form = Form.failed(error, {}, name=f"retirer-{account_id}")
        return _roles_listing(_params_of(back), {f"revoke-{account_id}": form})
    flash(f"Rôle «\u00a0{role_label(role)}\u00a0» retiré à {account['pseudonym']}.", "success")
    return redirect(back)

"""« Mon compte » page: profile, e-mail address, password, open sessions, data export and deletion."""
import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from hubkit.errors import HubError

from .. import auth, gdpr, remote
from ..auth import login_required
from .forms import (Form, checkbox, none_if_blank, render_form, render_forms, require_filled, require_same,
                    submitted)

bp = Blueprint("profile", __name__)

PROFILE_FIELDS = ("pseudonym", "birth_date", "lives_in_paris", "address_line", "postcode")
EXPORT_FILENAME = "mes-donnees-hub-participation.json"


def _me() -> dict:
    return auth.current_principal()


def profile_changes(values: dict) -> dict:
    """The profile form as the accounts service expects it: no date is None, the box is a boolean,
    and an address is only sent for someone who lives in Paris."""
    lives_in_paris = bool(values.get("lives_in_paris"))
    return {
        "pseudonym": values.get("pseudonym", ""),
        "birth_date": none_if_blank(values.get("birth_date")),
        "lives_in_paris": lives_in_paris,
        "address_line": none_if_blank(values.get("address_line")) if lives_in_paris else None,
        "postcode": none_if_blank(values.get("postcode")) if lives_in_paris else None,
    }


def _profile_values(account: dict) -> dict:
    return {field: account.get(field) for field in PROFILE_FIELDS}


def _account_page(**failed):
    """The « Mon compte » page; `failed` holds the form that has to be filled in again, by name."""
    me = _me()
    account = remote.call("accounts", "get_account", me["account_id"])
    sessions = remote.call("accounts", "list_sessions", me["account_id"], me["session_id"])
    forms = {"profile": Form("profil", _profile_values(account)), "email": Form("email"),
             "password": Form("mdp"), "sessions": Form("sessions")}
    forms.update(failed)
    return render_forms("account/profile.html", forms, account=account, sessions=sessions,
                        direction_name=_direction_name(account.get("direction")))


def _direction_name(code: str | None) -> str | None:
    if not code:
        return None
    directions = remote.reference_data("accounts")["directions"]
    return next((direction["name"] for direction in directions if direction["code"] == code), None)


@bp.get("/mon-compte")
@login_required
def index():
    return _account_page()


@bp.post("/mon-compte/profil")
@login_required
def update_profile():
    values = submitted("pseudonym", "birth_date", "address_line", "postcode")
    values["lives_in_paris"] = checkbox("lives_in_paris")
    try:
        require_filled(values, "pseudonym")
        remote.call("accounts", "update_profile", _me()["account_id"], profile_changes(values))
    except HubError as error:
        return _account_page(profile=Form.failed(error, values, name="profil", fields=PROFILE_FIELDS))
    flash("Votre profil est enregistré.", "success")
    return redirect(url_for(".index", _anchor="profil"))


@bp.post("/mon-compte/email")
@login_required
def change_email():
    values = submitted("new_email", "password")
    try:
        require_filled(values, "new_email", "password")
        remote.call("accounts", "request_email_change", _me()["account_id"],
                    {"new_email": values["new_email"], "password": values["password"],
                     "client": auth.client_info()})
    except HubError as error:
        return _account_page(email=Form.failed(error, values, name="email"))
    flash(f"Un lien de confirmation a été envoyé à {values['new_email']}. Votre adresse actuelle reste "
          "valable tant que la nouvelle n'est pas confirmée.", "success")
    return redirect(url_for(".index", _anchor="email"))


@bp.post("/mon-compte/mot-de-passe")
@login_required
def change_password():
    values = submitted("current_password", "new_password", "new_password_confirmation")
    me = _me()
    try:
        require_filled(values, "current_password", "new_password", "new_password_confirmation")
        require_same(values, "new_password", "new_password_confirmation")
        remote.call("accounts", "change_password", me["account_id"], me["session_id"],
                    {"current_password": values["current_password"], "new_password": values["new_password"],
                     "client": auth.client_info()})
    except HubError as error:
        return _account_page(password=Form.failed(error, values, name="mdp"))
    flash("Votre mot de passe a été changé. Vos autres sessions ont été fermées.", "success")
    return redirect(url_for(".index", _anchor="mot-de-passe"))


@bp.post("/mon-compte/sessions/<session_id>/fermer")
@login_required
def revoke_session(session_id):
    me = _me()
    try:
        remote.call("accounts", "revoke_session", me["account_id"], {"session_id": session_id})
    except HubError as error:
        return _account_page(sessions=Form.failed(error, {}, name="sessions"))
    if session_id == me["session_id"]:
        auth.sign_out()
        flash("Cette session est fermée : vous êtes déconnecté·e.", "success")
        return redirect(url_for("home.index"))
    flash("La session a été fermée.", "success")
    return redirect(url_for(".index", _anchor="sessions"))


@bp.get("/mon-compte/mes-donnees.json")
@login_required
def export():
    body = json.dumps(gdpr.personal_data_export(_me()["account_id"]), ensure_ascii=False, indent=2)
    return Response(body, content_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{EXPORT_FILENAME}"',
                             "Cache-Control": "no-store"})


@bp.route("/mon-compte/supprimer", methods=["GET", "POST"])
@login_required
def delete_account():
    template = "account/delete.html"
    if request.method == "GET":
        return render_form(template, Form())
    values = submitted("password")
    try:
        require_filled(values, "password")
        remote.call("accounts", "delete_account", _me()["account_id"],
                    {"password": values["password"], "client": auth.client_info()})
    except HubError as error:
        return render_form(template, Form.failed(error, values))
    auth.sign_out()
    return render_template("account/deleted.html")

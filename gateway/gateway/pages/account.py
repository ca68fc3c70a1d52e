"""Creating an account, confirming the address, logging in and out, forgotten password,
confirming a new e-mail address: the pages reached without being signed in."""
from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from hubkit.errors import AuthenticationFailed, HubError

from .. import auth, remote
from .forms import Form, render_form, require_filled, require_same, safe_next, submitted

bp = Blueprint("account_pages", __name__)

SENT = "Si l'adresse peut recevoir ce message, un e-mail vient d'y être envoyé."
# The address this browser has just confirmed, kept (in the signed, HttpOnly session cookie) until the next login
# page fills its form with it: the citizen only types their password. Not a sign-in: the link lives 48 hours and
# may be opened by someone else than who registered (a forwarded mail), so it never opens a session by itself.
CONFIRMED_EMAIL = "confirmed_email"


# --- registration and address confirmation --------------------------------------------------------

@bp.route("/inscription", methods=["GET", "POST"])
def register():
    template = "account/register.html"
    if request.method == "GET":
        return render_form(template, Form())
    values = submitted("email", "pseudonym", "password", "password_confirmation")
    try:
        require_filled(values, "email", "pseudonym", "password", "password_confirmation")
        require_same(values, "password", "password_confirmation")
        remote.call("accounts", "register", {"email": values["email"], "password": values["password"],
                                             "pseudonym": values["pseudonym"], "client": auth.client_info()})
    except HubError as error:
        return render_form(template, Form.failed(error, values))
    # The same page whether or not the address already had an account: nobody learns who is registered.
    return render_template("account/check_email.html", reason="register", email=values["email"])


@bp.route("/compte/verifier", methods=["GET", "POST"])
def verify_email():
    """The link of the e-mail opens a page with a button: mail scanners that fetch links do not
    use the token up, only the POST does."""
    template = "account/verify_email.html"
    if request.method == "GET":
        return _token_page(template, request.args.get("token", ""))
    values = submitted("token")
    try:
        account = remote.call("accounts", "verify_email", {"token": values["token"]})
    except HubError as error:
        return render_form(template, Form.failed(error, values, fields=()), token=values["token"])
    if auth.current_principal() is None:
        session[CONFIRMED_EMAIL] = account["email"]
    flash("Adresse confirmée : vous pouvez maintenant vous connecter.", "success")
    return redirect(url_for(".login"))


@bp.route("/compte/verification/renvoyer", methods=["GET", "POST"])
def resend_verification():
    template = "account/resend_verification.html"
    if request.method == "GET":
        return render_form(template, Form(values={"email": request.args.get("email", "")}))
    values = submitted("email")
    try:
        require_filled(values, "email")
        remote.call("accounts", "resend_verification", {"email": values["email"], "client": auth.client_info()})
    except HubError as error:
        return render_form(template, Form.failed(error, values))
    return render_template("account/check_email.html", reason="resend", email=values["email"])


# --- logging in and out ---------------------------------------------------------------------------

@bp.route("/connexion", methods=["GET", "POST"])
def login():
    template = "account/login.html"
    if request.method == "GET":
        next_page = safe_next(request.args.get("suivant"))
        confirmed = session.pop(CONFIRMED_EMAIL, "")
        if auth.current_principal() is not None:
            return redirect(next_page or url_for("profile.index"))
        return render_form(template, Form(values={"suivant": next_page or "", "email": confirmed}),
                           confirmed=bool(confirmed))
    values = submitted("email", "password", "suivant")
    values["suivant"] = safe_next(values["suivant"]) or ""
    try:
        require_filled(values, "email", "password")
        result = remote.call("accounts", "login", {"email": values["email"], "password": values["password"],
                                                   "session_kind": "browser", "client": auth.client_info()})
    except HubError as error:
        form = Form.failed(error, values, fields=("email", "password"))
        return render_form(template, form, unverified=error.code == "EMAIL_NOT_VERIFIED")
    auth.sign_in(result["token"])
    flash(f"Bonjour {result['principal']['pseudonym']}, vous êtes connecté·e.", "success")
    return redirect(values["suivant"] or url_for("profile.index"))


@bp.post("/deconnexion")
def logout():
    token = session.get(auth.SESSION_KEY)
    if token:
        try:
            remote.call("accounts", "logout", {"token": token})
        except AuthenticationFailed:
            pass  # the session had already ended
    auth.sign_out()
    flash("Vous êtes déconnecté·e. À bientôt !", "success")
    return redirect(url_for("home.index"))


# --- forgotten password ---------------------------------------------------------------------------

@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgotten_password():
    template = "account/forgotten_password.html"
    if request.method == "GET":
        return render_form(template, Form())
    values = submitted("email")
    try:
        require_filled(values, "email")
        remote.call("accounts", "request_password_reset", {"email": values["email"], "client": auth.client_info()})
    except HubError as error:
        return render_form(template, Form.failed(error, values))
    return render_template("account/check_email.html", reason="reset", email=values["email"])


@bp.route("/mot-de-passe/reinitialiser", methods=["GET", "POST"])
def reset_password():
    template = "account/reset_password.html"
    if request.method == "GET":
        return _token_page(template, request.args.get("token", ""))
    values = submitted("token", "password", "password_confirmation")
    try:
        require_filled(values, "password", "password_confirmation")
        require_same(values, "password", "password_confirmation")
        remote.call("accounts", "reset_password", {"token": values["token"], "password": values["password"]})
    except HubError as error:
        form = Form.failed(error, values, fields=("password", "password_confirmation"))
        return render_form(template, form, token=values["token"])
    auth.sign_out()  # every session of the account was closed: start again from a clean slate
    flash("Votre mot de passe a été changé. Connectez-vous avec le nouveau.", "success")
    return redirect(url_for(".login"))


# --- new e-mail address ---------------------------------------------------------------------------

@bp.route("/compte/email/confirmer", methods=["GET", "POST"])
def confirm_email_change():
    template = "account/confirm_email_change.html"
    if request.method == "GET":
        return _token_page(template, request.args.get("token", ""))
    values = submitted("token")
    try:
        account = remote.call("accounts", "confirm_email_change", {"token": values["token"]})
    except HubError as error:
        return render_form(template, Form.failed(error, values, fields=()), token=values["token"])
    flash(f"Votre nouvelle adresse e-mail, {account['email']}, est confirmée.", "success")
    if auth.current_principal() is not None:
        return redirect(url_for("profile.index"))
    return redirect(url_for(".login"))


def _token_page(template: str, token: str):
    """The page a link of an e-mail opens; without its token, the link was cut (by the mail client?)."""
    token = token.strip()
    if not token:
        form = Form(message="Ce lien est incomplet : copiez l'adresse entière reçue par e-mail, "
                            "ou demandez un nouveau lien.", status=400)
        return render_form(template, form, token="")
    return render_form(template, Form(), token=token)

"""Registration, e-mail verification, tokens (login/logout) and password reset."""
from flask import Blueprint

from .. import schemas
from ..auth import api_token, client_info
from ..openapi import endpoint
from .. import remote

bp = Blueprint("api_accounts", __name__)

SENT = "Si l'adresse peut recevoir ce message, un e-mail vient d'être envoyé."


@bp.post("/accounts")
@endpoint("Créer un compte", body=schemas.RegisterSchema, response=schemas.StatusSchema, status=202,
          errors=(400, 409, 429), tag="auth")
def register(data):
    """Envoie un e-mail de vérification. La réponse est la même si l'adresse a déjà un compte."""
    remote.call("accounts", "register", {**data, "client": client_info()})
    return {"status": "verification_sent", "message": SENT}


@bp.post("/accounts/verification")
@endpoint("Confirmer son adresse e-mail (jeton reçu par e-mail)", body=schemas.TokenSchema,
          response=schemas.AccountSchema, tag="auth")
def verify_email(data):
    return remote.call("accounts", "verify_email", data)


@bp.post("/accounts/verification/resend")
@endpoint("Renvoyer l'e-mail de vérification", body=schemas.EmailSchema, response=schemas.StatusSchema,
          status=202, errors=(400, 429), tag="auth")
def resend_verification(data):
    remote.call("accounts", "resend_verification", {**data, "client": client_info()})
    return {"status": "sent_if_pending", "message": SENT}


@bp.post("/auth/tokens")
@endpoint("Se connecter : obtenir un jeton d'accès", body=schemas.LoginSchema, response=schemas.TokenIssuedSchema,
          status=201, errors=(400, 401, 403, 429), tag="auth")
def create_token(data):
    result = remote.call("accounts", "login", {**data, "session_kind": "api", "client": client_info()})
    return result


@bp.delete("/auth/tokens/current")
@endpoint("Se déconnecter : révoquer le jeton utilisé", errors=(), status=204, tag="auth")
def revoke_token():
    token = api_token()
    if token:
        remote.call("accounts", "logout", {"token": token})
    return None


@bp.post("/auth/password-reset")
@endpoint("Demander la réinitialisation du mot de passe", body=schemas.EmailSchema,
          response=schemas.StatusSchema, status=202, errors=(400, 429), tag="auth")
def request_password_reset(data):
    """Même réponse que l'adresse ait un compte ou non."""
    remote.call("accounts", "request_password_reset", {**data, "client": client_info()})
    return {"status": "sent_if_known", "message": SENT}


@bp.post("/auth/password-reset/confirm")
@endpoint("Choisir un nouveau mot de passe (jeton reçu par e-mail)", body=schemas.ResetPasswordSchema,
          response=schemas.StatusSchema, tag="auth")
def reset_password(data):
    return remote.call("accounts", "reset_password", data)


@bp.post("/accounts/email-change/confirm")
@endpoint("Confirmer une nouvelle adresse e-mail (jeton reçu par e-mail)", body=schemas.TokenSchema,
          response=schemas.AccountSchema, errors=(400, 409), tag="me")
def confirm_email_change(data):
    return remote.call("accounts", "confirm_email_change", data)

"""The signed-in account: profile, e-mail and password, sessions, GDPR export and deletion."""
import json

from flask import Blueprint, Response

from .. import schemas
from ..auth import actor_id, client_info, current_principal, login_required
from ..gdpr import personal_data_export
from ..openapi import endpoint
from .. import remote

bp = Blueprint("api_me", __name__)
# the export is sent as a file (a Response of its own): dumped here through the schema its endpoint declares
EXPORT = schemas.PersonalDataExportSchema()


@bp.get("/me")
@login_required
@endpoint("Mon compte", response=schemas.AccountSchema, auth=True, errors=())
def get_me():
    return remote.call("accounts", "get_account", actor_id())


@bp.patch("/me")
@login_required
@endpoint("Modifier mon profil (pseudonyme, date de naissance, résidence)", body=schemas.ProfileUpdateSchema,
          response=schemas.AccountSchema, auth=True, errors=(400, 409))
def update_me(data):
    """Modifier date de naissance ou résidence repasse la certification à « déclaré »."""
    return remote.call("accounts", "update_profile", actor_id(), _wire(data))


@bp.post("/me/password")
@login_required
@endpoint("Changer mon mot de passe (les autres sessions sont fermées)", body=schemas.ChangePasswordSchema,
          response=schemas.StatusSchema, auth=True, errors=(400, 429))
def change_password(data):
    """Le mot de passe actuel est vérifié comme à la connexion : trop d'essais, 429 avec `Retry-After`."""
    return remote.call("accounts", "change_password", actor_id(), current_principal()["session_id"],
                               {**data, "client": client_info()})


@bp.post("/me/email")
@login_required
@endpoint("Changer mon adresse e-mail (confirmation envoyée à la nouvelle adresse)",
          body=schemas.ChangeEmailSchema, response=schemas.StatusSchema, status=202, auth=True,
          errors=(400, 409, 429))
def change_email(data):
    return remote.call("accounts", "request_email_change", actor_id(), {**data, "client": client_info()})


@bp.get("/me/sessions")
@login_required
@endpoint("Mes sessions ouvertes", response=schemas.SessionSchema(many=True), auth=True, errors=())
def list_sessions():
    return remote.call("accounts", "list_sessions", actor_id(), current_principal()["session_id"])


@bp.delete("/me/sessions/<session_id>")
@login_required
@endpoint("Fermer une de mes sessions", status=204, auth=True, errors=(400, 404))
def revoke_session(session_id):
    remote.call("accounts", "revoke_session", actor_id(), {"session_id": session_id})
    return None


@bp.get("/me/export")
@login_required
@endpoint("Télécharger toutes mes données (RGPD)", response=schemas.PersonalDataExportSchema, auth=True, errors=())
def export():
    """Un fichier JSON à télécharger (Content-Disposition: attachment)."""
    body = json.dumps(EXPORT.dump(personal_data_export(actor_id())), ensure_ascii=False, indent=2)
    return Response(body, content_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mes-donnees-hub-participation.json"'})


@bp.post("/me/deletion")
@login_required
@endpoint("Supprimer mon compte (mot de passe requis)", body=schemas.PasswordConfirmationSchema, status=204,
          auth=True, errors=(400, 409, 429))
def delete_me(data):
    """Efface les données personnelles ; les contributions restent, anonymisées."""
    remote.call("accounts", "delete_account", actor_id(), {**data, "client": client_info()})
    return None


def _wire(data: dict) -> dict:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in data.items()}

"""Texts of the e-mails the accounts service sends (French, plain text)."""
from hubkit.config import public_url

SIGNATURE = "\n\n--\nLe hub de la participation citoyenne\nVille de Paris"


def verify_email(pseudonym: str, token: str) -> tuple:
    link = f"{public_url()}/compte/verifier?token={token}"
    return ("Confirmez votre adresse e-mail",
            f"Bonjour {pseudonym},\n\nPour activer votre compte, confirmez votre adresse e-mail en ouvrant ce lien "
            f"(valable 48 heures) :\n\n{link}\n\nSi vous n'êtes pas à l'origine de cette inscription, ignorez ce "
            f"message.{SIGNATURE}")


def already_registered(pseudonym: str) -> tuple:
    return ("Tentative d'inscription avec votre adresse",
            f"Bonjour {pseudonym},\n\nQuelqu'un a tenté de créer un compte avec votre adresse e-mail, qui en a déjà "
            f"un. Si c'était vous, connectez-vous ({public_url()}/connexion) ou réinitialisez votre mot de passe "
            f"({public_url()}/mot-de-passe-oublie).{SIGNATURE}")


def reset_password(pseudonym: str, token: str) -> tuple:
    link = f"{public_url()}/mot-de-passe/reinitialiser?token={token}"
    return ("Réinitialisation de votre mot de passe",
            f"Bonjour {pseudonym},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable 1 heure, "
            f"utilisable une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot "
            f"de passe reste inchangé.{SIGNATURE}")


def confirm_new_email(pseudonym: str, token: str) -> tuple:
    link = f"{public_url()}/compte/email/confirmer?token={token}"
    return ("Confirmez votre nouvelle adresse e-mail",
            f"Bonjour {pseudonym},\n\nPour utiliser cette adresse sur votre compte, ouvrez ce lien (valable 24 "
            f"heures) :\n\n{link}{SIGNATURE}")


def email_change_notice(pseudonym: str) -> tuple:
    return ("Changement d'adresse e-mail demandé",
            f"Bonjour {pseudonym},\n\nUn changement d'adresse e-mail a été demandé sur votre compte. S'il ne vient "
            f"pas de vous, changez votre mot de passe et déconnectez vos sessions depuis « Mon compte ».{SIGNATURE}")


def notification(pseudonym: str, subject: str, body: str, unsubscribe_url: str = None) -> tuple:
    """With `unsubscribe_url` the mail ends with it (its List-Unsubscribe header carries it too: see `notify`)."""
    unsubscribe = f"\n\nPour ne plus recevoir ces messages : {unsubscribe_url}" if unsubscribe_url else ""
    return (subject[:150], f"Bonjour {pseudonym},\n\n{body}\n\nVous recevez ce message parce que vous l'avez demandé "
                           f"sur le hub. Gérez vos préférences depuis « Mon compte » : {public_url()}/mon-compte{SIGNATURE}"
                           f"{unsubscribe}")


def unsubscribe_headers(unsubscribe_url: str) -> dict:
    """RFC 8058 one-click unsubscribing: the mail client POSTs `List-Unsubscribe=One-Click` to the link."""
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def password_changed(pseudonym: str) -> tuple:
    return ("Votre mot de passe a été modifié",
            f"Bonjour {pseudonym},\n\nLe mot de passe de votre compte vient d'être modifié et vos autres sessions "
            f"ont été fermées. Si ce n'est pas vous, réinitialisez-le : {public_url()}/mot-de-passe-oublie"
            f"{SIGNATURE}")

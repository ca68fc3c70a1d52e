"""Events the accounts service publishes (see docs/events.md). Payloads never hold an e-mail, name or address."""

ACCOUNT_REGISTERED = "account_registered"
ACCOUNT_EMAIL_VERIFIED = "account_email_verified"
ACCOUNT_EMAIL_CHANGED = "account_email_changed"
ACCOUNT_PROFILE_UPDATED = "account_profile_updated"
ACCOUNT_ATTRIBUTES_CERTIFIED = "account_attributes_certified"
ACCOUNT_PASSWORD_CHANGED = "account_password_changed"
ROLE_GRANTED = "role_granted"
ROLE_REVOKED = "role_revoked"
ACCOUNT_DELETED = "account_deleted"


def subject(account_id: str) -> dict:
    return {"kind": "account", "id": account_id}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}

"""The caller as services that cannot read the accounts database see it.

The gateway resolved the session with accounts (the authority on roles) and asserts the result to
the other services over the internal broker: `{"account_id", "roles"}`. They check the roles
themselves on their own data; see docs/architecture.md.
"""
from .auth import current_principal


def actor() -> dict | None:
    """The signed-in account's id and roles, or None for a visitor."""
    principal = current_principal()
    if principal is None:
        return None
    return {"account_id": principal["account_id"], "roles": list(principal["roles"])}


def staff_actor() -> dict:
    """A signed-in agent or administrator as the services see them: id, roles and their City direction
    (agents act on what their direction owns: projects to deliver, ideas to route)."""
    return {**actor(), "direction": current_principal().get("direction")}


def viewer() -> dict | None:
    """The signed-in person with their direction, or None for a visitor: for reads that show a person the staff
    controls of what their direction owns (a consultation's editing)."""
    return staff_actor() if current_principal() is not None else None


def pseudonym() -> str:
    """The signed-in account's pseudonym, stored with what it posts (a snapshot, refreshed by events)."""
    return current_principal()["pseudonym"]

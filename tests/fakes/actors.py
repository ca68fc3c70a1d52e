"""Who calls a use case in process, as the gateway passes them to a service (`{"account_id", "roles"}`). The
people of the end-to-end tests, who register through the running platform, are tests/e2e/people.py."""
import uuid


def citizen_actor(account_id: str = None) -> dict:
    """A citizen (a new account unless `account_id` says which)."""
    return {"account_id": account_id or str(uuid.uuid4()), "roles": ["citizen"]}


def numbered_account(number: int) -> str:
    """The id of the `number`th account of a test, the same at every run."""
    return f"00000000-0000-4000-9000-{number:012d}"

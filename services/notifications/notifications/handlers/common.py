"""What every use-case group of notifications shares: its context, the clock, who the caller is, and broken rules
as the errors callers see (one way only: hubkit.rules).

`actor` is the caller as the gateway asserts it from the session ({"account_id", "roles"}); the service reads and
changes only the caller's own notifications and preferences, so no role is needed beyond being signed in.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (re-exported for the use-case modules)
from hubkit.errors import AuthenticationFailed

from .. import domain
from ..settings import Settings

log = logging.getLogger(__name__)

KNOWN_EVENT_VERSION = 1  # of the events notifications consumes


def rules():
    """A broken rule becomes a field-level validation error (400)."""
    return hub_rules.rules_as_errors(domain.RuleBroken)


@dataclass(frozen=True)
class Context:
    """What a use case works with, for one unit of work.

    `uow`: the unit of work (hubkit.db); `settings`: read once by the service; `clock`: now, as an aware UTC
    datetime; `hub_url`: the hub's public address, for the links in e-mails."""
    uow: Any
    settings: Settings = field(default_factory=Settings)
    clock: Callable = utcnow
    hub_url: str = "http://127.0.0.1:8000"

    @property
    def session(self):
        return self.uow.session


class UseCases:
    def __init__(self, context: Context):
        self.context = context

    @property
    def session(self):
        return self.context.session

    @property
    def uow(self):
        return self.context.uow


def signed_in(actor: dict) -> str:
    """The caller's account id; an anonymous caller is refused."""
    account_id = (actor or {}).get("account_id")
    if not account_id:
        raise AuthenticationFailed("Connexion requise.", code="AUTHENTICATION_REQUIRED")
    return str(account_id)


def known_version(envelope: dict) -> bool:
    """An event of a version this code does not know is logged and left alone (a newer producer's)."""
    if envelope["version"] == KNOWN_EVENT_VERSION:
        return True
    log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                          "version": envelope["version"]})
    return False

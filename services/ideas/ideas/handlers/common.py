"""What every use case of the ideas service shares: its context (unit of work, clock, peers, settings), rules
turned into errors, posting limits.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles"}. The
ideas service cannot read the accounts database; it trusts these roles, sent over the internal
broker by the gateway, which got them from accounts (the authority on roles).
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Callable

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (aware: re-exported for the use-case modules)
from hubkit.errors import RateLimited

from .. import domain
from ..peers import Accounts
from .findable import FindableContent
from ..settings import IdeasSettings, settings


POSTING_WINDOW = 60 * 60  # posting limits are per account and per hour


def rules():
    """A broken business rule becomes a field-level validation error (or a conflict it names)."""
    return hub_rules.rules_as_errors(domain.RuleBroken)


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)


@dataclass(frozen=True)
class Context:
    """What the use-case groups of one unit of work share. `accounts`: the client of the accounts service
    (peers.Accounts; None from the command line, which asks it nothing)."""
    uow: object
    throttle: object
    accounts: Accounts | None = None
    settings: IdeasSettings = field(default_factory=settings)
    clock: Callable[[], datetime] = utcnow


class UseCases:
    """The base of the use-case groups: each runs in one unit of work (one transaction), on one context."""

    def __init__(self, context: Context):
        self.context = context
        self.uow, self.throttle, self.clock = context.uow, context.throttle, context.clock
        self.accounts, self.settings = context.accounts, context.settings

    @property
    def session(self):
        return self.uow.session

    @property
    def findable(self) -> FindableContent:
        """The text index of this unit of work (what similar ideas and search find)."""
        return FindableContent(self.session)

    def _throttle_posting(self, bucket: str, actor: dict, limit: int, what: str):
        try:
            self.throttle.consume(bucket, str(actor["account_id"]), limit, POSTING_WINDOW)
        except RateLimited as limited:
            minutes = max(1, -(-limited.retry_after // 60))
            raise RateLimited(f"Vous avez atteint la limite de {limit} {what} par heure. "
                              f"Réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
                              details=limited.details) from None


def iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value

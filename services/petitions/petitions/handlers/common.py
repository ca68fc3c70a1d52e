"""What every use-case group of petitions shares: its context, the clock and UTC dates, who may do what, rate
limits, and broken rules as the errors callers see (one way only: hubkit.rules).

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles"}. The petitions service
cannot read the accounts database; it trusts these roles, sent over the internal broker by the gateway, which got
them from accounts (the authority on roles).
"""
import logging
import random
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (re-exported for the use-case modules)
from hubkit.errors import PermissionDenied, RateLimited

from .. import domain
from ..settings import Settings

log = logging.getLogger(__name__)

MINUTE, HOUR = 60, 60 * 60
KNOWN_EVENT_VERSION = 1  # of the events petitions consumes (its own and other services')


def rules():
    """A broken business rule becomes a field-level validation error, a refusal or a conflict it names."""
    return hub_rules.rules_as_errors(domain.RuleBroken, refusal_type=domain.NotAllowed)


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)


def random_shard() -> int:
    return random.randrange(domain.COUNTER_SHARDS)


@dataclass(frozen=True)
class Context:
    """What a use case works with, for one unit of work.

    `uow`: the unit of work (hubkit.db); `throttle`: the rate limits (hubkit.throttle); `accounts`: the accounts
    service's RPC, or a fake (`public_profiles`, `eligibility_attributes_many`, `email_domains`); `settings`: the
    City's settings, read once by the service; `clock`: now, as an aware UTC datetime; `pick_shard`: the counter
    row a signature adds to."""
    uow: Any
    throttle: Any = None
    accounts: Any = None
    settings: Settings = field(default_factory=Settings)
    clock: Callable = utcnow
    pick_shard: Callable = random_shard

    @property
    def session(self):
        return self.uow.session


# --- who may do this --------------------------------------------------------------------------------

def is_author(petition, actor: dict | None) -> bool:
    return actor is not None and petition.author_id is not None and petition.author_id == str(actor["account_id"])


def require_moderator(actor: dict):
    if not domain.is_moderator(actor["roles"]):
        raise PermissionDenied("Réservé aux modérateurs et aux administrateurs.")


def require_admin(actor: dict):
    if not domain.is_admin(actor["roles"]):
        raise PermissionDenied("Réservé aux administrateurs.")


# --- rate limits ------------------------------------------------------------------------------------

def throttled(context: Context, bucket: str, key: str, limit: int, window: int, message: str):
    """Counts one attempt against `limit` per `window` seconds; past it, a RateLimited saying when to come back."""
    try:
        context.throttle.consume(bucket, key, limit, window)
    except RateLimited as limited:
        raise with_wait(limited, message) from None


def with_wait(limited: RateLimited, message: str) -> RateLimited:
    wait = limited.retry_after
    when = f"{wait} secondes" if wait < 120 else f"{-(-wait // 60)} minutes"
    return RateLimited(f"{message} Réessayez dans {when}.", details=limited.details)


def known_version(envelope: dict) -> bool:
    """An event of a version this code does not know is logged and left alone (a newer producer's)."""
    if envelope["version"] == KNOWN_EVENT_VERSION:
        return True
    log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                          "version": envelope["version"]})
    return False

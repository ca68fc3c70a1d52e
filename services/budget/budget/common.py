"""What every use-case module of the budget service shares: the clock, broken rules as hub errors, field checks."""
from contextlib import contextmanager
from datetime import date, datetime
from functools import partial

from hubkit import rules as hub_rules
from hubkit.clock import utcnow  # noqa: F401  (re-exported: the default clock)
from hubkit.config import env_str
from hubkit.errors import Conflict, InvalidInput, PermissionDenied

from . import domain


def organising_direction() -> str:
    """BUDGET_ORGANISING_DIRECTION (default DDCT): owns the projects no delivery direction was named for yet and
    records paper ballots. A code accounts does not know would lock every agent out: refused at start."""
    direction = env_str("BUDGET_ORGANISING_DIRECTION", domain.DEFAULT_ORGANISING_DIRECTION)
    if direction not in domain.DIRECTIONS:
        raise RuntimeError(f"BUDGET_ORGANISING_DIRECTION={direction!r}: not a City direction "
                           f"({', '.join(domain.DIRECTIONS)}).")
    return direction


ORGANISING_DIRECTION = organising_direction()


@contextmanager
def rules():
    """A broken business rule becomes a field-level validation error, a refusal or a conflict it names.

    Not hubkit.rules.rules_as_errors: budget's rules carry `details` of their own (the refusal's and the
    conflict's details, and `_context` next to the field error)."""
    try:
        yield
    except domain.RuleBroken as broken:
        raise as_error(broken) from None


def as_error(broken: domain.RuleBroken):
    if isinstance(broken, domain.NotAllowed):
        return PermissionDenied(broken.message, details=broken.details, code=broken.code)
    if broken.code == "RULE_BROKEN":
        details = {broken.field or "_schema": [broken.message]}
        if broken.details:
            details["_context"] = broken.details
        return InvalidInput(details=details)
    return Conflict(broken.message, details=broken.details, code=broken.code)


def iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)

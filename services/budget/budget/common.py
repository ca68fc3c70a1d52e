"""What every use-case module of the budget service shares: the clock, broken rules as hub errors, field checks."""
from contextlib import contextmanager
from datetime import UTC, date, datetime

from hubkit.errors import Conflict, InvalidInput, PermissionDenied

from . import domain


def utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def rules():
    """A broken business rule becomes a field-level validation error, a refusal or a conflict it names."""
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


class FieldChecks:
    """Runs several field rules and reports every broken one at once (a form shows them all)."""

    def __init__(self):
        self.details = {}

    def __call__(self, rule, *args):
        try:
            return rule(*args)
        except domain.RuleBroken as broken:
            self.details.setdefault(broken.field or "_schema", []).append(broken.message)
            return None

    def raise_if_broken(self):
        if self.details:
            raise InvalidInput(details=self.details)

"""What every use case of petitions shares: the clock, UTC dates, and broken rules as the errors callers see."""
from contextlib import contextmanager
from datetime import datetime, timezone

from hubkit.errors import Conflict, InvalidInput, PermissionDenied

from . import domain


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


@contextmanager
def rules():
    """A broken business rule becomes a field-level validation error, a refusal or a conflict it names."""
    try:
        yield
    except domain.RuleBroken as broken:
        raise _as_error(broken) from None


def _as_error(broken: domain.RuleBroken):
    details = {broken.field: [broken.message]} if broken.field else {"_schema": [broken.message]}
    if isinstance(broken, domain.NotAllowed):
        return PermissionDenied(broken.message, details=details, code=broken.code)
    if broken.code == "RULE_BROKEN":
        return InvalidInput(details=details)
    return Conflict(broken.message, details=details, code=broken.code)


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

"""Broken business rules as the errors callers see.

A service's domain raises its own `RuleBroken(message, field=None, code="RULE_BROKEN")` (domain modules stay
free of hubkit), so each helper here takes that type: hubkit knows the exception's shape, never the rules.
Code RULE_BROKEN is bad input (400); any other code is a conflict with the current state (409).
"""
from contextlib import contextmanager

from .errors import Conflict, InvalidInput, PermissionDenied

BAD_INPUT = "RULE_BROKEN"


def field_details(broken) -> dict:
    """The validation-error details a broken rule stands for: its message under the field at fault."""
    return {broken.field or "_schema": [broken.message]}


def as_error(broken, refusal_type=None):
    """A refusal (`refusal_type`, if the service has one) becomes 403 with its code, bad input 400, else 409."""
    details = field_details(broken)
    if refusal_type is not None and isinstance(broken, refusal_type):
        return PermissionDenied(broken.message, details=details, code=broken.code)
    if broken.code == BAD_INPUT:
        return InvalidInput(details=details)
    return Conflict(broken.message, details=details, code=broken.code)


@contextmanager
def rules_as_errors(broken_type, refusal_type=None):
    """Inside, a raised `broken_type` leaves as the hub error `as_error` names (without the domain traceback)."""
    try:
        yield
    except broken_type as broken:
        raise as_error(broken, refusal_type) from None


class FieldChecks:
    """Runs several field rules and reports every broken one at once (a form shows them all)."""

    def __init__(self, broken_type):
        self.broken_type = broken_type
        self.details = {}

    def __call__(self, rule, *args):
        try:
            return rule(*args)
        except self.broken_type as broken:
            self.details.setdefault(broken.field or "_schema", []).append(broken.message)
            return None

    def raise_if_broken(self):
        if self.details:
            raise InvalidInput(details=self.details)

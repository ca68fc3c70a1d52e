"""What every use case of petitions shares: the clock, UTC dates, and broken rules as the errors callers see."""
from functools import partial

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (re-exported for the use-case modules)

from . import domain


def rules():
    """A broken business rule becomes a field-level validation error, a refusal or a conflict it names."""
    return hub_rules.rules_as_errors(domain.RuleBroken, refusal_type=domain.NotAllowed)


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)

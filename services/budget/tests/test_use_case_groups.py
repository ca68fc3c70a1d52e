"""The use cases are composed groups (handlers/), each found by its name: every entrypoint of the service has one
use case of its name, and no name is defined by two groups (handlers.use_case would pick one silently)."""
import inspect

from budget import handlers
from budget.handlers import GROUPS, UseCases
from budget.service import BudgetService


def public_methods(group) -> set:
    return {name for name in vars(group) if not name.startswith("_") and callable(getattr(group, name))}


def test_no_use_case_name_is_defined_by_two_groups():
    seen = {}
    for group in GROUPS:
        for name in public_methods(group):
            assert name not in seen, f"{name}: {seen.get(name)} and {group.__name__}"
            seen[name] = group.__name__


def test_each_group_is_one_class_on_the_common_base():
    assert all(group.__bases__ == (UseCases,) for group in GROUPS)


def test_every_entrypoint_has_its_use_case():
    entrypoints = {name for name, member in vars(BudgetService).items()  # the service's own, not hubkit's
                   if inspect.isfunction(member) and hasattr(member, "nameko_entrypoints")}
    assert len(entrypoints) > 30
    assert entrypoints <= set(handlers._GROUP_OF)

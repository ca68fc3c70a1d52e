"""Counters whose label values are a fixed list exist at 0 from the process's start, every value: a dashboard reads
0 rather than "no data" (which is also what a misspelt label shows), and the first refusal is an increase that
rate() and the alerts see, not a series born at 1.

hub_trust_refusals_total is set up per entrypoint (hubkit.trust.TrustedRpc, hubkit.consumer.RetryingEventHandler);
the services' business counters at import (services/*/*/business_metrics.py). Each list is also held to the code
that counts: a reason, outcome or action the code can count but the list lacks fails here."""
import ast
import re
from pathlib import Path

import pytest
from nameko.containers import ServiceContainer
from prometheus_client import REGISTRY

import accounts.business_metrics
import budget.business_metrics
import ideas.business_metrics
import petitions.business_metrics
from hubkit import trust
from hubkit.consumer import event_handler
from hubkit.service_base import rpc

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"


def sample(metric: str, **labels) -> float | None:
    """The current value of one series, None when it does not exist."""
    return REGISTRY.get_sample_value(metric, labels)


# (counter, label, its fixed values)
FIXED = [
    ("accounts_logins_failed_total", "reason", accounts.business_metrics.LOGIN_FAILURE_REASONS),
    ("budget_ballots_refused_total", "reason", budget.business_metrics.BALLOT_REFUSAL_REASONS),
    ("petitions_signatures_refused_total", "reason", petitions.business_metrics.SIGNATURE_REFUSAL_REASONS),
    ("petitions_moderations_total", "outcome", petitions.business_metrics.MODERATION_OUTCOMES),
    ("consultation_actions_total", "action", ideas.business_metrics.CONSULTATION_ACTION_LABELS),
]


@pytest.mark.parametrize("metric, label, values", FIXED, ids=[metric for metric, _, _ in FIXED])
def test_business_counters_start_at_zero(metric, label, values):
    assert values
    missing = [value for value in values if sample(metric, **{label: value}) is None]
    assert not missing, f"{metric}: no series for {missing}"


def test_a_series_that_was_never_created_is_seen_missing():
    assert sample("petitions_moderations_total", outcome="not-an-outcome") is None


def _string_arguments(path: Path, function: str, first: int = 0) -> set:
    """Every string literal in the positional arguments from `first` on of the calls to `function` in `path`
    (conditional ones included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == function:
            for argument in node.args[first:]:
                found.update(child.value for child in ast.walk(argument)
                             if isinstance(child, ast.Constant) and isinstance(child.value, str))
    return found


def test_every_counted_consultation_action_and_moderation_outcome_is_listed():
    # ideas' _run(method, actor, command_schema, data, output_schema, action): the action is the sixth
    actions = _string_arguments(SERVICES / "ideas" / "ideas" / "service.py", "_run", first=5)
    assert {"amendment_proposed", "proposal_submitted", "support"} <= actions
    assert actions <= set(ideas.business_metrics.CONSULTATION_ACTION_LABELS), actions
    outcomes = _string_arguments(SERVICES / "petitions" / "petitions" / "service.py", "count_moderation")
    assert outcomes and outcomes <= set(petitions.business_metrics.MODERATION_OUTCOMES)


def test_the_refusal_codes_the_rules_raise_are_listed():
    """The codes the signing and voting rules raise are reasons the lists start at 0."""
    def codes(directory: Path) -> set:
        text = "\n".join(path.read_text(encoding="utf-8") for path in directory.rglob("*.py"))
        return {code.lower() for code in re.findall(r'code="([A-Z_]+)"', text)}
    signing = codes(SERVICES / "petitions" / "petitions" / "handlers" / "signing.py") | {
        "petition_not_published", "petition_rejected", "petition_closed", "email_not_verified", "not_eligible"}
    assert signing <= set(petitions.business_metrics.SIGNATURE_REFUSAL_REASONS)
    assert set(budget.business_metrics.ELIGIBILITY_RULES) <= set(budget.business_metrics.BALLOT_REFUSAL_REASONS)
    voting = codes(SERVICES / "budget" / "budget" / "handlers" / "voting.py") | codes(
        SERVICES / "budget" / "budget" / "handlers" / "paper.py")
    assert voting <= set(budget.business_metrics.BALLOT_REFUSAL_REASONS)


def test_every_reason_trust_refuses_for_is_listed():
    source = (ROOT / "lib" / "hubkit" / "hubkit" / "trust.py").read_text(encoding="utf-8")
    raised = set(re.findall(r'Refusal\("([a-z_]+)"', source)) | set(re.findall(r'"([a-z_]+)" if not token', source))
    assert raised and raised <= set(trust.CALL_REFUSAL_REASONS)


class GuardedService:
    name = "zero_refusals"

    @rpc
    def with_actor(self, actor, data):
        return data

    @rpc
    def without_actor(self, data):
        return data

    @event_handler("accounts", "account_deleted")
    def on_account_deleted(self, data):
        return data


def test_refusal_series_start_at_zero_for_each_entrypoint():
    container = ServiceContainer(GuardedService, {"AMQP_URI": "memory://"})
    for entrypoint in container.entrypoints:
        entrypoint.setup()
    service = GuardedService.name
    for reason in trust.CALL_REFUSAL_REASONS:
        for method in ("with_actor", "without_actor"):
            assert sample("hub_trust_refusals_total", service=service, entrypoint=method, reason=reason) == 0
    assert sample("hub_trust_refusals_total", service=service, entrypoint="with_actor",
                  reason=trust.ACTOR_MISMATCH) == 0
    # a method without an `actor` cannot be refused for it: no series that can never move
    assert sample("hub_trust_refusals_total", service=service, entrypoint="without_actor",
                  reason=trust.ACTOR_MISMATCH) is None
    assert sample("hub_trust_refusals_total", service=service, entrypoint="on_account_deleted",
                  reason=trust.EVENT_REFUSAL_REASON) == 0

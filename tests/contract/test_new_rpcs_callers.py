"""The RPCs issue 15 added act for a citizen or give out what only the gateway publishes: no other service may call
them (hubkit.calls; a caller not allowed is refused before the entrypoint runs, tested in lib/hubkit/tests/test_trust).
A forged actor is refused alike (actor_mismatch: the actor must be the signed session's)."""
import importlib

import pytest

from hubkit.calls import allowed_callers, may_call

GATEWAY_ONLY = [("notifications", name) for name in (
    "list_notifications", "mark_read", "unread_count", "get_preferences", "set_preferences", "unsubscribe",
    "export_personal_data", "my_space")] + [
    ("ideas", "open_data_page"), ("petitions", "open_data_page"), ("routing", "open_data_page"),
    ("routing", "open_dossier"), ("routing", "my_dossiers"), ("routing", "failing_deliveries")]


@pytest.mark.parametrize("service, method", GATEWAY_ONLY)
def test_only_the_gateway_may_call(service, method):
    module = importlib.import_module(f"{service}.service")
    assert any(hasattr(value, method) for value in vars(module).values() if getattr(value, "name", None) == service)
    assert allowed_callers(service, method) == frozenset({"gateway"})
    for other in ("accounts", "ideas", "budget", "petitions", "routing", "notifications"):
        assert not may_call(other, service, method)


def test_the_notifications_service_may_call_only_what_it_needs():
    assert may_call("notifications", "accounts", "notify") and may_call("notifications", "ideas", "get_idea")
    assert not may_call("notifications", "accounts", "eligibility_attributes")
    assert not may_call("notifications", "accounts", "get_account")


def test_the_notifications_service_may_read_the_titles_of_my_space_and_nothing_more_of_the_owners():
    for service, method in (("ideas", "get_idea"), ("ideas", "get_consultation"), ("budget", "get_project"),
                            ("budget", "get_cycle"), ("petitions", "get_petition"), ("routing", "get_scheme")):
        assert may_call("notifications", service, method), (service, method)
        assert may_call("gateway", service, method), (service, method)
    for service, method in (("ideas", "merge_ideas"), ("budget", "cast_ballot"), ("petitions", "sign_petition"),
                            ("routing", "open_dossier"), ("ideas", "submissions")):
        assert not may_call("notifications", service, method), (service, method)

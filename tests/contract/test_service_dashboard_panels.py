"""A service dashboard shows calls to other services only for a service whose code makes them, and events received
only for one that handles events (deploy/grafana/service_dashboards.py reads it from services/<name>/<name>/):
a panel that can never have data hides a real gap, as "0 calls" from accounts once did."""
import sys
from pathlib import Path

import pytest

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
if str(GRAFANA) not in sys.path:
    sys.path.insert(0, str(GRAFANA))

import service_dashboards  # noqa: E402

CALLS_PANEL, EVENTS_QUERY = "Appels vers les autres services", "hub_events_received_total"


def _queries(board: dict) -> dict:
    """{panel title: [expr, ...]} of a generated dashboard."""
    return {panel["title"]: [target["expr"] for target in panel.get("targets", [])] for panel in board["panels"]}


def check_panels_follow_the_code(board: dict, calls: bool, handles: bool) -> list:
    queries, problems = _queries(board), []
    if (CALLS_PANEL in queries) != calls:
        problems.append(f"{board['uid']}: panel {CALLS_PANEL!r} {'missing' if calls else 'present'} "
                        f"although the service {'calls' if calls else 'calls no'} other service")
    receives = any(EVENTS_QUERY in expr for exprs in queries.values() for expr in exprs)
    if receives != handles:
        problems.append(f"{board['uid']}: events received {'missing' if handles else 'shown'} although the "
                        f"service {'handles' if handles else 'handles no'} event")
    return problems


def test_accounts_calls_no_service_and_handles_no_event():
    """What the accounts dashboard leaves out, read from the code; the other services do both."""
    assert not service_dashboards.calls_services("accounts") and not service_dashboards.handles_events("accounts")
    for name in ("ideas", "budget", "petitions", "routing"):
        assert service_dashboards.calls_services(name) and service_dashboards.handles_events(name), name


@pytest.mark.parametrize("name", ["accounts", "ideas", "budget", "petitions", "routing", "notifications"])
def test_each_service_dashboard_shows_what_its_service_does(name):
    board = service_dashboards.service(name)
    assert check_panels_follow_the_code(board, service_dashboards.calls_services(name),
                                        service_dashboards.handles_events(name)) == []


def test_a_dashboard_that_does_not_follow_the_code_is_reported():
    accounts, ideas = service_dashboards.service("accounts"), service_dashboards.service("ideas")
    assert any(CALLS_PANEL in problem for problem in check_panels_follow_the_code(accounts, True, False))
    assert any("events received" in problem for problem in check_panels_follow_the_code(accounts, False, True))
    assert len(check_panels_follow_the_code(ideas, False, False)) == 2


def test_a_service_that_starts_calling_gets_the_panel(monkeypatch):
    source = service_dashboards._source("accounts")
    monkeypatch.setattr(service_dashboards, "_source", lambda name: source + '\npeer = SignedRpcProxy("ideas")\n'
                        '@event_handler("ideas", "idea_submitted")\n')
    board = service_dashboards.service("accounts")
    assert check_panels_follow_the_code(board, True, True) == []

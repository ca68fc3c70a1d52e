"""The budget service applies accounts' events from real RabbitMQ, once each however often delivered, and
publishes its own events (ballot_cast anonymous) through the outbox."""
import time
import uuid

import pytest
from budget import peers
from budget.service import BudgetService
from hubkit.envelope import make_event
from hubkit.errors import ServiceUnavailable
from hubkit.outbox import signed_headers
from hubkit.testing import free_port, signed_proxy
from nameko.amqp.publish import Publisher
from nameko.events import event_handler
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

from tests.fakes import FakeAccounts, FakeAccountsService

from .conftest import UseCasesOf, context

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
DOMINIQUE = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}


def residents(*account_ids) -> FakeAccounts:
    """accounts, knowing Camille, Dominique and `account_ids`: Parisians of the 19th."""
    accounts = FakeAccounts()
    for account_id in (CAMILLE, DOMINIQUE, *account_ids):
        accounts.add(account_id, arrondissement=19, birth_date="1990-01-01")
    return accounts


class BudgetListener:
    """Records the budget events that reach the broker."""
    name = "budget_listener"
    received = []

    @event_handler("budget", "ballot_cast")
    def on_ballot(self, data):
        BudgetListener.received.append(data)


@pytest.fixture
def config(rabbit_config, budget_db, monkeypatch):
    monkeypatch.setenv("BUDGET_DATABASE_URL", budget_db.url)
    return {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


@pytest.fixture
def budget_service(config, container_factory):
    container = container_factory(BudgetService, config)
    container.start()
    return container


def deliver_and_wait(config, container, entrypoint: str, envelope: dict):
    exchange = get_event_exchange("accounts", {})
    with entrypoint_waiter(container, entrypoint, timeout=15) as result:
        Publisher(config["AMQP_URI"], declare=[exchange]).publish(
            envelope, exchange=exchange, routing_key=envelope["type"], extra_headers=signed_headers(envelope, envelope["producer"]))
    return result.get()


def account_deleted(account_id: str) -> dict:
    return make_event(type="account_deleted", version=1, producer="accounts",
                      subject={"kind": "account", "id": account_id}, payload={"account_id": account_id},
                      actor={"account_id": account_id, "role": "citizen"}, correlation_id="req-events",
                      causation_id="req-events")


def cycle_at_the_vote(store) -> dict:
    """A cycle carried to the vote with one Paris-wide project by Camille, and Camille's ballot."""
    with store.uow() as uow:
        budget = UseCasesOf(context(uow, accounts=residents()))
        cycle = budget.create_cycle(ADMIN, {"title": "Budget participatif 2026", "paris_envelope": 1000,
                                            "sector_envelopes": {}, "max_choices": 4, "eligibility": {},
                                            "vote_day": None})
        project = budget.submit_project({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "cycle_id": cycle["id"], "title": "Des bancs rue Manin", "theme": "Cadre de vie", "scale": "paris",
            "description": "Des bancs tous les cent mètres pour monter au parc.", "sector": None})
        budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": "study"})
        budget.decide_study(ADMIN, {"project_id": project["id"], "admissible": True, "feasible": True, "cost": 100,
                                    "admissibility_reason": "Relève de la Ville."})
        for stage in ("co_construction", "selection"):
            budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": stage})
        budget.select_project(ADMIN, {"project_id": project["id"], "selected": True})
        for stage in ("campaign", "vote"):
            budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": stage})
        budget.cast_ballot({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "cycle_id": cycle["id"], "paris_projects": [project["id"]], "sector": None, "sector_projects": []})
    return {"cycle_id": cycle["id"], "project_id": project["id"]}


def test_account_deleted_delivered_twice_is_applied_once(config, budget_service, store):
    made = cycle_at_the_vote(store)
    deleted = account_deleted(CAMILLE)
    assert deliver_and_wait(config, budget_service, "forget_account", deleted) is True
    assert deliver_and_wait(config, budget_service, "forget_account", deleted) is False  # redelivery: skipped
    assert [row.account_id for row in store.rows("budget_project_carriers")] == [None]
    assert [row.account_id for row in store.rows("budget_ballots")] == [None]
    assert [(row.event_id, row.handler) for row in store.rows("processed_events")] == [
        (deleted["event_id"], "budget.forget_account")]
    with store.uow() as uow:
        assert UseCasesOf(context(uow)).live_counts(ADMIN, made["cycle_id"])["projects"][0]["votes"] == 1


def test_a_ballot_over_rpc_publishes_an_anonymous_event(config, budget_service, store, container_factory):
    container_factory(FakeAccountsService.serving(residents()), config).start()
    BudgetListener.received = []
    listener = container_factory(BudgetListener, config)
    listener.start()
    made = cycle_at_the_vote(store)
    with entrypoint_waiter(listener, "on_ballot", timeout=15):
        with signed_proxy("budget", config, actor={"account_id": DOMINIQUE, "roles": ["citizen"]}) as budget:
            receipt = budget.cast_ballot({"account_id": DOMINIQUE, "roles": ["citizen"]}, {
                "cycle_id": made["cycle_id"], "paris_projects": [made["project_id"]]})
    assert receipt["replaced"] is False and len(receipt["receipt"]) == 24
    event = BudgetListener.received[-1]
    assert event["type"] == "ballot_cast" and event["actor"] == {"account_id": None, "role": "citizen"}
    assert event["payload"] == {"cycle_id": made["cycle_id"], "channel": "online", "count": 1}
    assert DOMINIQUE not in repr(event)
    with signed_proxy("budget", config) as budget:
        assert budget.check_receipt({"cycle_id": made["cycle_id"], "receipt": receipt["receipt"]})["counted"]
        with pytest.raises(Exception) as refused:
            budget.results({"cycle_id": made["cycle_id"]})
        assert getattr(refused.value, "code", None) == "RESULTS_NOT_PUBLISHED"


def test_a_ballot_waits_for_accounts_a_bounded_time_and_writes_nothing(config, store, container_factory,
                                                                       monkeypatch):
    made = cycle_at_the_vote(store)
    before = store.snapshot()
    monkeypatch.setattr(peers, "PEER_TIMEOUT", 0.5)
    container_factory(BudgetService, config).start()
    voter = {"account_id": str(uuid.uuid4()), "roles": ["citizen"]}
    with signed_proxy("budget", config, actor=voter) as budget:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):  # accounts is not running at all
            budget.cast_ballot(voter,
                               {"cycle_id": made["cycle_id"], "paris_projects": [made["project_id"]]})
        assert time.monotonic() - started < 3
    assert store.snapshot() == before


def test_a_batch_of_ballots_over_rpc_answers_each_item(config, budget_service, store, container_factory):
    voters = [str(uuid.uuid4()) for _ in range(3)]
    container_factory(FakeAccountsService.serving(residents(*voters)), config).start()
    made = cycle_at_the_vote(store)
    batch = [{"context": {"correlation_id": f"req-{n}", "causation_id": f"req-{n}"},
              "payload": {"actor": {"account_id": account_id, "roles": ["citizen"]},
                          "ballot": {"cycle_id": made["cycle_id"], "paris_projects": [made["project_id"]]}}}
             for n, account_id in enumerate(voters)]
    batch.append({"context": {}, "payload": {"actor": {"account_id": "pas-un-id"}, "ballot": {}}})
    with signed_proxy("budget", config) as budget:
        outcomes = budget.cast_ballots(batch)
    assert [len(o["ok"]["receipt"]) for o in outcomes[:3]] == [24, 24, 24]
    assert outcomes[3]["error"] == "VALIDATION_ERROR"
    with store.uow() as uow:
        assert UseCasesOf(context(uow)).live_counts(ADMIN, made["cycle_id"])["ballots_count"] == 4  # Camille's and three
    [cast] = [e for e in store.events("ballot_cast") if e["correlation_id"].startswith("req-")]
    assert cast["correlation_id"] == "req-0" and cast["payload"]["count"] == 3


def test_similar_content_over_rpc_answers_any_caller_and_refuses_bad_input(config, budget_service, store):
    """The similar panel's RPC is a public read: a call without an actor gets the project, with what it is and what
    to do with it now; bad input is refused with its fields, before the database is read."""
    made = cycle_at_the_vote(store)
    with signed_proxy("budget", config) as budget:
        [found] = budget.similar_content({"title": "Des bancs rue Manin, pour monter au parc"})["items"]
        with pytest.raises(Exception) as refused:
            budget.similar_content({"title": " ", "limit": 11})
    assert found["id"] == made["project_id"] and found["kind"] == "project" and found["edition"] == "2026"
    assert found["status"] == "selected" and found["actions"] == ["vote", "follow"]
    assert getattr(refused.value, "code", None) == "VALIDATION_ERROR"
    assert set(getattr(refused.value, "details", {})) == {"title", "limit"}

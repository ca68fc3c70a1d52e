"""The ideas service applies accounts' events from real RabbitMQ, once each however often delivered."""
import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.testing import free_port
from ideas.handlers import Ideas
from ideas.service import IdeasService
from tests.fakes import FakeAccounts, FakeAccountsService

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
DOMINIQUE = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"


@pytest.fixture
def config(rabbit_config, ideas_db, monkeypatch):
    monkeypatch.setenv("IDEAS_DATABASE_URL", ideas_db.url)
    return {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


@pytest.fixture
def ideas_service(config, container_factory):
    container = container_factory(IdeasService, config)
    container.start()
    return container


@pytest.fixture
def accounts_service(config, container_factory):
    """accounts on the broker; the `FakeAccounts` it answers from."""
    accounts = FakeAccounts()
    container_factory(FakeAccountsService.serving(accounts), config).start()
    return accounts


def deliver(config: dict, envelope: dict):
    """Publish an accounts event the way the accounts outbox relay does."""
    exchange = get_event_exchange("accounts", {})
    Publisher(config["AMQP_URI"], declare=[exchange]).publish(
        envelope, exchange=exchange, routing_key=envelope["type"], extra_headers=signed_headers(envelope, envelope["producer"]))


def deliver_and_wait(config, container, entrypoint: str, envelope: dict):
    """Deliver the event and wait until the service's handler finished with it; returns what it returned."""
    with entrypoint_waiter(container, entrypoint, timeout=15) as result:
        deliver(config, envelope)
    return result.get()


def account_event(type_: str, account_id: str, **payload) -> dict:
    return make_event(type=type_, version=1, producer="accounts", subject={"kind": "account", "id": account_id},
                      payload={"account_id": account_id, **payload},
                      actor={"account_id": account_id, "role": "citizen"},
                      correlation_id="req-events", causation_id="req-events")


def contribute(store, throttle) -> str:
    """Camille submits an idea and comments on it; Dominique supports it. Returns the idea id."""
    with store.uow() as uow:
        ideas = Ideas(uow, throttle)
        idea = ideas.submit_idea({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "title": "Des bancs rue Manin", "description": "Pour s'asseoir en montant au parc.",
            "theme": "cadre_de_vie", "arrondissement": 19, "address_line": None,
            "author_pseudonym": "Camille du 11e"})
        ideas.post_comment({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "idea_id": idea["id"], "body": "Surtout près du métro.", "author_pseudonym": "Camille du 11e"})
        ideas.support_idea({"account_id": DOMINIQUE, "roles": ["citizen"]}, idea["id"])
    return idea["id"]


def view(store, throttle, idea_id: str) -> dict:
    with store.uow() as uow:
        return Ideas(uow, throttle).get_idea(idea_id)


def test_account_deleted_delivered_twice_pseudonymises_once(config, ideas_service, store, throttle):
    idea_id = contribute(store, throttle)
    deleted = account_event("account_deleted", CAMILLE)

    assert deliver_and_wait(config, ideas_service, "forget_account", deleted) is True
    assert deliver_and_wait(config, ideas_service, "forget_account", deleted) is False  # redelivery: skipped

    idea = view(store, throttle, idea_id)
    assert idea["author_pseudonym"] == "Citoyen·ne anonyme" and idea["title"] == "Des bancs rue Manin"
    assert [c["author_pseudonym"] for c in idea["comments"]] == ["Citoyen·ne anonyme"]
    assert idea["supports_count"] == 1 and idea["comments_count"] == 1
    assert [(row.event_id, row.handler) for row in store.rows("processed_events")] == [
        (deleted["event_id"], "ideas.forget_account")]


def test_a_new_pseudonym_is_fetched_from_accounts_and_applied_once(config, ideas_service, accounts_service, store,
                                                                    throttle):
    idea_id = contribute(store, throttle)
    accounts_service.add(CAMILLE, "Camille Oberkampf")
    renamed = account_event("account_profile_updated", CAMILLE, fields=["pseudonym"], certification="declared")

    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", renamed) is True
    idea = view(store, throttle, idea_id)
    assert idea["author_pseudonym"] == "Camille Oberkampf"
    assert [c["author_pseudonym"] for c in idea["comments"]] == ["Camille Oberkampf"]

    # The account is renamed again; redelivering the old event must not be taken for that rename.
    accounts_service.add(CAMILLE, "Camille des Buttes")
    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", renamed) is False
    assert view(store, throttle, idea_id)["author_pseudonym"] == "Camille Oberkampf"
    assert len(store.rows("processed_events")) == 1


def test_a_profile_event_without_a_new_pseudonym_changes_nothing(config, ideas_service, accounts_service, store,
                                                                 throttle):
    idea_id = contribute(store, throttle)
    accounts_service.add(CAMILLE, "Ne doit pas apparaître")
    moved = account_event("account_profile_updated", CAMILLE, fields=["postcode"], certification="declared")
    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", moved) is False
    assert view(store, throttle, idea_id)["author_pseudonym"] == "Camille du 11e"
    assert store.rows("processed_events") == []


# --- decisions of the routing service (docs/events.md, ideas, "Consumed") ----------------------------

DECISION_ID = "5b8f2c1e-9d3a-4e7b-8c6f-1a2b3c4d5e6f"


def routing_event(type_: str, idea_id: str, decision_id: str = DECISION_ID, **payload) -> dict:
    return make_event(type=type_, version=1, producer="routing", subject={"kind": "idea", "id": idea_id},
                      payload={"decision_id": decision_id, "idea_id": idea_id, "author_id": CAMILLE, **payload},
                      actor={"account_id": DOMINIQUE, "role": "agent"},
                      correlation_id="req-idea-submitted", causation_id="req-agent")


def deliver_routing(config, container, entrypoint: str, envelope: dict):
    exchange = get_event_exchange("routing", {})
    with entrypoint_waiter(container, entrypoint, timeout=15) as result:
        Publisher(config["AMQP_URI"], declare=[exchange]).publish(
            envelope, exchange=exchange, routing_key=envelope["type"], extra_headers=signed_headers(envelope, envelope["producer"]))
    return result.get()


def test_idea_forwarded_by_routing_is_applied_once(config, ideas_service, store, throttle):
    idea_id = contribute(store, throttle)
    forwarded = routing_event("idea_forwarded", idea_id, scheme="budget", scheme_kind="internal",
                              message="Déposez-la au budget participatif.", dossier_reference=None)

    assert deliver_routing(config, ideas_service, "routing_idea_forwarded", forwarded) is True
    assert deliver_routing(config, ideas_service, "routing_idea_forwarded", forwarded) is False  # redelivered
    # the same decision under a new event id: still once
    again = routing_event("idea_forwarded", idea_id, scheme="budget", scheme_kind="internal", message="",
                          dossier_reference=None)
    assert deliver_routing(config, ideas_service, "routing_idea_forwarded", again) is False

    idea = view(store, throttle, idea_id)
    assert idea["status"] == "forwarded" and idea["scheme"] == "budget"
    assert idea["history"][-1]["message"] == ("Transmise au dispositif « Budget participatif ».\n"
                                              "Déposez-la au budget participatif.")
    assert [step["status"] for step in idea["history"]] == ["submitted", "forwarded"]
    [changed] = store.events("idea_status_changed")
    assert changed["payload"]["decision_id"] == DECISION_ID and changed["correlation_id"] == "req-idea-submitted"


def test_idea_answered_and_not_retained_by_routing(config, ideas_service, store, throttle):
    answered_id, refused_id = contribute(store, throttle), contribute(store, throttle)
    answered = routing_event("idea_answered", answered_id, answer="Les bancs seront posés en juin.",
                             direction="DVD")
    refused = routing_event("idea_not_retained", refused_id, decision_id="6c9a3d2f-0e4b-4f8c-9d7a-2b3c4d5e6f70",
                            reason_code="out_of_scope", reason="Hors des compétences de la Ville.")

    assert deliver_routing(config, ideas_service, "routing_idea_answered", answered) is True
    assert deliver_routing(config, ideas_service, "routing_idea_not_retained", refused) is True
    assert view(store, throttle, answered_id)["history"][-1]["message"] == "Les bancs seront posés en juin."
    refused_view = view(store, throttle, refused_id)
    assert refused_view["status"] == "not_retained"
    assert refused_view["history"][-1]["message"] == "Hors des compétences de la Ville."


def test_a_merged_idea_stays_merged_whatever_routing_decides(config, ideas_service, store, throttle):
    source, target = contribute(store, throttle), contribute(store, throttle)
    with store.uow() as uow:
        Ideas(uow, throttle).merge_ideas({"account_id": DOMINIQUE, "roles": ["agent"]},
                                         {"idea_id": source, "into": target, "message": "Doublon."})
    answered = routing_event("idea_answered", source, answer="Réponse.", direction="DVD")
    assert deliver_routing(config, ideas_service, "routing_idea_answered", answered) is False
    assert view(store, throttle, source)["status"] == "merged"

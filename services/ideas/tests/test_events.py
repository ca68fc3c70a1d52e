"""The ideas service applies accounts' events from real RabbitMQ, once each however often delivered."""
import pytest
from nameko.amqp.publish import Publisher
from nameko.rpc import rpc
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

from hubkit.envelope import make_event
from hubkit.outbox import context_headers
from hubkit.testing import free_port
from ideas.handlers import Ideas
from ideas.service import IdeasService

pytestmark = pytest.mark.integration

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
DOMINIQUE = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"


class FakeAccountsService:
    """A stand-in for the accounts service on the broker: only `public_profiles`, from a table."""
    name = "accounts"
    pseudonyms = {}

    @rpc
    def public_profiles(self, data):
        return [{"account_id": account_id, "pseudonym": self.pseudonyms[account_id]}
                for account_id in data["account_ids"] if account_id in self.pseudonyms]


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
    FakeAccountsService.pseudonyms = {}
    container = container_factory(FakeAccountsService, config)
    container.start()
    return FakeAccountsService


def deliver(config: dict, envelope: dict):
    """Publish an accounts event the way the accounts outbox relay does."""
    exchange = get_event_exchange("accounts", {})
    Publisher(config["AMQP_URI"], declare=[exchange]).publish(
        envelope, exchange=exchange, routing_key=envelope["type"], extra_headers=context_headers(envelope))


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
    accounts_service.pseudonyms[CAMILLE] = "Camille Oberkampf"
    renamed = account_event("account_profile_updated", CAMILLE, fields=["pseudonym"], certification="declared")

    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", renamed) is True
    idea = view(store, throttle, idea_id)
    assert idea["author_pseudonym"] == "Camille Oberkampf"
    assert [c["author_pseudonym"] for c in idea["comments"]] == ["Camille Oberkampf"]

    # The account is renamed again; redelivering the old event must not be taken for that rename.
    accounts_service.pseudonyms[CAMILLE] = "Camille des Buttes"
    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", renamed) is False
    assert view(store, throttle, idea_id)["author_pseudonym"] == "Camille Oberkampf"
    assert len(store.rows("processed_events")) == 1


def test_a_profile_event_without_a_new_pseudonym_changes_nothing(config, ideas_service, accounts_service, store,
                                                                 throttle):
    idea_id = contribute(store, throttle)
    accounts_service.pseudonyms[CAMILLE] = "Ne doit pas apparaître"
    moved = account_event("account_profile_updated", CAMILLE, fields=["postcode"], certification="declared")
    assert deliver_and_wait(config, ideas_service, "refresh_author_pseudonym", moved) is False
    assert view(store, throttle, idea_id)["author_pseudonym"] == "Camille du 11e"
    assert store.rows("processed_events") == []

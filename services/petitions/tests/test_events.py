"""The petitions service applies accounts' events from real RabbitMQ, once each however often delivered,
and publishes its own events through the outbox."""
import uuid

import pytest
from nameko.amqp.publish import Publisher
from nameko.events import event_handler
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.testing import free_port, signed_proxy
from hubkit.throttle import connect
from petitions.handlers import Context, Petitions
from petitions.service import PetitionsService
from petitions.settings import Settings
from tests.fakes import FakeAccounts, FakeAccountsService

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
DOMINIQUE = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
# charts recounted at every read (the service keeps them PETITIONS_CHART_CACHE_SECONDS): counts are checked
SETTINGS = Settings(sponsors_required=0, chart_cache_seconds=0)


FIRST, SECOND = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "6b1d0f8e-2c3d-4e4f-9a0b-1c2d3e4f5a61"


def residents() -> FakeAccounts:
    """accounts, knowing the signers of these tests: Parisians of the 11th."""
    accounts = FakeAccounts()
    for account_id, pseudonym in ((CAMILLE, "Camille du 11e"), (DOMINIQUE, "Dominique"), (FIRST, "Lou"),
                                  (SECOND, "Sacha")):
        accounts.add(account_id, pseudonym, arrondissement=11)
    return accounts


class PetitionsListener:
    """Records the petitions events that reach the broker."""
    name = "petitions_listener"
    received = []

    @event_handler("petitions", "petition_signed")
    def on_signed(self, data):
        PetitionsListener.received.append(data)


@pytest.fixture
def config(rabbit_config, petitions_db, monkeypatch):
    monkeypatch.setenv("PETITIONS_DATABASE_URL", petitions_db.url)
    prefix = f"test-petitions-{uuid.uuid4().hex}"
    monkeypatch.setenv("HUB_REDIS_PREFIX", prefix)  # the service's rate limits, apart from any other run
    yield {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
    client = connect()
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def petitions_service(config, container_factory):
    container = container_factory(PetitionsService, config)
    container.start()
    return container


@pytest.fixture
def accounts_service(config, container_factory):
    """accounts on the broker; the `FakeAccounts` it answers from."""
    accounts = residents()
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


def open_petition(store, throttle) -> str:
    """Camille's petition, published, signed by Camille and Dominique. Returns its id."""
    with store.uow() as uow:
        petitions = Petitions(Context(uow, throttle, accounts=residents(), settings=SETTINGS))
        petition = petitions.drafting.draft_petition({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "title": "Des bancs rue Manin", "asks": "Nous demandons des bancs tous les cent mètres.",
            "background": "Pour s'asseoir en montant au parc des Buttes-Chaumont.", "arrondissement": 19})
        petitions.drafting.submit({"account_id": CAMILLE, "roles": ["citizen"]}, petition["id"])
        petitions.moderation.publish(MODERATOR, {"petition_id": petition["id"], "threshold": None, "eligibility": None})
        for signer in (CAMILLE, DOMINIQUE):
            petitions.signing.sign({"account_id": signer, "roles": ["citizen"]}, {
                "petition_id": petition["id"], "connection": {}, "notify": True, "client": {"ip": "203.0.113.9"}})
    return petition["id"]


def view(store, throttle, petition_id: str) -> dict:
    with store.uow() as uow:
        return Petitions(Context(uow, throttle, settings=SETTINGS)).reading.get_petition(petition_id)


def test_account_deleted_delivered_twice_pseudonymises_once(config, petitions_service, store, throttle):
    petition_id = open_petition(store, throttle)
    deleted = account_event("account_deleted", CAMILLE)

    assert deliver_and_wait(config, petitions_service, "forget_account", deleted) is True
    assert deliver_and_wait(config, petitions_service, "forget_account", deleted) is False  # redelivery: skipped

    petition = view(store, throttle, petition_id)
    assert petition["author_pseudonym"] == "Citoyen·ne anonyme" and petition["title"] == "Des bancs rue Manin"
    assert petition["signatures_count"] == 2
    assert sorted(str(row.account_id) for row in store.rows("petition_signatures")) == sorted([DOMINIQUE, "None"])
    assert [(row.event_id, row.handler) for row in store.rows("processed_events")] == [
        (deleted["event_id"], "petitions.forget_account")]


def test_an_unknown_version_is_ignored(config, petitions_service, store, throttle):
    petition_id = open_petition(store, throttle)
    future = {**account_event("account_deleted", CAMILLE), "version": 2}
    assert deliver_and_wait(config, petitions_service, "forget_account", future) is False
    assert view(store, throttle, petition_id)["author_pseudonym"] == "Camille du 11e"


def test_a_new_pseudonym_is_fetched_from_accounts_and_applied_once(config, petitions_service, accounts_service,
                                                                   store, throttle):
    petition_id = open_petition(store, throttle)
    accounts_service.accounts[CAMILLE]["pseudonym"] = "Camille Oberkampf"
    renamed = account_event("account_profile_updated", CAMILLE, fields=["pseudonym"], certification="declared")
    assert deliver_and_wait(config, petitions_service, "refresh_author_pseudonym", renamed) is True
    assert view(store, throttle, petition_id)["author_pseudonym"] == "Camille Oberkampf"
    accounts_service.accounts[CAMILLE]["pseudonym"] = "Camille des Buttes"
    assert deliver_and_wait(config, petitions_service, "refresh_author_pseudonym", renamed) is False


def signature(account_id: str, petition_id, request_id: str, **command) -> dict:
    """One item of a sign_petitions batch, as hubkit.batching.CallBatcher sends it."""
    return {"context": {"correlation_id": request_id, "causation_id": request_id},
            "payload": {"actor": {"account_id": account_id, "roles": ["citizen"]}, "petition_id": petition_id,
                        "connection": {"works": True}, "client": {"ip": "198.51.100.2"}, **command}}


def test_a_batch_of_signatures_over_rpc_one_outcome_each_one_event_with_the_first_requests_ids(
        config, petitions_service, accounts_service, store, throttle, container_factory):
    PetitionsListener.received = []
    listener = container_factory(PetitionsListener, config)
    listener.start()
    petition_id = open_petition(store, throttle)  # signed by Camille and Dominique
    first, second = FIRST, SECOND
    batch = [signature(first, petition_id, "req-first"),
             signature(DOMINIQUE, petition_id, "req-again"),  # signed already: refused, alone
             {"context": {}, "payload": {"actor": {"account_id": "not-an-id"}, "petition_id": petition_id}},
             signature(second, petition_id, "req-second", notify=True),
             signature(second, petition_id, "req-double-click")]
    def batch_published(*_):
        return any(e["payload"]["signatures_count"] == 4 for e in PetitionsListener.received)

    with entrypoint_waiter(listener, "on_signed", timeout=15, callback=batch_published):
        with signed_proxy("petitions", config) as petitions:
            outcomes = petitions.sign_petitions(batch)
    assert outcomes[0] == {"ok": {"petition_id": petition_id, "signed": True, "signatures_count": 3,
                                  "threshold": 5000, "progress_percent": 0, "status": "open"}}
    assert outcomes[1]["error"] == "ALREADY_SIGNED" and "une signature par personne" in outcomes[1]["message"]
    assert outcomes[2]["error"] == "VALIDATION_ERROR" and "account_id" in outcomes[2]["details"]["actor"]
    assert outcomes[3]["ok"]["signatures_count"] == 4
    assert outcomes[4]["error"] == "ALREADY_SIGNED"
    assert view(store, throttle, petition_id)["signatures_count"] == 4 == len(store.rows("petition_signatures"))
    received = sorted((e for e in PetitionsListener.received if e["payload"]["signatures_count"] > 2),
                      key=lambda e: e["payload"]["signatures_count"])
    assert [(e["payload"], e["correlation_id"]) for e in received] == [
        ({"petition_id": petition_id, "signatures_count": 4, "count": 2}, "req-first")]
    assert all(e["actor"] == {"account_id": None, "role": "citizen"} for e in received)
    with signed_proxy("petitions", config) as petitions:
        assert petitions.health() == {"service": "petitions", "status": "ok"}
        with pytest.raises(Exception) as refused:
            petitions.sign_petitions({"not": "a batch"})
        assert getattr(refused.value, "code", None) == "VALIDATION_ERROR"
        assert petitions.sign_petitions([]) == []


def test_a_signature_waits_for_accounts_a_bounded_time_and_writes_nothing(config, store, throttle,
                                                                          container_factory, monkeypatch):
    import time

    from hubkit.errors import ServiceUnavailable
    from petitions import peers
    petition_id = open_petition(store, throttle)
    before = store.snapshot()
    monkeypatch.setattr(peers, "PEER_TIMEOUT", 0.5)
    container_factory(PetitionsService, config).start()
    with signed_proxy("petitions", config) as petitions:
        started = time.monotonic()
        batch = [signature(FIRST, petition_id, "req-1")]
        with pytest.raises(ServiceUnavailable):  # accounts is not running at all: the whole batch is refused
            petitions.sign_petitions(batch)
        slow = residents()
        slow.delay = 5
        container_factory(FakeAccountsService.serving(slow), config).start()
        with pytest.raises(ServiceUnavailable):  # accounts is too slow
            petitions.sign_petitions(batch)
        assert time.monotonic() - started < 3
    assert store.snapshot() == before

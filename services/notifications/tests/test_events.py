"""On real RabbitMQ: routing's and ideas' events reach the service, the author is notified in the hub and e-mailed
through accounts.notify (with the one-click unsubscribe link), once however often an event is delivered; the RPCs
answer the gateway's signed calls and refuse bad input with a clear error and nothing written."""
import uuid

import pytest
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import entrypoint_waiter

from hubkit.envelope import make_event
from hubkit.outbox import signed_headers
from hubkit.testing import free_port, signed_proxy
from notifications.service import NotificationsService
from tests.fakes import FakeAccounts, FakeAccountsService, FakeIdeas, FakeIdeasService

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
ME = {"account_id": CAMILLE, "roles": ["citizen"]}
IDEA = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
ANSWER = "Trois fontaines seront posées au printemps."


@pytest.fixture
def config(rabbit_config, notifications_db, monkeypatch):
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", notifications_db.url)
    monkeypatch.setenv("HUB_PUBLIC_URL", "https://participation.paris.fr")
    return {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


@pytest.fixture
def peers(config, container_factory):
    """accounts and ideas on the broker: the FakeAccounts (its `notices`) and FakeIdeas they answer from."""
    accounts, ideas = FakeAccounts(), FakeIdeas()
    accounts.add(CAMILLE, "Camille du 11e")
    ideas.add(IDEA, "Des fontaines le long du canal", author_id=CAMILLE)
    container_factory(FakeAccountsService.serving(accounts), config).start()
    container_factory(FakeIdeasService.serving(ideas), config).start()
    return accounts, ideas


@pytest.fixture
def service(config, container_factory):
    container = container_factory(NotificationsService, config)
    container.start()
    return container


def deliver_and_wait(config, container, entrypoint: str, envelope: dict):
    """Publish the event as its producer's outbox relay does; wait for the handler; what it returned."""
    exchange = get_event_exchange(envelope["producer"], {})
    with entrypoint_waiter(container, entrypoint, timeout=15) as result:
        Publisher(config["AMQP_URI"], declare=[exchange]).publish(
            envelope, exchange=exchange, routing_key=envelope["type"],
            extra_headers=signed_headers(envelope, envelope["producer"]))
    return result.get()


def idea_answered() -> dict:
    return make_event(type="idea_answered", version=1, producer="routing", subject={"kind": "idea", "id": IDEA},
                      payload={"decision_id": str(uuid.uuid4()), "idea_id": IDEA, "author_id": CAMILLE,
                               "answer": ANSWER, "direction": "DEVE"},
                      actor={"account_id": None, "role": "system"}, correlation_id="req-n", causation_id="req-n")


def test_an_answer_reaches_the_author_once(config, peers, service, store):
    accounts, _ = peers
    envelope = idea_answered()
    assert deliver_and_wait(config, service, "notify_idea_answered", envelope) is True
    assert deliver_and_wait(config, service, "notify_idea_answered", envelope) is False  # redelivery: once
    [notice] = accounts.notices
    assert notice["account_ids"] == [CAMILLE] and ANSWER in notice["body"]
    assert "« Des fontaines le long du canal »" in notice["body"]
    assert notice["list_unsubscribe_url"].startswith("https://participation.paris.fr/notifications/desabonnement/")
    assert (notice["event_id"], notice["purpose"]) == (envelope["event_id"], "notifications.email")
    [row] = store.rows("notifications")
    assert row.account_id == CAMILLE and row.emailed_at is not None

    with signed_proxy("notifications", config, ME) as notifications:
        page = notifications.list_notifications(ME, {})
        assert page["total"] == 1 and page["unread_count"] == 1 and ANSWER in page["items"][0]["body"]
        assert notifications.mark_read(ME, {"all": True}) == {"unread_count": 0}
        assert notifications.unread_count(ME, {}) == {"unread_count": 0}
    token = notice["list_unsubscribe_url"].rsplit("/", 1)[1]
    with signed_proxy("notifications", config) as notifications:  # a visitor: the token is the authority
        assert notifications.unsubscribe(None, {"token": token}) == {"category": "my_ideas", "label": "Mes idées"}
        assert notifications.health() == {"service": "notifications", "status": "ok"}
        assert [row["code"] for row in notifications.reference_data()["channels"]] == [
            "hub", "email", "digest", "never"]
    assert [(row.category, row.channel) for row in store.rows("preferences")] == [("my_ideas", "never")]


@pytest.mark.parametrize("method, data", [
    ("list_notifications", {"page": 0}),
    ("list_notifications", {"per_page": 51}),
    ("list_notifications", {"page": "un"}),
    ("list_notifications", {"surprise": 1}),
    ("mark_read", {}),
    ("mark_read", {"notification_ids": ["pas-un-id"]}),
    ("mark_read", {"notification_ids": [], "all": True}),
    ("unread_count", {"x": 1}),
    ("get_preferences", {"x": 1}),
    ("set_preferences", {"preferences": {"my_ideas": "pigeon"}}),
    ("set_preferences", {"preferences": {"spam": "hub"}}),
    ("set_preferences", {"preferences": "hub"}),
    ("set_preferences", {}),
])
def test_bad_input_is_a_clear_error_and_writes_nothing(config, service, store, method, data):
    with signed_proxy("notifications", config, ME) as notifications:
        with pytest.raises(Exception) as refused:
            getattr(notifications, method)(ME, data)
    assert getattr(refused.value, "code", None) == "VALIDATION_ERROR"
    assert store.rows("preferences") == [] and store.rows("notifications") == []


@pytest.mark.parametrize("data", [{}, {"token": ""}, {"token": "abc.def"}, {"token": "x" * 201}, {"token": 12}])
def test_a_bad_unsubscribe_token_is_refused(config, service, store, data):
    with signed_proxy("notifications", config) as notifications:
        with pytest.raises(Exception) as refused:
            notifications.unsubscribe(None, data)
    assert getattr(refused.value, "code", None) == "VALIDATION_ERROR"
    assert store.rows("preferences") == []


def test_an_anonymous_caller_may_not_read_notifications(config, service):
    with signed_proxy("notifications", config) as notifications:
        with pytest.raises(Exception) as refused:
            notifications.list_notifications(None, {})
        assert getattr(refused.value, "code", None) == "AUTHENTICATION_REQUIRED"
        with pytest.raises(Exception) as refused:
            notifications.export_personal_data("pas-un-id")
        assert getattr(refused.value, "code", None) == "VALIDATION_ERROR"


def test_a_direct_request_dossier_answer_tells_the_requester(config, peers, service, store):
    """routing's dossier_answered for a request made through « Agir » names no idea but its requester: they are
    told, with a link to their request's page (ideas is not asked)."""
    accounts, _ = peers
    envelope = make_event(type="dossier_answered", version=1, producer="routing",
                          subject={"kind": "direct_request", "id": str(uuid.uuid4())},
                          payload={"dossier_reference": "DEVE-2026-000124", "idea_id": None,
                                   "scheme": "greening_permit", "status": "granted", "subject_kind": "direct_request",
                                   "requester_id": CAMILLE},
                          actor={"account_id": None, "role": "system"}, correlation_id="req-d", causation_id="req-d")
    assert deliver_and_wait(config, service, "notify_dossier_answered", envelope) is True
    [notice] = accounts.notices
    assert notice["subject"] == "Réponse à votre demande DEVE-2026-000124" and "granted" in notice["body"]
    [row] = store.rows("notifications")
    assert (row.account_id, row.link) == (CAMILLE, "/agir/dossiers/DEVE-2026-000124")


SACHA = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
SACHA_ACTOR = {"account_id": SACHA, "roles": ["citizen"]}


def ideas_event(type_: str, actor: dict, **payload) -> dict:
    return make_event(type=type_, version=1, producer="ideas", subject={"kind": "idea", "id": IDEA},
                      payload={"idea_id": IDEA, **payload}, actor=actor, correlation_id="req-s", causation_id="req-s")


def test_a_follower_s_space_and_e_mail_through_the_broker(config, peers, service, store):
    """« Mon espace » on the wire: ideas' idea_followed puts the idea in the follower's space (its title read from
    ideas), idea_status_changed tells them (by e-mail, their choice: one accounts.notify named by the event and
    them), once; my_space answers the gateway's signed call and refuses an anonymous one."""
    accounts, _ = peers
    with signed_proxy("notifications", config, SACHA_ACTOR) as notifications:
        notifications.set_preferences(SACHA_ACTOR, {"preferences": {"followed": "email"}})
    followed = ideas_event("idea_followed", {"account_id": SACHA, "role": "citizen"})
    assert deliver_and_wait(config, service, "space_idea_followed", followed) is True
    changed = ideas_event("idea_status_changed", {"account_id": None, "role": "system"}, from_status="submitted",
                          status="under_review", scheme=None, merged_into=None)
    assert deliver_and_wait(config, service, "space_idea_status_changed", changed) is True
    assert deliver_and_wait(config, service, "space_idea_status_changed", changed) is False  # redelivery
    [notice] = accounts.notices
    assert notice["account_ids"] == [SACHA] and notice["purpose"] == f"notifications.email#{SACHA}"
    assert notice["event_id"] == changed["event_id"] and "« Des fontaines le long du canal »" in notice["body"]
    with signed_proxy("notifications", config, SACHA_ACTOR) as notifications:
        [item] = notifications.my_space(SACHA_ACTOR, {"limit": 10})["items"]
        assert (item["title"], item["roles"], item["state_label"]) == (
            "Des fontaines le long du canal", ["follower"], "À l'étude")
    with signed_proxy("notifications", config) as notifications:
        with pytest.raises(Exception) as refused:
            notifications.my_space(None, {})
        assert getattr(refused.value, "code", None) == "AUTHENTICATION_REQUIRED"


def test_an_agent_given_an_idea_by_a_colleague_is_e_mailed_through_the_broker(config, peers, service, store):
    """routing's idea_assigned (moved from routing, issue 15 §1): the agent a colleague confided the idea to is
    e-mailed once through accounts.notify, with the idea's title read from ideas and the unsubscribe link."""
    accounts, _ = peers
    agent, colleague = str(uuid.uuid4()), str(uuid.uuid4())
    assigned = make_event(type="idea_assigned", version=1, producer="routing", subject={"kind": "idea", "id": IDEA},
                          payload={"idea_id": IDEA, "agent_id": agent, "direction": "DEVE",
                                   "deadline_at": "2027-01-06T20:20:01+00:00"},
                          actor={"account_id": colleague, "role": "agent"}, correlation_id="req-a",
                          causation_id="req-a")
    assert deliver_and_wait(config, service, "notify_assigned_agent", assigned) is True
    assert deliver_and_wait(config, service, "notify_assigned_agent", assigned) is False  # redelivery: once
    [notice] = accounts.notices
    assert notice["account_ids"] == [agent] and notice["subject"] == "Une idée vous est confiée"
    assert notice["body"].startswith("L'idée « Des fontaines le long du canal » vous est confiée (direction DEVE), "
                                     "à traiter avant le 06/01/2027.")
    assert f"https://participation.paris.fr/back-office/orientation/{IDEA}" in notice["body"]
    assert notice["list_unsubscribe_url"].startswith("https://participation.paris.fr/notifications/desabonnement/")
    assert (notice["event_id"], notice["purpose"]) == (assigned["event_id"], "notifications.email")
    [row] = store.rows("notifications")
    assert (row.account_id, row.category) == (agent, "assignments")

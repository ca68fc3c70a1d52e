"""Queue settings and declarations (hubkit.queues) and the dead-letters command line's refusals: no broker needed.
The declarations at work on RabbitMQ: test_dead_letters.py."""
import argparse
import importlib
import io

import pytest
from kombu import Exchange, Queue

from hubkit import dead_letters, queues

SERVICES = ("accounts", "budget", "ideas", "petitions", "routing")


@pytest.mark.parametrize("environment, expected", [("production", "quorum"), ("local", "classic"),
                                                   ("test", "classic")])
def test_quorum_is_the_default_in_production_only(monkeypatch, environment, expected):
    monkeypatch.delenv("HUB_AMQP_QUEUE_TYPE", raising=False)
    monkeypatch.setenv("HUB_ENV", environment)
    assert queues.queue_type() == expected


def test_the_queue_type_can_be_chosen(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "classic")
    assert queues.queue_type() == "classic" and queues.service_queue_arguments("budget") == {}


@pytest.mark.parametrize("variable, value", [
    ("HUB_AMQP_QUEUE_TYPE", "lazy"), ("HUB_AMQP_QUEUE_TYPE", "Quorum"), ("HUB_AMQP_DELIVERY_LIMIT", "0"),
    ("HUB_AMQP_DELIVERY_LIMIT", "dix"), ("HUB_EVENT_RETRIES", "-1"), ("HUB_EVENT_RETRIES", "21"),
    ("HUB_EVENT_RETRY_SECONDS", "0"), ("HUB_EVENT_RETRY_SECONDS", "deux")])
def test_a_bad_setting_is_refused_naming_its_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    problem = queues.settings_problem()
    assert problem is not None and variable in problem
    with pytest.raises(ValueError, match=variable):
        queues.check_settings()


def test_good_settings_raise_no_problem(monkeypatch):
    for variable, value in (("HUB_AMQP_QUEUE_TYPE", "quorum"), ("HUB_AMQP_DELIVERY_LIMIT", "3"),
                            ("HUB_EVENT_RETRIES", "0"), ("HUB_EVENT_RETRY_SECONDS", "0.5")):
        monkeypatch.setenv(variable, value)
    assert queues.settings_problem() is None


def test_retry_delays_grow_and_are_bounded(monkeypatch):
    monkeypatch.delenv("HUB_EVENT_RETRY_SECONDS", raising=False)
    assert [queues.retry_delay(attempt) for attempt in range(1, 6)] == [2, 4, 8, 16, 32]
    monkeypatch.setenv("HUB_EVENT_RETRY_SECONDS", "600")
    assert queues.retry_delay(3) == queues.MAX_RETRY_SECONDS


def test_quorum_queues_dead_letter_to_their_service(monkeypatch):
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("HUB_AMQP_DELIVERY_LIMIT", "7")
    assert queues.service_queue_arguments("petitions") == {
        "x-queue-type": "quorum", "x-delivery-limit": 7, "x-dead-letter-exchange": "petitions.dead-letters",
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def test_an_event_queue_is_bound_to_its_source_and_to_the_requeue_exchange(monkeypatch):
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "quorum")
    source = Exchange("accounts.events", type="topic", durable=True)
    nameko = Queue("evt-accounts-account_deleted--budget.on_deleted", exchange=source,
                   routing_key="account_deleted", durable=True)
    declared = queues.event_queue(nameko, "budget")
    assert declared.queue_arguments["x-queue-type"] == "quorum"
    assert {(bound.exchange.name, bound.routing_key) for bound in declared.bindings} == {
        ("accounts.events", "account_deleted"), ("budget.requeue", nameko.name)}


def test_queues_that_vanish_with_their_consumer_stay_as_nameko_declares_them(monkeypatch):
    """Quorum queues cannot be exclusive or auto-deleted (broadcast and unreliable handlers)."""
    monkeypatch.setenv("HUB_AMQP_QUEUE_TYPE", "quorum")
    broadcast = Queue("evt-a-b--c.d-1234", exchange=Exchange("a.events"), routing_key="b", exclusive=True)
    assert queues.event_queue(broadcast, "c") is broadcast


def test_one_retry_queue_per_retry_each_matching_its_number(monkeypatch):
    monkeypatch.setenv("HUB_EVENT_RETRIES", "3")
    declared = queues.retry_queues("ideas")
    assert [queue.name for queue in declared] == ["ideas.retry-1", "ideas.retry-2", "ideas.retry-3"]
    assert [queue.binding_arguments[queues.RETRY_HEADER] for queue in declared] == ["1", "2", "3"]
    assert all(queue.queue_arguments["x-dead-letter-exchange"] == "ideas.requeue" for queue in declared)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_dead_letters_command(service, capsys):
    """`python -m <service> dead-letters …`: a purge without --yes is refused before anything is touched."""
    cli = importlib.import_module(f"{service}.cli")
    with pytest.raises(SystemExit) as exited:
        cli.main(["dead-letters", "purge"])
    assert exited.value.code == 2 and "--yes" in capsys.readouterr().err


def parse(*argv):
    parser = argparse.ArgumentParser()
    dead_letters.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["dead-letters", *argv])


def test_a_limit_below_one_is_refused(capsys):
    assert dead_letters.run("budget", parse("list", "--limit", "0"), io.StringIO()) == 2
    assert "--limit" in capsys.readouterr().err


def test_replay_needs_ids_or_all():
    with pytest.raises(SystemExit):
        parse("replay")
    with pytest.raises(SystemExit):
        parse("replay", "--all", "--id", "x")


def test_a_retried_events_bookkeeping_is_not_passed_on_by_its_worker():
    """nameko forwards a message's headers to the calls its worker makes: not the retry count, nor the broker's."""
    from types import SimpleNamespace

    from hubkit.consumer import RetryingEventHandler
    message = SimpleNamespace(headers={
        "nameko.correlation_id": "req-1", "hub_signature": "sig", queues.ATTEMPTS_HEADER: 2,
        queues.RETRY_HEADER: "2", queues.ROUTING_KEY_HEADER: "note_written", "x-death": [{"count": 1}],
        "x-delivery-count": 3})
    assert RetryingEventHandler("hubkit_notes", "note_written").unpack_message_headers(message) == {
        "correlation_id": "req-1"}

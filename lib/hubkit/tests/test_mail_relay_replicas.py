"""The mail relay claims what it sends: with several replicas on one database every mail goes once, a relay that
dies between claim and send leaves its mails to another after the lease, and a slow mail server holds no lock."""
from datetime import timedelta

import eventlet
import pytest
import sqlalchemy as sa
from eventlet.event import Event

from hubkit.db import utcnow
from hubkit.mail import MailRelay
from hubkit_sample_services import metadata, unit_of_work

MAILS = metadata.tables["outgoing_mails"]


class Clock:
    """The relays' clock, moved by the test instead of waited for."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


class RecordingTransport:
    """Records who each mail went to; `pause` seconds per mail stands for a slow SMTP server."""

    def __init__(self, delivered: list, pause: float = 0.0):
        self.delivered, self.pause = delivered, pause

    def send(self, message):
        eventlet.sleep(self.pause)
        self.delivered.append(message["To"])


class ProcessDied(BaseException):
    """What a killed process amounts to for the relay: nothing after the claim runs (not even `except Exception`)."""


class DyingTransport:
    def send(self, message):
        raise ProcessDied()


class FailingTransport:
    def send(self, message):
        raise ConnectionRefusedError("le serveur SMTP ne répond pas")


def queue(url, count: int) -> list:
    recipients = [f"habitant{number}@example.fr" for number in range(count)]
    with unit_of_work(url) as uow:
        for recipient in recipients:
            uow.queue_mail(recipient, "Votre compte", "Votre lien : https://participation.example/x")
    return recipients


def relay(url, transport, clock=utcnow, lease_seconds=None) -> MailRelay:
    """A relay on an engine of its own, as a replica in another process would have."""
    return MailRelay(unit_of_work(url)._session_factory, metadata, "hubkit_notes", transport=transport,
                     clock=clock, lease_seconds=lease_seconds)


def mail_rows(url) -> list:
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(MAILS).order_by(MAILS.c.id)).all()


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_two_replicas_on_one_database_send_every_mail_exactly_once(infra_db):
    recipients = queue(infra_db, 50)
    delivered = []
    first = relay(infra_db, RecordingTransport(delivered, pause=0.01))
    second = relay(infra_db, RecordingTransport(delivered, pause=0.01))

    runs = [eventlet.spawn(first.send_pending), eventlet.spawn(second.send_pending)]
    first_count, second_count = (run.wait() for run in runs)

    assert sorted(delivered) == sorted(recipients)  # each once: nobody twice, nobody forgotten
    assert first_count > 0 and second_count > 0 and first_count + second_count == 50  # both replicas worked
    assert all(row.sent_at is not None and row.body == "" for row in mail_rows(infra_db))
    assert first.send_pending() == 0 and second.send_pending() == 0


@pytest.mark.parametrize("database_kind", ["postgresql"])
def test_a_slow_mail_server_holds_no_row_lock(infra_db):
    queue(infra_db, 1)
    sending, release, delivered = Event(), Event(), []

    class BlockedTransport:
        def send(self, message):
            sending.send()
            release.wait()
            delivered.append(message["To"])

    run = eventlet.spawn(relay(infra_db, BlockedTransport()).send_pending)
    sending.wait()
    with unit_of_work(infra_db) as uow:  # NOWAIT: fails at once if the relay still held the row
        locked = uow.session.execute(sa.select(MAILS.c.id, MAILS.c.next_attempt_at).with_for_update(nowait=True)).all()
    release.send()
    assert run.wait() == 1 and len(delivered) == 1
    assert len(locked) == 1 and locked[0].next_attempt_at > utcnow() + timedelta(seconds=MailRelay.lease_seconds - 60)


def test_a_relay_dying_between_claim_and_send_leaves_the_mail_to_another_after_the_lease(infra_db):
    queue(infra_db, 1)
    clock, delivered = Clock(), []
    with pytest.raises(ProcessDied):
        relay(infra_db, DyingTransport(), clock, lease_seconds=120).send_pending()
    survivor = relay(infra_db, RecordingTransport(delivered), clock, lease_seconds=120)

    clock.now += timedelta(seconds=119)
    assert survivor.send_pending() == 0 and delivered == []  # leased: the dead relay might still be sending
    clock.now += timedelta(seconds=2)
    assert survivor.send_pending() == 1 and survivor.send_pending() == 0
    assert len(delivered) == 1
    [row] = mail_rows(infra_db)
    assert row.attempts == 2 and row.sent_at is not None and row.recipient == "(envoyé)"


def test_a_failed_delivery_counts_one_attempt_and_waits_longer_each_time(infra_db):
    queue(infra_db, 1)
    clock = Clock()
    failing = relay(infra_db, FailingTransport(), clock)
    assert failing.send_pending() == 0
    [row] = mail_rows(infra_db)
    assert row.attempts == 1 and row.sent_at is None and "ne répond pas" in row.last_error
    assert failing.send_pending() == 0  # not due before its delay (5 s)

    clock.now += timedelta(seconds=6)
    assert failing.send_pending() == 0
    [row] = mail_rows(infra_db)
    assert row.attempts == 2  # the next delay doubled: 10 s
    clock.now += timedelta(seconds=9)
    delivered = []
    assert relay(infra_db, RecordingTransport(delivered), clock).send_pending() == 0
    clock.now += timedelta(seconds=2)
    assert relay(infra_db, RecordingTransport(delivered), clock).send_pending() == 1 and len(delivered) == 1


def test_a_mail_is_given_up_after_its_last_attempt_while_the_others_still_go(infra_db):
    queue(infra_db, 2)
    with unit_of_work(infra_db) as uow:  # the first mail already failed all but one of its attempts
        uow.session.execute(MAILS.update().where(MAILS.c.id == sa.select(sa.func.min(MAILS.c.id)).scalar_subquery())
                            .values(attempts=MailRelay.max_attempts - 1))
    clock = Clock()
    assert relay(infra_db, FailingTransport(), clock).send_pending() == 0
    clock.now += timedelta(hours=2)
    delivered = []
    assert relay(infra_db, RecordingTransport(delivered), clock).send_pending() == 1
    assert delivered == ["habitant1@example.fr"]
    given_up, sent = mail_rows(infra_db)
    assert given_up.attempts == MailRelay.max_attempts and given_up.sent_at is None and sent.sent_at is not None


def test_more_mails_than_one_claim_all_go_in_one_run(infra_db):
    recipients = queue(infra_db, MailRelay.claim_size * 2 + 3)
    delivered = []
    assert relay(infra_db, RecordingTransport(delivered)).send_pending() == len(recipients)
    assert sorted(delivered) == sorted(recipients)

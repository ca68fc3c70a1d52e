"""Extra headers of queued mails (List-Unsubscribe): stored with the mail in its transaction, sent with it however
late the relay sends it, forgotten once it is sent, pruned with the mails given up; a header that could inject
another, or one the hub sets itself, is refused."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from hubkit.db import UnitOfWork, make_engine, utcnow
from hubkit.mail import MailRelay, build_message
from hubkit.pruning import PruneSettings, Pruner
from hubkit.tables import add_infrastructure_tables, add_mail_headers_table
from hubkit_sample_services import unit_of_work as unit_of_work_without_headers

metadata = sa.MetaData()
add_infrastructure_tables(metadata)
HEADERS, MAILS = add_mail_headers_table(metadata), metadata.tables["outgoing_mails"]
UNSUBSCRIBE = {"List-Unsubscribe": "<https://participation.example/notifications/desabonnement/abc.def>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@pytest.fixture
def mail_db(infra_db):
    """The sample services' database with the mail headers table as well."""
    engine = make_engine(infra_db)
    HEADERS.create(engine)
    engine.dispose()
    return infra_db


def unit_of_work(url: str) -> UnitOfWork:
    return UnitOfWork(sessionmaker(make_engine(url), expire_on_commit=False), "hubkit_notes", metadata)


class RecordingTransport:
    def __init__(self):
        self.messages = []

    def send(self, message):
        self.messages.append(message)


def rows(url, table) -> list:
    with unit_of_work(url) as uow:
        return uow.session.execute(sa.select(table)).all()


def test_headers_go_with_their_mail_only_and_are_forgotten_once_it_is_sent(mail_db):
    with unit_of_work(mail_db) as uow:
        uow.queue_mail("camille@example.fr", "Votre idée", "Elle a reçu une réponse.", headers=UNSUBSCRIBE)
        uow.queue_mail("dominique@example.fr", "Votre compte", "Rien de neuf.")
    assert len(rows(mail_db, HEADERS)) == 1
    transport = RecordingTransport()

    assert MailRelay(unit_of_work(mail_db)._session_factory, metadata, "hubkit_notes", transport=transport) \
        .send_pending() == 2

    with_headers, without = sorted(transport.messages, key=lambda message: message["To"])
    assert with_headers["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]
    assert with_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert without["List-Unsubscribe"] is None and without["List-Unsubscribe-Post"] is None
    assert rows(mail_db, HEADERS) == []  # the link is the recipient's: not kept once delivered


def test_a_mail_retried_later_still_carries_its_headers(mail_db):
    class FailingOnce(RecordingTransport):
        def send(self, message):
            if not hasattr(self, "failed"):
                self.failed = True
                raise ConnectionRefusedError("le serveur SMTP ne répond pas")
            super().send(message)

    with unit_of_work(mail_db) as uow:
        uow.queue_mail("camille@example.fr", "Votre idée", "Elle a reçu une réponse.", headers=UNSUBSCRIBE)
    transport, now = FailingOnce(), utcnow()
    relay = MailRelay(unit_of_work(mail_db)._session_factory, metadata, "hubkit_notes", transport=transport,
                      clock=lambda: now)
    assert relay.send_pending() == 0 and len(rows(mail_db, HEADERS)) == 1
    now += timedelta(hours=1)
    assert relay.send_pending() == 1
    assert transport.messages[0]["List-Unsubscribe"] == UNSUBSCRIBE["List-Unsubscribe"]


def test_headers_without_their_table_are_refused_and_nothing_is_queued(infra_db):
    with pytest.raises(ValueError, match="outgoing_mail_headers"):
        with unit_of_work_without_headers(infra_db) as uow:
            uow.queue_mail("camille@example.fr", "Votre idée", "Texte", headers=UNSUBSCRIBE)
    assert rows(infra_db, MAILS) == []


@pytest.mark.parametrize("headers", [
    {"List-Unsubscribe": "<https://example.fr/x>\r\nBcc: everyone@example.fr"},  # a header injected
    {"List-Unsubscribe": "<https://example.fr/é>"},                               # not printable ASCII
    {"Bcc": "everyone@example.fr"},                                               # not an extra header
    {"From": "mairie@paris.fr"},                                                  # one the hub sets itself
])
def test_a_header_that_could_inject_or_impersonate_is_refused(headers):
    with pytest.raises(ValueError, match="mail header refused"):
        build_message("camille@example.fr", "Objet", "Texte", headers=headers)


def test_headers_of_mails_given_up_are_pruned_those_of_mails_still_tried_stay(mail_db):
    long_ago = utcnow() - timedelta(days=40)
    with unit_of_work(mail_db) as uow:
        for recipient, attempts in (("given-up", MailRelay.max_attempts), ("still-tried", 3)):
            uow.queue_mail(recipient, "Objet", "Texte", headers=UNSUBSCRIBE)
            uow.session.execute(MAILS.update().where(MAILS.c.recipient == recipient).values(
                attempts=attempts, created_at=long_ago))
        uow.session.execute(HEADERS.update().values(created_at=long_ago))

    pruned = Pruner(unit_of_work(mail_db)._session_factory, metadata, "hubkit_notes", PruneSettings()).prune()

    assert pruned["outgoing_mail_headers"] == 1 and pruned["outgoing_mails"] == 1
    remaining = rows(mail_db, HEADERS)
    assert [row.mail_id for row in remaining] == [row.id for row in rows(mail_db, MAILS)]

"""`notify` with a one-click unsubscribe link (RFC 8058, issue 15): the mail written by the relay carries
List-Unsubscribe and List-Unsubscribe-Post and ends with the link; a link that is not a plain http(s) address is
refused before anything is queued; without a link, mails are as before."""
import email
import email.policy
import types

import pytest

from accounts.handlers import Accounts
from accounts.service import AccountsService
from hubkit.errors import InvalidInput
from hubkit.mail import FolderTransport, MailRelay

PASSWORD = "Des-Arbres-Partout-2026"
CLIENT = {"ip": "203.0.113.7", "user_agent": "pytest"}
HUB = "https://participation.paris.fr"
LINK = f"{HUB}/notifications/desabonnement/eyJhIjoiMSJ9.c2lnbmF0dXJl"


@pytest.fixture(autouse=True)
def hub_address(monkeypatch):
    monkeypatch.setenv("HUB_PUBLIC_URL", HUB)


@pytest.fixture
def notify(store, throttle):
    """The `notify` entrypoint as the service runs it: its schema, then the use case in one unit of work."""
    service = types.SimpleNamespace(db=None, _accounts=lambda uow: Accounts(uow, throttle))

    def notify(data):
        service.db = store.uow()
        return AccountsService.notify(service, data)
    return notify


@pytest.fixture
def reader(store, throttle) -> str:
    """A verified account's id."""
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Accounts(uow, throttle), method)(*args)
    run("register", {"email": "camille@exemple.fr", "password": PASSWORD, "pseudonym": "Camille du 11e",
                     "client": CLIENT})
    run("verify_email", store.link_token("camille@exemple.fr"))
    return store.one("accounts").id


def written_mails(store, folder) -> list:
    """The relay sends what is queued through the folder transport: the .eml files, parsed."""
    MailRelay(store.factory, store.metadata, "accounts", transport=FolderTransport(folder)).send_pending()
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def message(reader: str, **extra) -> dict:
    return {"account_ids": [reader], "subject": "Votre idée a été transmise",
            "body": "Elle est arrivée à la mairie du 11e.", **extra}


def test_the_mail_carries_the_one_click_headers_and_ends_with_the_link(notify, reader, store, tmp_path):
    assert notify(message(reader, list_unsubscribe_url=LINK)) == {"queued": 1}

    [mail] = [mail for mail in written_mails(store, tmp_path) if mail["Subject"] == "Votre idée a été transmise"]
    assert mail["List-Unsubscribe"] == f"<{LINK}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mail.get_content().rstrip("\n")
    assert body.startswith("Bonjour Camille du 11e,") and "Elle est arrivée à la mairie du 11e." in body
    assert body.endswith(f"Pour ne plus recevoir ces messages : {LINK}")
    assert store.rows("outgoing_mail_headers") == []  # sent: the link is not kept


def test_a_local_hub_address_is_a_valid_link(notify, reader, store, tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_PUBLIC_URL", "http://127.0.0.1:8000")
    local = "http://127.0.0.1:8000/notifications/desabonnement/abc.def"
    assert notify(message(reader, list_unsubscribe_url=local)) == {"queued": 1}
    [mail] = [mail for mail in written_mails(store, tmp_path) if mail["Subject"] == "Votre idée a été transmise"]
    assert mail["List-Unsubscribe"] == f"<{local}>"


def test_without_a_link_the_mail_is_unchanged(notify, reader, store, tmp_path):
    assert notify(message(reader)) == {"queued": 1}

    [mail] = [mail for mail in written_mails(store, tmp_path) if mail["Subject"] == "Votre idée a été transmise"]
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
    assert "Pour ne plus recevoir" not in mail.get_content()
    assert mail.get_content().rstrip("\n").endswith("Ville de Paris")


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "ftp://participation.paris.fr/desabonnement",
    "/notifications/desabonnement/abc",                                      # not absolute
    "https://participation.paris.fr/x>\r\nBcc: tout-le-monde@exemple.fr",    # a header injected
    "https://participation.paris.fr/a b",
    "https://participation.paris.fr/x>, <mailto:autre@exemple.fr",          # a second address in the header
    "https://participation.paris.fr/désabonnement",
    "https://participation.paris.fr/" + "a" * 500,
    "https://hub-de-la-participation.example/notifications/desabonnement/abc",  # not the hub: a mail client
    "https://participation.paris.fr.example/notifications/desabonnement/abc",   # would POST there on one click
    "http://participation.paris.fr/notifications/desabonnement/abc",
    "",
    None,
    42,
])
def test_a_bad_link_is_refused_clearly_and_nothing_is_queued(notify, reader, store, url):
    before = store.rows("outgoing_mails")
    with pytest.raises(InvalidInput) as refused:
        notify(message(reader, list_unsubscribe_url=url))
    assert "list_unsubscribe_url" in refused.value.details
    assert store.rows("outgoing_mails") == before and store.rows("outgoing_mail_headers") == []


def test_a_deleted_account_leaves_no_unsent_mail_nor_its_unsubscribe_link(notify, reader, store, throttle):
    assert notify(message(reader, list_unsubscribe_url=LINK)) == {"queued": 1}
    assert len(store.rows("outgoing_mail_headers")) == 1
    with store.uow() as uow:
        Accounts(uow, throttle).delete_account(reader, {"password": PASSWORD, "client": CLIENT})
    assert store.rows("outgoing_mail_headers") == []
    assert [mail for mail in store.rows("outgoing_mails") if mail.sent_at is None] == []

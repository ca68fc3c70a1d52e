"""Notifications on the running platform (issue 15): an agent forwards a citizen's idea; the notifications service
hears routing's idea_forwarded, writes the author's notification and, the author's « Mes idées » being e-mailed by
default, asks accounts to mail it (it holds no address): the mail reaching the platform's SMTP server carries the
one-click unsubscribe headers (RFC 8058) and ends with the link, and a mail client's POST to that link stops the
category."""
import email.policy
import uuid
from email import message_from_bytes

import pytest
import requests

from hubkit.testing import body_of

from .people import administrator, citizen, read_mail_link, wait_for

pytestmark = pytest.mark.e2e
MESSAGE = "Votre idée rejoint les pétitions : rassemblez des soutiens autour de vous."


def test_a_forwarded_idea_mails_its_author_through_accounts_with_a_one_click_unsubscribe(platform):
    agent, author = administrator(platform).headers, citizen(platform, read_mail_link, "Notifiee")
    created = requests.post(f"{platform.url}/api/v1/ideas", headers={
        **author.headers, "X-Request-ID": f"e2e-notify-{uuid.uuid4().hex[:12]}"}, json={
        "title": "Un composteur partagé square Villemin", "theme": "cadre_de_vie", "arrondissement": 10,
        "description": "Installer un composteur collectif géré par les habitants du quartier, près des jeux."})
    assert created.status_code == 201, created.text
    idea_id = created.json()["id"]
    inbox = f"{platform.url}/api/v1/routing/inbox/{idea_id}"
    assert wait_for(lambda: requests.get(inbox, headers=agent).status_code == 200, 20), "never reached the inbox"

    decision = requests.post(f"{inbox}/decisions", headers=agent,
                             json={"action": "forward", "scheme": "petition", "message": MESSAGE})
    assert decision.status_code == 201, decision.text

    # after routing's undo window (15 s on the shared platform): routing's own mail, and the notification's
    # (the draft petitions prepares from the idea is told to its author too, in another e-mail: not this one)
    mail = platform.smtp.wait_for(lambda m: m["To"] == author.email and m["List-Unsubscribe"] is not None
                                  and f"/idees/{idea_id}" in body_of(m), 60)
    mail = message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{platform.url}/notifications/desabonnement/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = body_of(mail).rstrip("\n")
    assert body.startswith(f"Bonjour {author.pseudonym},") and body.count("Bonjour") == 1  # the only greeting
    assert "Votre idée « Un composteur partagé square Villemin » a été transmise" in body and MESSAGE in body
    assert f"/idees/{idea_id}" in body
    assert body.endswith(f"Pour ne plus recevoir ces messages : {link}")

    def listed():
        return requests.get(f"{platform.url}/api/v1/me/notifications", headers=author.headers).json()
    assert wait_for(lambda: len(listed()["items"]) == 2, 30), "the petition draft was never told"
    links = sorted(item["link"] for item in listed()["items"])
    assert links[0] == f"/idees/{idea_id}" and links[1].startswith("/petitions/") and listed()["unread_count"] == 2

    # the mail client's one click (RFC 8058): no session, no CSRF token, the signed link is the authority
    clicked = requests.post(link, data={"List-Unsubscribe": "One-Click"}, allow_redirects=False)
    assert clicked.status_code == 200, clicked.text[-2000:]
    preferences = requests.get(f"{platform.url}/api/v1/me/notification-preferences", headers=author.headers).json()
    assert {row["category"]: row["channel"] for row in preferences["preferences"]}["my_ideas"] == "never"
    forged = requests.post(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"),
                           data={"List-Unsubscribe": "One-Click"}, allow_redirects=False)
    assert forged.status_code == 400

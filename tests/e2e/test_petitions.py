"""Petitions on the running platform, through the gateway: draft → co-sponsors by the private link →
moderation → signatures (one per account, eligibility, rate limits) → threshold → Council of Paris →
response → closed; a rejected petition stays visible; GDPR export and account deletion; events on the bus."""
import html
import json
import re

import pytest
import requests
from petitions.events import PERSONAL_EVENTS

from .people import PASSWORD, administrator, citizen, csrf_token, pages_session, read_mail_link, wait_for
from .platform_db import rows

pytestmark = pytest.mark.e2e


def form_token(page_text: str) -> str:
    """The idempotency token of the (first) form of a page that has one: fresh at each rendering."""
    return re.search(r'name="idempotency_key" value="([^"]+)"', page_text).group(1)
DRAFT = {"title": "Des fontaines à boire le long du canal",
         "asks": "Nous demandons quatre fontaines d'eau potable entre République et Jaurès.",
         "background": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau.",
         "arrondissement": 10}


@pytest.fixture(scope="module")
def people(platform):
    """An author, five co-sponsors, an admin (who also moderates)."""
    return {"author": citizen(platform, read_mail_link, "Autrice"),
            "sponsors": [citizen(platform, read_mail_link, f"Parrain{n}") for n in range(5)],
            "admin": administrator(platform).headers}


def drafted_and_submitted(api, people) -> dict:
    author = people["author"]
    petition = requests.post(f"{api}/petitions", headers=author.headers, json=DRAFT).json()
    for sponsor in people["sponsors"]:
        assert requests.post(f"{api}/petitions/sponsorships/{petition['sponsor_token']}",
                             headers=sponsor.headers).status_code == 201
    submitted = requests.post(f"{api}/petitions/{petition['id']}/submission", headers=author.headers)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    return petition


def test_a_petition_from_draft_to_the_council_of_paris(platform, people):
    api = f"{platform.url}/api/v1"
    author, sponsors, admin = people["author"], people["sponsors"], people["admin"]

    empty = requests.post(f"{api}/petitions", headers=author.headers, json={**DRAFT, "title": "   "})
    assert empty.status_code == 400 and "title" in empty.json()["details"]
    too_long = requests.post(f"{api}/petitions", headers=author.headers, json={**DRAFT, "asks": "x" * 3001})
    assert too_long.status_code == 400 and too_long.json()["details"]["asks"] == ["Entre 20 et 3000 caractères."]
    assert requests.get(f"{api}/me/petitions", headers=author.headers).json()["authored"] == []

    drafted = requests.post(f"{api}/petitions", headers=author.headers, json=DRAFT)
    assert drafted.status_code == 201
    petition, token = drafted.json(), drafted.json()["sponsor_token"]
    assert petition["status"] == "draft" and petition["author_pseudonym"] == author.pseudonym
    assert requests.get(f"{api}/petitions/{petition['id']}").status_code == 404  # private until published

    own = requests.post(f"{api}/petitions/sponsorships/{token}", headers=author.headers)
    assert own.status_code == 409 and own.json()["error"] == "OWN_PETITION"
    early = requests.post(f"{api}/petitions/{petition['id']}/submission", headers=author.headers)
    assert early.status_code == 409 and early.json()["error"] == "NOT_ENOUGH_SPONSORS"
    unpublished = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[0].headers,
                                json={"connection": {"lives": True}})
    assert unpublished.status_code == 409 and unpublished.json()["error"] == "PETITION_NOT_PUBLISHED"
    for sponsor in sponsors:
        assert requests.post(f"{api}/petitions/sponsorships/{token}", headers=sponsor.headers).status_code == 201
    twice = requests.post(f"{api}/petitions/sponsorships/{token}", headers=sponsors[0].headers)
    assert twice.status_code == 409 and twice.json()["error"] == "ALREADY_SPONSORED"

    submitted = requests.post(f"{api}/petitions/{petition['id']}/submission", headers=author.headers)
    assert submitted.status_code == 200 and submitted.json()["sponsors_count"] == 5
    assert requests.get(f"{api}/petitions/moderation", headers=author.headers).status_code == 403
    queue = requests.get(f"{api}/petitions/moderation", headers=admin).json()
    assert petition["id"] in [item["id"] for item in queue["items"]]

    published = requests.post(f"{api}/petitions/{petition['id']}/publication", headers=admin,
                              json={"threshold": 2, "eligibility": "live_work_study"})
    assert published.status_code == 200 and published.json()["status"] == "open"
    assert published.json()["threshold"] == 2

    undeclared = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[0].headers,
                               json={})
    assert undeclared.status_code == 400 and "connection" in undeclared.json()["details"]
    signed = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[0].headers,
                           json={"connection": {"works": True}, "notify": True})
    assert signed.status_code == 201 and signed.json()["signatures_count"] == 1
    again = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[0].headers,
                          json={"connection": {"studies": True}})
    assert again.status_code == 409 and again.json()["error"] == "ALREADY_SIGNED"
    reached = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[1].headers,
                            json={"connection": {"lives": True}})
    assert reached.json()["status"] == "threshold_reached" and reached.json()["signatures_count"] == 2

    page = requests.get(f"{platform.url}/petitions/{petition['id']}")
    assert page.status_code == 200 and html.escape(DRAFT["title"]) in page.text
    assert '<progress id="progression" max="2" value="2"' in page.text
    listing = requests.get(f"{platform.url}/petitions?statut=seuil-atteint")
    assert f'href="/petitions/{petition["id"]}"' in listing.text

    assert requests.post(f"{api}/petitions/{petition['id']}/council-placement", headers=sponsors[2].headers,
                         json={"session_date": "2030-06-09", "agenda_url": "https://x.paris.fr"}).status_code == 403
    placed = requests.post(f"{api}/petitions/{petition['id']}/council-placement", headers=admin,
                           json={"session_date": "2030-06-09",
                                 "agenda_url": "https://www.paris.fr/conseil-de-paris/seance-juin-2030"})
    assert placed.status_code == 200 and placed.json()["status"] == "scheduled_for_council"
    answered = requests.post(f"{api}/petitions/{petition['id']}/response", headers=admin,
                             json={"decision": "accepted", "response": "Quatre fontaines seront installées en 2031."})
    assert answered.status_code == 200 and answered.json()["answer"]["decision_label"] == "Demande acceptée"
    closed = requests.post(f"{api}/petitions/{petition['id']}/closure", headers=admin)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[2].headers,
                         json={"connection": {"lives": True}})
    assert late.status_code == 409 and late.json()["error"] == "PETITION_CLOSED"

    # visitors share a view of the petition kept one second by the gateway: the page converges to the answer
    assert wait_for(lambda: "Réponse de la Ville : Demande acceptée" in html.unescape(
        requests.get(f"{platform.url}/petitions/{petition['id']}").text), timeout=5)
    assert "9 juin 2030" in requests.get(f"{platform.url}/petitions/{petition['id']}").text

    # the events left the outbox, without a name, an e-mail, a pseudonym or a text in them
    assert wait_for(lambda: all(row.published_at is not None for row in rows(platform, "petitions", "outbox_events")))
    everything = [row.envelope for row in rows(platform, "petitions", "outbox_events")
                  if row.envelope["subject"]["id"] == petition["id"]]
    envelopes = [e for e in everything if e["type"] not in PERSONAL_EVENTS]
    assert [e["type"] for e in envelopes] == [
        "petition_submitted", "petition_published", "petition_signed", "petition_signed",
        "petition_threshold_reached", "petition_scheduled_for_council", "petition_answered", "petition_closed"]
    serialized = json.dumps(envelopes, ensure_ascii=False)
    for secret in (author.email, author.pseudonym, sponsors[0].id, DRAFT["title"], "fontaines"):
        assert secret not in serialized
    # the personal events (which only the notifications service may read) name the sponsors and signers by their
    # account id, and nothing more about them
    personal = [e for e in everything if e["type"] in PERSONAL_EVENTS]
    assert sorted(e["actor"]["account_id"] for e in personal if e["type"] == "petition_sponsored") == sorted(
        sponsor.id for sponsor in sponsors)
    assert [e["payload"]["account_ids"] for e in personal if e["type"] == "petition_signatures_recorded"] == [
        [sponsors[0].id], [sponsors[1].id]]
    serialized = json.dumps(personal, ensure_ascii=False)
    for secret in (author.email, author.pseudonym, sponsors[0].email, sponsors[0].pseudonym, DRAFT["title"]):
        assert secret not in serialized


def test_a_rejected_petition_stays_visible_with_its_reason_and_cannot_be_signed(platform, people):
    api = f"{platform.url}/api/v1"
    petition = drafted_and_submitted(api, people)
    missing = requests.post(f"{api}/petitions/{petition['id']}/rejection", headers=people["admin"],
                            json={"code": "nope", "reason": ""})
    assert missing.status_code == 400 and set(missing.json()["details"]) == {"code", "reason"}
    rejected = requests.post(f"{api}/petitions/{petition['id']}/rejection", headers=people["admin"],
                             json={"code": "duplicate", "reason": "Une pétition identique est déjà ouverte."})
    assert rejected.status_code == 200
    public = requests.get(f"{api}/petitions/{petition['id']}").json()
    assert public["status"] == "rejected" and public["rejection"]["label"] == "Doublon d'une pétition existante"
    assert public["rejection"]["reason"] == "Une pétition identique est déjà ouverte."
    refused = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=people["sponsors"][3].headers,
                            json={"connection": {"lives": True}})
    assert refused.status_code == 409 and refused.json()["error"] == "PETITION_REJECTED"
    assert "Une pétition identique est déjà ouverte." in html.unescape(
        requests.get(f"{platform.url}/petitions/{petition['id']}").text)


def test_signing_too_fast_answers_429_with_a_retry_time(platform, people):
    api = f"{platform.url}/api/v1"
    petition = drafted_and_submitted(api, people)
    requests.post(f"{api}/petitions/{petition['id']}/publication", headers=people["admin"], json={})
    signer = people["sponsors"][4].headers
    statuses = [requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=signer,
                              json={"connection": {"lives": True}}).status_code for _ in range(5)]
    assert statuses == [201, 409, 409, 409, 409]  # every attempt counts against the burst window
    limited = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=signer,
                            json={"connection": {"lives": True}})
    assert limited.status_code == 429 and limited.json()["error"] == "RATE_LIMITED"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert requests.get(f"{api}/petitions/{petition['id']}").json()["signatures_count"] == 1


def test_signing_through_the_pages_then_export_and_deletion(platform, mail_link, people):
    api = f"{platform.url}/api/v1"
    petition = drafted_and_submitted(api, people)
    requests.post(f"{api}/petitions/{petition['id']}/publication", headers=people["admin"], json={"threshold": 100})
    signer = citizen(platform, mail_link, "Signataire")

    browser = pages_session(platform, signer.email)
    page = browser.get(f"{platform.url}/petitions/{petition['id']}")
    assert "Signer la pétition</button>" in page.text
    csrf = csrf_token(page.text)
    refused = browser.post(f"{platform.url}/petitions/{petition['id']}/signer", data={"csrf_token": csrf})
    assert refused.status_code == 400 and "Cochez au moins une case" in html.unescape(refused.text)
    form = {"csrf_token": csrf, "studies": "on", "notify": "on", "idempotency_key": form_token(page.text)}
    signed = browser.post(f"{platform.url}/petitions/{petition['id']}/signer", data=form)
    assert signed.status_code == 200 and "Vous avez signé cette pétition." in signed.text
    # The same form sent again (the answer was lost): the first answer again, not « already signed », and
    # nothing signed or emitted twice
    again = browser.post(f"{platform.url}/petitions/{petition['id']}/signer", data=form)
    assert again.status_code == 200 and "Merci, votre signature est enregistrée." in html.unescape(again.text)
    assert requests.get(f"{api}/petitions/{petition['id']}").json()["signatures_count"] == 1
    signed_events = [r.envelope for r in rows(platform, "petitions", "outbox_events")
                     if r.type == "petition_signed" and r.envelope["subject"]["id"] == petition["id"]]
    assert sum(event["payload"]["count"] for event in signed_events) == 1

    export = requests.get(f"{api}/me/export", headers=signer.headers).json()
    [signature] = export["services"]["petitions"]["signatures"]
    assert signature["petition_id"] == petition["id"] and signature["studies_in_paris"] and signature["notify"]

    assert requests.post(f"{api}/me/deletion", headers=signer.headers, json={"password": PASSWORD}).status_code \
        == 204
    assert wait_for(lambda: not [r for r in rows(platform, "petitions", "petition_signatures")
                                 if r.account_id == signer.id])
    assert requests.get(f"{api}/petitions/{petition['id']}").json()["signatures_count"] == 1  # still counted
    assert not [r for r in rows(platform, "petitions", "idempotency_keys") if r.scope.endswith(signer.id)]
    assert [r for r in rows(platform, "petitions", "processed_events") if r.handler == "petitions.forget_account"]

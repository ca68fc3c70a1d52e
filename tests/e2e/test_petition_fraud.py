"""Petitions' anti-fraud and e-mails on the running platform, through the gateway: moderators see where
signatures come from (addresses, e-mail domains), invalidate some by id, the rest by address, then a series of
new accounts by e-mail domain (kept, no longer counted, exact recount,
public reason, logged, event on the bus); an invalidated signer cannot sign again; the author and the signers
who opted in are e-mailed once when the threshold is reached (by the notifications service: the signer chose
« Pétitions signées » by e-mail at once, the author's « Mes pétitions » is by default)."""
import json
import time

import pytest
import requests

from hubkit.testing import body_of

from .people import administrator, citizen, read_mail_link, wait_for
from .platform_db import rows

pytestmark = pytest.mark.e2e
DRAFT = {"title": "Un composteur de quartier square Maurice-Gardette",
         "asks": "Nous demandons un composteur partagé dans le square Maurice-Gardette.",
         "background": "Beaucoup d'habitants du quartier veulent composter leurs déchets de cuisine.",
         "arrondissement": 11}
REASON = "Signatures en série depuis une même connexion"


def mails_to(platform, recipient: str, text: str) -> list:
    return [m for m in platform.smtp.messages() if m["To"] == recipient and text in body_of(m)]


def test_fraud_view_invalidation_and_threshold_e_mails(platform):
    api = f"{platform.url}/api/v1"
    author, admin = citizen(platform, read_mail_link, "Autrice"), administrator(platform).headers
    sponsors = [citizen(platform, read_mail_link, f"Parrain{n}") for n in range(5)]
    petition = requests.post(f"{api}/petitions", headers=author.headers, json=DRAFT).json()
    for sponsor in sponsors:
        assert requests.post(f"{api}/petitions/sponsorships/{petition['sponsor_token']}",
                             headers=sponsor.headers).status_code == 201
    assert requests.post(f"{api}/petitions/{petition['id']}/submission", headers=author.headers).ok
    assert requests.post(f"{api}/petitions/{petition['id']}/publication", headers=admin,
                         json={"threshold": 3}).ok
    path = f"/petitions/{petition['id']}"
    chosen = requests.put(f"{api}/me/notification-preferences", headers=sponsors[0].headers,
                          json={"preferences": {"signed_petitions": "email"}})  # the default, said explicitly
    assert chosen.ok, chosen.text

    for number, sponsor in enumerate(sponsors[:4]):  # the first opts in to e-mails; the third reaches threshold
        signed = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsor.headers,
                               json={"connection": {"lives": True}, "notify": number == 0})
        assert signed.status_code == 201
    assert signed.json()["status"] == "threshold_reached" and signed.json()["signatures_count"] == 4

    # the author and the signer who opted in get one e-mail each; the others none
    assert wait_for(lambda: mails_to(platform, sponsors[0].email, path) and mails_to(platform, author.email,
                                                                                         path))
    time.sleep(1)  # a second e-mail, if any, would have come by now
    assert len(mails_to(platform, sponsors[0].email, path)) == 1
    assert len(mails_to(platform, author.email, path)) == 1
    assert mails_to(platform, sponsors[1].email, path) == []

    # moderators only: where the signatures come from
    trends_url = f"{api}/petitions/{petition['id']}/signature-trends"
    assert requests.get(trends_url, headers=sponsors[4].headers).status_code == 403
    assert requests.get(f"{trends_url}?hours=0", headers=admin).status_code == 400
    trends = requests.get(trends_url, headers=admin).json()
    assert trends["signatures_count"] == 4 and len(trends["latest"]) == 4
    [address] = trends["ips"]
    assert address["signatures"] == 4 and address["invalidated"] == 0
    assert trends["declared"]["lives"] == 4
    assert not any(sponsor.id in json.dumps(trends) for sponsor in sponsors)

    # invalid requests write nothing
    invalidations = f"{api}/petitions/{petition['id']}/invalidations"
    for bad in ({"reason": REASON}, {"ip": address["ip"], "reason": "Fraude de x@exemple.fr"},
                {"signature_ids": [999_999_999], "reason": REASON}):
        assert requests.post(invalidations, headers=admin, json=bad).status_code == 400, bad
    assert requests.post(invalidations, headers=sponsors[4].headers,
                         json={"ip": address["ip"], "reason": REASON}).status_code == 403
    assert [r for r in rows(platform, "petitions", "petition_moderation_log") if r.petition_id == petition["id"]] == []
    assert requests.get(f"{api}/petitions/{petition['id']}").json()["signatures_count"] == 4

    # two by id, then the rest by address
    two = sorted(s["id"] for s in trends["latest"])[:2]
    by_ids = requests.post(invalidations, headers=admin, json={"signature_ids": two, "reason": REASON})
    assert by_ids.status_code == 200 and by_ids.json()["invalidated"] == 2 and by_ids.json()["signatures_count"] == 2
    by_ip = requests.post(invalidations, headers=admin, json={"ip": address["ip"], "reason": REASON})
    assert by_ip.json()["invalidated"] == 2 and by_ip.json()["signatures_count"] == 0
    nothing = requests.post(invalidations, headers=admin, json={"ip": address["ip"], "reason": REASON})
    assert nothing.status_code == 409 and nothing.json()["error"] == "NOTHING_TO_INVALIDATE"

    public = requests.get(f"{api}/petitions/{petition['id']}", headers=admin).json()  # signed in: never cached
    assert public["signatures_count"] == 0 and public["status"] == "threshold_reached"
    assert [(i["count"], i["reason"]) for i in public["invalidations"]] == [(2, REASON), (2, REASON)]
    assert len(rows(platform, "petitions", "petition_signatures")) >= 4  # kept
    again = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[0].headers,
                          json={"connection": {"lives": True}})
    assert again.status_code == 409 and again.json()["error"] == "SIGNATURE_INVALIDATED"
    fresh = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=sponsors[4].headers,
                          json={"connection": {"works": True}})
    assert fresh.status_code == 201 and fresh.json()["signatures_count"] == 1

    # a series of brand-new accounts at one domain: the view shows the domain (never an address), then all its
    # signatures in the window are invalidated at once, and the count is exact again
    farm = [citizen(platform, read_mail_link, f"Serie{n}", email_domain="ferme-a-clics.fr") for n in range(2)]
    for member in farm:
        assert requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=member.headers,
                             json={"connection": {"lives": True}}).status_code == 201
    trends = requests.get(trends_url, headers=admin).json()
    domains = {d["domain"]: d for d in trends["email_domains"]}
    assert (domains["ferme-a-clics.fr"]["signatures"], domains["ferme-a-clics.fr"]["new_accounts"]) == (2, 2)
    assert domains["exemple.fr"]["signatures"] == 5 and domains["exemple.fr"]["invalidated"] == 4
    assert not any(member.email in json.dumps(trends) for member in farm)
    assert requests.post(invalidations, headers=admin, json={"email_domain": "jean@ferme-a-clics.fr",
                                                             "reason": REASON}).status_code == 400
    by_domain = requests.post(invalidations, headers=admin, json={"email_domain": "ferme-a-clics.fr", "hours": 1,
                                                                  "reason": REASON})
    assert by_domain.status_code == 200, by_domain.text
    assert (by_domain.json()["invalidated"], by_domain.json()["signatures_count"]) == (2, 1)
    assert requests.get(f"{api}/petitions/{petition['id']}", headers=admin).json()["signatures_count"] == 1
    [logged] = [r for r in rows(platform, "petitions", "petition_moderation_log")
                if r.criterion == "email_domain" and r.petition_id == petition["id"]]
    assert (logged.email_domain, logged.affected, logged.signatures_count) == ("ferme-a-clics.fr", 2, 1)

    assert wait_for(lambda: all(row.published_at is not None for row in rows(platform, "petitions", "outbox_events")))
    invalidated = [row.envelope for row in rows(platform, "petitions", "outbox_events")
                   if row.envelope["type"] == "signatures_invalidated"
                   and row.envelope["subject"]["id"] == petition["id"]]
    assert [e["payload"] for e in invalidated] == [
        {"petition_id": petition["id"], "count": 2, "signatures_count": 2},
        {"petition_id": petition["id"], "count": 2, "signatures_count": 0},
        {"petition_id": petition["id"], "count": 2, "signatures_count": 1}]
    assert address["ip"] not in json.dumps(invalidated) and REASON not in json.dumps(invalidated)


"""The running platform through the gateway's JSON API: register → real e-mail → verify → log in →
edit profile → download data → delete account, with correlation ids followed through logs and events."""
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import sqlalchemy as sa

from hubkit.db import make_engine

from .people import PASSWORD

pytestmark = pytest.mark.e2e


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def outbox(platform, service="accounts") -> list:
    engine = make_engine(platform.databases[service].url)
    table = sa.Table("outbox_events", sa.MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table.c.envelope, table.c.published_at).order_by(table.c.id)).all()
    engine.dispose()
    return rows


def test_a_citizen_journey_through_the_api(platform_both, mail_link):
    platform, api = platform_both, f"{platform_both.url}/api/v1"
    email = f"lea.{platform.vhost}@exemple.fr"

    registered = requests.post(f"{api}/accounts", json={"email": email, "password": PASSWORD,
                                                        "pseudonym": "Léa " + platform.vhost[-6:]},
                               headers={"X-Request-ID": "journey-register-1"})
    assert registered.status_code == 202
    assert registered.headers["X-Request-ID"] == "journey-register-1"

    refused = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"] == "EMAIL_NOT_VERIFIED"

    link = mail_link(platform, email, "/compte/verifier")
    assert link.startswith(platform.url)
    verified = requests.post(f"{api}/accounts/verification", json={"token": token_of(link)})
    assert verified.status_code == 200 and verified.json()["email_verified"] is True

    login = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert login.status_code == 201
    auth = {"Authorization": f"Bearer {login.json()['token']}"}

    profile = requests.patch(f"{api}/me", headers=auth, json={
        "birth_date": "1992-03-08", "lives_in_paris": True, "address_line": "5 place du Panthéon",
        "postcode": "75005"})
    assert profile.status_code == 200
    assert profile.json()["arrondissement"] == 5 and profile.json()["sector"]["label"] == "5e arrondissement"
    assert requests.get(f"{api}/me", headers=auth).json()["postcode"] == "75005"

    export = requests.get(f"{api}/me/export", headers=auth)
    assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
    assert export.json()["services"]["accounts"]["account"]["address_line"] == "5 place du Panthéon"

    deleted = requests.post(f"{api}/me/deletion", headers=auth, json={"password": PASSWORD})
    assert deleted.status_code == 204
    assert requests.get(f"{api}/me", headers=auth).status_code == 401
    again = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert again.status_code == 401

    # the request id travelled: gateway log, accounts log, and the event's correlation id
    assert any(line.get("correlation_id") == "journey-register-1" for line in platform.log_lines("gateway"))
    assert any(line.get("correlation_id") == "journey-register-1" for line in platform.log_lines("accounts"))
    envelopes = [row.envelope for row in outbox(platform)]
    registered_event = next(e for e in envelopes if e["correlation_id"] == "journey-register-1")
    assert registered_event["type"] == "account_registered"
    assert registered_event["causation_id"] == "journey-register-1"
    assert any(e["type"] == "account_deleted" for e in envelopes)
    for line in platform.log(name="accounts").splitlines() + platform.log(name="gateway").splitlines():
        assert email not in line and "Panthéon" not in line


def test_password_reset_by_email(platform_both, mail_link):
    platform, api = platform_both, f"{platform_both.url}/api/v1"
    email = f"sam.{platform.vhost}@exemple.fr"
    requests.post(f"{api}/accounts", json={"email": email, "password": PASSWORD,
                                           "pseudonym": "Sam " + platform.vhost[-6:]})
    requests.post(f"{api}/accounts/verification",
                  json={"token": token_of(mail_link(platform, email, "/compte/verifier"))})
    unknown = requests.post(f"{api}/auth/password-reset", json={"email": "personne@exemple.fr"})
    known = requests.post(f"{api}/auth/password-reset", json={"email": email})
    assert unknown.status_code == known.status_code == 202 and unknown.json() == known.json()

    token = token_of(mail_link(platform, email, "/mot-de-passe/reinitialiser"))
    new_password = "Un-Tout-Nouveau-Secret-75"
    assert requests.post(f"{api}/auth/password-reset/confirm",
                         json={"token": token, "password": new_password}).status_code == 200
    reused = requests.post(f"{api}/auth/password-reset/confirm", json={"token": token, "password": new_password})
    assert reused.status_code == 400 and reused.json()["error"] == "INVALID_TOKEN"
    assert requests.post(f"{api}/auth/tokens", json={"email": email, "password": new_password}).status_code == 201


def test_events_reach_the_broker_after_commit(platform_both):
    """The outbox relay publishes every committed event of the journey (nothing left pending)."""
    import time
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(row.published_at is None for row in outbox(platform_both)):
        time.sleep(0.2)
    assert outbox(platform_both) and all(row.published_at is not None for row in outbox(platform_both))

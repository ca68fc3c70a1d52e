"""The people end-to-end and browser tests act as, on the running platform: verified citizens, Paris residents,
administrators, and a signed-in session of the pages. Every account has the same password, `PASSWORD`."""
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import requests

# Module-scoped fixtures cannot use the function-scoped `mail_link` fixture: they pass the function behind it.
from tests.conftest import read_mail_link

__all__ = ["PASSWORD", "XSS", "Person", "administrator", "citizen", "csrf_token", "pages_session", "read_mail_link",
           "resident", "signed_in", "wait_for"]

PASSWORD = "Des-Arbres-Partout-2026"
XSS = '<script>alert("xss")</script>'  # what a hostile citizen types: pages must show it escaped


@dataclass(frozen=True)
class Person:
    """Someone signed in through the API: their account id, bearer headers (and the token in them), e-mail and
    pseudonym."""
    id: str
    headers: dict
    email: str
    pseudonym: str
    token: str


def signed_in(platform, email: str) -> Person:
    """`email`'s account, signed in through the token API."""
    login = requests.post(f"{platform.url}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert login.status_code == 201, login.text
    body = login.json()
    return Person(id=body["principal"]["account_id"], headers={"Authorization": f"Bearer {body['token']}"},
                  email=email, pseudonym=body["principal"]["pseudonym"], token=body["token"])


def citizen(platform, mail_link, name: str, email_domain: str = "exemple.fr") -> Person:
    """A new citizen, verified through the link of the mail the real SMTP server received."""
    api = f"{platform.url}/api/v1"
    email, pseudonym = f"{name}.{time.monotonic_ns()}@{email_domain}".lower(), f"{name} {time.monotonic_ns() % 10**6}"
    assert requests.post(f"{api}/accounts", json={"email": email, "password": PASSWORD, "pseudonym": pseudonym}).ok
    token = parse_qs(urlparse(mail_link(platform, email, "/compte/verifier")).query)["token"][0]
    assert requests.post(f"{api}/accounts/verification", json={"token": token}).ok
    return signed_in(platform, email)


def resident(platform, mail_link, name: str, postcode: str = "75019") -> Person:
    """A citizen whose profile says they live in Paris at `postcode` (born in 1990): eligible to vote."""
    person = citizen(platform, mail_link, name)
    response = requests.patch(f"{platform.url}/api/v1/me", headers=person.headers, json={
        "lives_in_paris": True, "address_line": "12 rue Manin", "postcode": postcode, "birth_date": "1990-05-14"})
    assert response.ok, response.text
    return person


def administrator(platform, label: str = "admin", pseudonym: str = "Admin") -> Person:
    """A new administrator, made with `accounts create-admin` as an operator would (admins also act as agents and
    moderators), one process per command. On a local SQLite file the command competes with the running service:
    in WAL mode its transaction fails at once ("database is locked") if the service committed between its read and
    its write, so a refusal for that reason alone is tried again (twice at most); any other failure fails the test."""
    email = f"{label}.{time.monotonic_ns()}@paris.fr"
    command = [sys.executable, "-m", "accounts", "create-admin", "--email", email, "--pseudonym",
               f"{pseudonym} {time.monotonic_ns() % 10**6}", "--password", PASSWORD]
    for attempt in range(3):
        made = subprocess.run(command, env=platform.env, capture_output=True, text=True)
        if made.returncode == 0 or "database is locked" not in made.stderr:
            break
        time.sleep(0.5)
    assert made.returncode == 0, f"accounts create-admin failed: {made.stderr[-3000:]}"
    return signed_in(platform, email)


def csrf_token(page_text: str) -> str:
    """The CSRF token of the (first) form of a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def pages_session(platform, email: str) -> requests.Session:
    """A session signed in to the pages through the login form, as a browser would be."""
    session = requests.Session()
    csrf = csrf_token(session.get(f"{platform.url}/connexion").text)
    assert session.post(f"{platform.url}/connexion", data={"csrf_token": csrf, "email": email,
                                                           "password": PASSWORD}).ok
    return session


def wait_for(probe, timeout: float = 20.0):
    """The first truthy value of `probe()`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"condition not met in {timeout} s")

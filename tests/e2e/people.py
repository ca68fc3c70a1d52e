"""The people end-to-end and browser tests act as, on the running platform: verified citizens, Paris residents,
administrators, and a signed-in session of the pages. Every account has the same password, `PASSWORD`."""
import json
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
    moderators)."""
    email = f"{label}.{time.monotonic_ns()}@paris.fr"
    run_accounts_command(platform, ["create-admin", "--email", email, "--pseudonym",
                                    f"{pseudonym} {time.monotonic_ns() % 10**6}", "--password", PASSWORD])
    return signed_in(platform, email)


# `python -m accounts <command>` run by one process per platform that the tests keep: the same entry point
# (accounts.cli.main, after eventlet's patching as in accounts/__main__.py) without a Python start and the service's
# imports, two seconds, for each of the few dozen administrators the tests make. One JSON argument list a line in,
# one marked JSON answer a line out (the command's own logs may go to stdout too). The engines a command opened are
# disposed after it, as its own process's exit would close them: no connection is left on the platform's databases.
ACCOUNTS_COMMANDS = r"""
import warnings
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet
eventlet.monkey_patch()
import io, json, sys, traceback
from contextlib import redirect_stderr
from accounts import cli
engines, make_engine = [], cli.make_engine


def recorded_engine(*args, **kwargs):
    engines.append(make_engine(*args, **kwargs))
    return engines[-1]


cli.make_engine = recorded_engine
answers = sys.stdout
for line in sys.stdin:
    code, errors = 0, io.StringIO()
    with redirect_stderr(errors):
        try:
            cli.main(json.loads(line))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
    while engines:
        engines.pop().dispose()
    answers.write(ANSWER + json.dumps({"code": code, "stderr": errors.getvalue()}) + "\n")
    answers.flush()
"""
ANSWER = "accounts-command-answer: "
_accounts_commands = {}  # platform's virtual host -> its process


def run_accounts_command(platform, arguments: list):
    """`python -m accounts *arguments` on `platform`'s databases; fails the test if the command fails."""
    process = _accounts_commands.get(platform.vhost)
    if process is None or process.poll() is not None:
        process = _accounts_commands[platform.vhost] = subprocess.Popen(
            [sys.executable, "-c", f"ANSWER = {ANSWER!r}\n" + ACCOUNTS_COMMANDS], env=platform.env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    process.stdin.write(json.dumps(arguments) + "\n")
    process.stdin.flush()
    for line in process.stdout:
        if line.startswith(ANSWER):
            answer = json.loads(line[len(ANSWER):])
            assert answer["code"] == 0, f"accounts {arguments[0]} failed: {answer['stderr'][-3000:]}"
            return
    raise AssertionError(f"the accounts command process ended during `accounts {arguments[0]}`")


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

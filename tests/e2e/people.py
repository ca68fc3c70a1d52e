"""The people end-to-end tests act as, on the running platform: verified citizens and administrators."""
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import requests

PASSWORD = "Des-Arbres-Partout-2026"


def citizen(platform, mail_link, name: str) -> tuple:
    """A verified citizen: (account id, bearer headers, e-mail, pseudonym)."""
    api = f"{platform.url}/api/v1"
    email, pseudonym = f"{name}.{time.monotonic_ns()}@exemple.fr".lower(), f"{name} {time.monotonic_ns() % 10**6}"
    assert requests.post(f"{api}/accounts", json={"email": email, "password": PASSWORD, "pseudonym": pseudonym}).ok
    token = parse_qs(urlparse(mail_link(platform, email, "/compte/verifier")).query)["token"][0]
    assert requests.post(f"{api}/accounts/verification", json={"token": token}).ok
    login = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD}).json()
    return login["principal"]["account_id"], {"Authorization": f"Bearer {login['token']}"}, email, pseudonym


def admin_headers(platform) -> dict:
    """Bearer headers of a new administrator (made with `accounts create-admin`, as an operator would)."""
    email = f"admin.{time.monotonic_ns()}@paris.fr"
    subprocess.run([sys.executable, "-m", "accounts", "create-admin", "--email", email, "--pseudonym",
                    f"Admin {time.monotonic_ns() % 10**6}", "--password", PASSWORD], env=platform.env, check=True,
                   capture_output=True)
    login = requests.post(f"{platform.url}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {login.json()['token']}"}


def wait_for(probe, timeout: float = 20.0):
    """The first truthy value of `probe()`, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")

"""The gateway as a front door: request ids, roles, throttling, sessions, and services that are down."""
import time

import pytest
import requests

from .people import PASSWORD, administrator, citizen

pytestmark = pytest.mark.e2e


def test_a_request_id_is_created_when_the_client_sends_none_or_a_bad_one(platform):
    plain = requests.get(f"{platform.url}/healthz")
    assert len(plain.headers["X-Request-ID"]) == 32
    weird = requests.get(f"{platform.url}/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert weird.headers["X-Request-ID"] != "bad id\twith spaces"


def test_roles_are_checked_at_the_gateway_and_granted_by_an_admin(platform, mail_link):
    nour = citizen(platform, mail_link, "Nour")
    account_id, headers = nour.id, nour.headers
    api = f"{platform.url}/api/v1"
    assert requests.get(f"{api}/accounts", headers=headers).status_code == 403
    forbidden = requests.post(f"{api}/accounts/{account_id}/roles", headers=headers, json={"role": "admin"})
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "FORBIDDEN"

    admin = administrator(platform).headers
    missing_direction = requests.post(f"{api}/accounts/{account_id}/roles", headers=admin, json={"role": "agent"})
    assert missing_direction.status_code == 400 and "direction" in missing_direction.json()["details"]
    granted = requests.post(f"{api}/accounts/{account_id}/roles", headers=admin,
                            json={"role": "agent", "direction": "DEVE"})
    assert granted.status_code == 200 and granted.json()["roles"] == ["citizen", "agent"]
    assert requests.get(f"{api}/accounts", headers=headers, params={"query": "Nour"}).status_code == 200
    revoked = requests.delete(f"{api}/accounts/{account_id}/roles/agent", headers=admin)
    assert revoked.json()["roles"] == ["citizen"]
    assert requests.get(f"{api}/accounts", headers=headers).status_code == 403
    unknown = requests.post(f"{api}/accounts/00000000-0000-0000-0000-000000000000/roles", headers=admin,
                            json={"role": "moderator"})
    assert unknown.status_code == 404


def test_too_many_failed_logins_get_a_429_with_retry_after(platform, mail_link):
    email = citizen(platform, mail_link, "Ines").email
    api = f"{platform.url}/api/v1"
    statuses = [requests.post(f"{api}/auth/tokens", json={"email": email, "password": "mauvais"}).status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    limited = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.json()["error"] == "RATE_LIMITED"


def test_sessions_are_listed_and_revocable(platform, mail_link):
    yanis = citizen(platform, mail_link, "Yanis")
    headers, email = yanis.headers, yanis.email
    api = f"{platform.url}/api/v1"
    other = requests.post(f"{api}/auth/tokens", json={"email": email, "password": PASSWORD}).json()
    sessions = requests.get(f"{api}/me/sessions", headers=headers).json()
    assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
    other_id = next(s["id"] for s in sessions if not s["current"])
    assert requests.delete(f"{api}/me/sessions/{other_id}", headers=headers).status_code == 204
    assert requests.get(f"{api}/me", headers={"Authorization": f"Bearer {other['token']}"}).status_code == 401
    assert requests.delete(f"{api}/me/sessions/not-a-uuid", headers=headers).status_code == 400
    assert requests.delete(f"{api}/auth/tokens/current", headers=headers).status_code == 204
    assert requests.get(f"{api}/me", headers=headers).status_code == 401


def test_a_profile_with_an_impossible_date_or_a_postcode_outside_paris_is_refused_whole(platform, mail_link):
    headers = citizen(platform, mail_link, "Mila").headers
    api = f"{platform.url}/api/v1"
    for body, field in (({"birth_date": "2023-02-30"}, "birth_date"),
                        ({"birth_date": "2999-01-01"}, "birth_date"),
                        ({"lives_in_paris": True, "address_line": "1 rue X", "postcode": "92100"}, "postcode"),
                        ({"pseudonym": "Mila", "postcode": "750011"}, "postcode"),
                        ({"address_line": "x" * 201}, "address_line")):
        response = requests.patch(f"{api}/me", headers=headers, json=body)
        assert response.status_code == 400, body
        assert field in response.json()["details"], response.json()
    me = requests.get(f"{api}/me", headers=headers).json()
    assert me["birth_date"] is None and me["postcode"] is None and me["pseudonym"].startswith("Mila ")


def test_a_service_that_is_down_gives_a_clear_503_not_a_hang(platform):
    email = f"pendant.panne.{time.monotonic_ns()}@exemple.fr"
    platform.stop_process("accounts")
    try:
        started = time.monotonic()
        response = requests.post(f"{platform.url}/api/v1/accounts", timeout=30,
                                 json={"email": email, "password": PASSWORD, "pseudonym": "Pendant la panne"})
        assert response.status_code == 503 and response.json()["error"] == "SERVICE_UNAVAILABLE"
        assert time.monotonic() - started < 10
        status = requests.get(f"{platform.url}/statusz", timeout=30)
        assert status.status_code == 503 and status.json()["checks"]["accounts"]["ok"] is False
        assert requests.get(f"{platform.url}/readyz", timeout=30).status_code == 200  # still in rotation
        page = requests.get(f"{platform.url}/connexion", timeout=30)
        assert requests.get(f"{platform.url}/healthz").status_code == 200
    finally:
        platform.restart_process("accounts")
        platform.wait_ready()
    assert page.status_code in (200, 503)
    # the request the caller gave up on expired in the broker: it did not run after the restart
    time.sleep(2)
    assert not [m for m in platform.smtp.messages() if m["To"] == email]
    retried = requests.post(f"{platform.url}/api/v1/accounts",
                            json={"email": email, "password": PASSWORD, "pseudonym": "Pendant la panne"})
    assert retried.status_code == 202


def test_an_address_the_mail_servers_may_refuse_is_a_clear_400(platform):
    response = requests.post(f"{platform.url}/api/v1/accounts",
                             json={"email": "inès@exemple.fr", "password": PASSWORD, "pseudonym": "Inès"})
    assert response.status_code == 400
    assert response.json()["details"]["email"] == ["Adresse e-mail sans accents ni espaces attendue."]


def test_hostile_requests_get_a_clear_status_and_the_usual_error_body(platform):
    """Issue 12, section 5: what a tester found, through the real server (eventlet answers 414 and 431 itself)."""
    api = f"{platform.url}/api/v1"

    def error_of(response, status: int) -> str:
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"error", "message", "details"} and body["message"]
        return body["error"]

    assert error_of(requests.get(f"{api}/budget/projects", params={"q": "a" * 9000}), 414) == "URI_TOO_LONG"
    assert error_of(requests.get(f"{api}/budget/projects", headers={"X-Long": "b" * 9000}), 431) == "HEADERS_TOO_LARGE"
    deep = requests.post(f"{api}/auth/tokens", data="[" * 1000 + "]" * 1000,
                         headers={"Content-Type": "application/json"})
    assert error_of(deep, 400) == "JSON_TOO_DEEP"
    for path in ("/budget/projects", "/petitions", "/consultations"):
        huge = requests.get(f"{api}{path}", params={"offset": "9223372036854775808"})
        assert error_of(huge, 400) == "VALIDATION_ERROR" and "offset" in huge.json()["details"]
    cycles = requests.get(f"{api}/budget/cycles").json()
    if cycles:
        huge = requests.get(f"{api}/budget/cycles/{cycles[0]['id']}/projects", params={"offset": 2**63})
        assert error_of(huge, 400) == "VALIDATION_ERROR"
    for token in ("x" * 5000, "jéton avec des espaces".encode(), b"\xff\xfe" * 20):
        refused = requests.get(f"{api}/me", headers={"Authorization": b"Bearer " + (
            token if isinstance(token, bytes) else token.encode())})
        assert error_of(refused, 401) == "AUTHENTICATION_REQUIRED"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    assert requests.get(f"{api}/me").headers["WWW-Authenticate"] == 'Bearer realm="hub"'
    trace = requests.request("TRACE", f"{api}/budget/projects")
    assert error_of(trace, 405) == "METHOD_NOT_ALLOWED" and "GET" in trace.headers["Allow"]
    assert "base-uri" in requests.get(f"{platform.url}/connexion").headers["Content-Security-Policy"]


def test_per_ip_login_limits_count_the_address_a_trusted_proxy_saw_and_ignore_a_spoofed_one(platform):
    """A second gateway behind one trusted proxy (HUB_TRUSTED_PROXIES=1) on the same services: the accounts
    service's per-address login limit keys on the forwarded address; the platform's gateway (0 proxies) ignores
    the header, so a client cannot pick the address it is limited by."""
    import subprocess
    import sys
    from hubkit.testing import free_port
    port = free_port()
    proxied = subprocess.Popen([sys.executable, "-m", "gateway"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**platform.env, "HUB_PORT": str(port), "HUB_TRUSTED_PROXIES": "1"})
    behind_proxy = f"http://127.0.0.1:{port}/api/v1/auth/tokens"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        limited, other = f"198.51.100.{time.monotonic_ns() % 200 + 1}", "203.0.113.77"

        def fail_login(url: str, forwarded_for: str) -> int:
            return requests.post(url, headers={"X-Forwarded-For": forwarded_for}, json={
                "email": f"inconnu.{time.monotonic_ns()}@exemple.fr", "password": "mauvais"}).status_code

        statuses = [fail_login(behind_proxy, limited) for _ in range(50)]
        assert statuses == [401] * 50
        assert fail_login(behind_proxy, limited) == 429
        assert fail_login(behind_proxy, f"{limited}, {other}") == 401  # the proxy saw `other`: its own count
        # no proxy trusted: the spoofed header names the limited address, the socket's address is what counts
        assert fail_login(f"{platform.url}/api/v1/auth/tokens", limited) == 401
    finally:
        proxied.terminate()
        proxied.wait(10)

"""HUB_ENV=production: the gateway refuses a guessable secret (the error names the setting), and turns on Secure
cookies and HSTS unless told otherwise; every mode sends a CSP with base-uri."""
import secrets

import pytest

from gateway.app import create_app
from gateway.config import HSTS_PRODUCTION_SECONDS, Settings

STRONG = secrets.token_hex(32)


@pytest.fixture(autouse=True)
def unset_edge_settings(monkeypatch):
    for name in ("HUB_SECRET_KEY", "HUB_COOKIE_SECURE", "HUB_HSTS_SECONDS", "HUB_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("secret", ["", "change-me", "secret", "dev", "compose-placeholder-change-me",
                                    "0123456789abcdef0123456789abcde",  # 31 characters
                                    "please-CHANGE_ME-" + secrets.token_hex(16), "my-placeholder-" + STRONG,
                                    "ab" * 32])
def test_production_refuses_a_missing_short_or_placeholder_secret(secret):
    with pytest.raises(ValueError) as refused:
        Settings(secret_key=secret, environment="production")
    assert "HUB_SECRET_KEY" in str(refused.value) and "production" in str(refused.value)
    if len(secret) >= 16:
        assert secret not in str(refused.value)  # the refusal does not print the secret


def test_the_secret_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("HUB_SECRET_KEY", "change-me")
    with pytest.raises(ValueError, match="HUB_SECRET_KEY"):
        Settings(environment="production")
    monkeypatch.setenv("HUB_SECRET_KEY", STRONG)
    assert Settings(environment="production").secret_key == STRONG


def test_outside_production_a_missing_secret_is_a_fresh_random_one():
    assert len(Settings(environment="test").secret_key) == 64


def test_production_turns_on_secure_cookies_and_hsts_by_default(accounts):
    settings = Settings(secret_key=STRONG, environment="production")
    assert settings.cookie_secure is True and settings.hsts_seconds == HSTS_PRODUCTION_SECONDS
    client = create_app(settings).test_client()
    page = client.get("/connexion")
    assert page.headers["Strict-Transport-Security"] == f"max-age={HSTS_PRODUCTION_SECONDS}"
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("hub_session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert client.get("/api/v1/budget/reference").headers["Strict-Transport-Security"]


def test_outside_production_there_is_no_hsts_and_no_secure_cookie(client):
    page = client.get("/connexion")
    assert "Strict-Transport-Security" not in page.headers
    assert "Secure" not in page.headers["Set-Cookie"]


def test_an_explicit_setting_wins_over_the_production_default(monkeypatch):
    monkeypatch.setenv("HUB_COOKIE_SECURE", "0")
    monkeypatch.setenv("HUB_HSTS_SECONDS", "0")
    settings = Settings(secret_key=STRONG, environment="production")
    assert settings.cookie_secure is False and settings.hsts_seconds == 0


@pytest.mark.parametrize("name, value", [("HUB_HSTS_SECONDS", "-5"), ("HUB_TRUSTED_PROXIES", "-1"),
                                         ("HUB_TRUSTED_PROXIES", "deux")])
def test_a_negative_or_non_numeric_edge_setting_is_refused_by_name(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings(secret_key=STRONG, environment="production")


def test_the_csp_forbids_base_and_framing_everywhere(client):
    for response in (client.get("/connexion"), client.get("/api/v1/me")):
        policy = response.headers["Content-Security-Policy"]
        assert "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy

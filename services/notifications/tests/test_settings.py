"""The unsubscribe links' key: required and strong in production, a fixed development key elsewhere; a bad setting
stops the service with a message naming its variable."""
import pytest

from notifications.settings import DEVELOPMENT_SECRET, load_settings

STRONG = "4f9c2e7a1b8d6035e2c7a9f1b4d8e6c3a7f2b9d1"


def test_production_requires_a_strong_key(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("HUB_NOTIFICATIONS_SECRET", raising=False)
    with pytest.raises(ValueError, match="HUB_NOTIFICATIONS_SECRET"):
        load_settings()
    monkeypatch.setenv("HUB_NOTIFICATIONS_SECRET", "change-me-please-change-me-please-123")
    with pytest.raises(ValueError, match="HUB_NOTIFICATIONS_SECRET"):
        load_settings()
    monkeypatch.setenv("HUB_NOTIFICATIONS_SECRET", STRONG)
    settings = load_settings()
    assert settings.secret == STRONG and STRONG not in repr(settings)  # never in a log line


def test_a_secret_file_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("HUB_NOTIFICATIONS_SECRET", raising=False)
    (tmp_path / "key").write_text(STRONG + "\n")
    monkeypatch.setenv("HUB_NOTIFICATIONS_SECRET_FILE", str(tmp_path / "key"))
    assert load_settings().secret == STRONG


def test_elsewhere_a_fixed_development_key(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "local")
    monkeypatch.delenv("HUB_NOTIFICATIONS_SECRET", raising=False)
    monkeypatch.delenv("HUB_NOTIFICATIONS_SECRET_FILE", raising=False)
    assert load_settings().secret == DEVELOPMENT_SECRET


def test_a_bad_number_names_its_variable(monkeypatch):
    monkeypatch.setenv("NOTIFICATIONS_DIGEST_SECONDS", "souvent")
    with pytest.raises(ValueError, match="NOTIFICATIONS_DIGEST_SECONDS doit être un nombre entier"):
        load_settings()
    monkeypatch.setenv("NOTIFICATIONS_DIGEST_SECONDS", "0")
    with pytest.raises(ValueError, match="NOTIFICATIONS_DIGEST_SECONDS doit être un nombre entier d'au moins 1"):
        load_settings()

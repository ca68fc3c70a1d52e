"""The City's settings for petitions: one object, from the same PETITIONS_* variables as before, with the same
defaults; a bad value stops the service with a message naming its variable."""
import pytest

from petitions.settings import Settings, load_settings

VARIABLES = ("SPONSORS_REQUIRED", "MODERATION_DAYS", "OPEN_MONTHS", "THRESHOLD", "ELIGIBILITY", "SIGN_IP_PER_MINUTE",
             "SIGN_IP_PER_HOUR", "SIGN_ACCOUNT_PER_MINUTE", "SIGN_ACCOUNT_PER_HOUR", "DRAFTS_PER_HOUR",
             "SPONSOR_REQUESTS_PER_HOUR", "CHART_CACHE_SECONDS", "SIGNER_IP_RETENTION_DAYS", "SWEEP_SECONDS",
             "IP_PURGE_SECONDS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(f"PETITIONS_{name}", raising=False)


def test_the_defaults_are_the_city_s():
    settings = load_settings()
    assert settings.model_dump() == {
        "sponsors_required": 5, "moderation_days": 7, "open_months": 12, "threshold": 5000,
        "eligibility": "live_work_study", "sign_ip_per_minute": 30, "sign_ip_per_hour": 300,
        "sign_account_per_minute": 5, "sign_account_per_hour": 60, "drafts_per_hour": 5,
        "sponsor_requests_per_hour": 30, "chart_cache_seconds": 2, "signer_ip_retention_days": 90,
        "sweep_seconds": 30, "ip_purge_seconds": 3600}


def test_every_variable_is_read_under_its_name(monkeypatch):
    for number, name in enumerate(VARIABLES, start=1):
        monkeypatch.setenv(f"PETITIONS_{name}", "paris_residents" if name == "ELIGIBILITY" else str(number))
    settings = load_settings()
    assert [getattr(settings, name.lower()) for name in VARIABLES] == [
        "paris_residents" if name == "ELIGIBILITY" else number for number, name in enumerate(VARIABLES, start=1)]


def test_an_empty_variable_keeps_the_default(monkeypatch):
    monkeypatch.setenv("PETITIONS_THRESHOLD", "")
    assert load_settings().threshold == 5000


@pytest.mark.parametrize("name, value, message", [
    ("THRESHOLD", "beaucoup", "PETITIONS_THRESHOLD doit être un nombre entier (reçu : 'beaucoup')."),
    ("OPEN_MONTHS", "0", "PETITIONS_OPEN_MONTHS doit être un nombre entier d'au moins 1 (reçu : '0')."),
    ("SPONSORS_REQUIRED", "-1", "PETITIONS_SPONSORS_REQUIRED doit être un nombre entier d'au moins 0"),
    ("ELIGIBILITY", "everyone", "PETITIONS_ELIGIBILITY doit être l'une des valeurs ['live_work_study', "
                                "'paris_residents'] (reçu : 'everyone')."),
])
def test_a_bad_value_stops_the_start_naming_its_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(f"PETITIONS_{name}", value)
    with pytest.raises(ValueError) as refused:
        load_settings()
    assert message in str(refused.value)


def test_values_out_of_range_are_refused_and_the_settings_do_not_change():
    with pytest.raises(ValueError):
        Settings(threshold=0)
    with pytest.raises(ValueError):
        Settings(eligibility="everyone")
    settings = Settings(sponsors_required=0)
    assert settings.sponsors_required == 0
    with pytest.raises(ValueError):
        settings.threshold = 10

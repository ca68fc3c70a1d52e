"""The routing service's settings: the same ROUTING_* variables as before, read once, validated; a bad value
stops the process with a message naming its variable."""
import ipaddress

import pytest
from pydantic import ValidationError

from routing.settings import Settings, load_settings

VARIABLES = ("ROUTING_UNDO_SECONDS", "ROUTING_WEBHOOK_BACKOFF_SECONDS", "ROUTING_WEBHOOK_MAX_ATTEMPTS",
             "ROUTING_WEBHOOK_TIMEOUT_SECONDS", "ROUTING_DEADLINE_DAY_SECONDS", "ROUTING_ALLOW_HTTP_WEBHOOKS",
             "ROUTING_WEBHOOK_ALLOWED_NETWORKS", "ROUTING_RECONCILE_GRACE_SECONDS", "ROUTING_SWEEP_SECONDS",
             "ROUTING_DELIVERY_SECONDS", "ROUTING_RECONCILE_SECONDS")


@pytest.fixture
def environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUB_ENV", "production")
    return monkeypatch


def test_the_defaults_are_production_ones(environment):
    settings = load_settings()
    assert (settings.undo_seconds, settings.webhook_backoff_seconds, settings.webhook_max_attempts,
            settings.webhook_timeout_seconds, settings.day_seconds, settings.reconcile_grace_seconds) == (
        60, 30.0, 15, 5.0, 86400, 60.0)
    assert (settings.sweep_seconds, settings.delivery_seconds, settings.reconcile_seconds) == (5.0, 5.0, 300.0)
    assert settings.webhook_allowed_networks == () and settings.allow_plain_http is False


def test_each_variable_keeps_its_name(environment):
    values = {"ROUTING_UNDO_SECONDS": "0", "ROUTING_WEBHOOK_BACKOFF_SECONDS": "2.5",
              "ROUTING_WEBHOOK_MAX_ATTEMPTS": "3", "ROUTING_WEBHOOK_TIMEOUT_SECONDS": "1.5",
              "ROUTING_DEADLINE_DAY_SECONDS": "60", "ROUTING_ALLOW_HTTP_WEBHOOKS": "yes",
              "ROUTING_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8, 10.20.0.0/16",
              "ROUTING_RECONCILE_GRACE_SECONDS": "0", "ROUTING_SWEEP_SECONDS": "1", "ROUTING_DELIVERY_SECONDS": "2",
              "ROUTING_RECONCILE_SECONDS": "30"}
    for name, value in values.items():
        environment.setenv(name, value)
    settings = load_settings()
    assert (settings.undo_seconds, settings.webhook_backoff_seconds, settings.webhook_max_attempts,
            settings.webhook_timeout_seconds, settings.day_seconds, settings.reconcile_grace_seconds) == (
        0, 2.5, 3, 1.5, 60, 0.0)
    assert (settings.sweep_seconds, settings.delivery_seconds, settings.reconcile_seconds) == (1.0, 2.0, 30.0)
    assert settings.allow_plain_http is True
    assert settings.webhook_allowed_networks == (ipaddress.ip_network("127.0.0.0/8"),
                                                 ipaddress.ip_network("10.20.0.0/16"))


@pytest.mark.parametrize("hub_env, variable, allowed", [
    ("production", None, False), ("local", None, True), ("test", None, True),
    ("production", "1", True), ("production", "true", True), ("test", "0", False), ("local", "no", False),
])
def test_plain_http_webhooks_follow_the_mode_unless_said(environment, hub_env, variable, allowed):
    environment.setenv("HUB_ENV", hub_env)
    if variable is not None:
        environment.setenv("ROUTING_ALLOW_HTTP_WEBHOOKS", variable)
    assert load_settings().allow_plain_http is allowed


def test_an_empty_variable_is_the_default(environment):
    environment.setenv("ROUTING_UNDO_SECONDS", "")
    assert load_settings().undo_seconds == 60


@pytest.mark.parametrize("name, value", [
    ("ROUTING_UNDO_SECONDS", "soixante"), ("ROUTING_UNDO_SECONDS", "-1"), ("ROUTING_WEBHOOK_MAX_ATTEMPTS", "0"),
    ("ROUTING_WEBHOOK_TIMEOUT_SECONDS", "0"), ("ROUTING_SWEEP_SECONDS", "vite"),
    ("ROUTING_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8 intranet"),
])
def test_a_bad_value_stops_the_process_naming_its_variable(environment, name, value):
    environment.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        load_settings()
    assert name in str(refused.value) and repr(value) in str(refused.value)
    assert str(refused.value).startswith("Réglages du routage invalides")


def test_the_settings_are_built_by_field_name_in_tests_and_never_change():
    settings = Settings(undo_seconds=0, webhook_allowed_networks="127.0.0.0/8", allow_plain_http=True)
    assert settings.undo_seconds == 0 and settings.webhook_allowed_networks == (ipaddress.ip_network("127.0.0.0/8"),)
    with pytest.raises(ValidationError):
        settings.undo_seconds = 5
    with pytest.raises(ValidationError):
        Settings(webhook_max_attempts=0)

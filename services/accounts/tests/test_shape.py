"""What the common shape of a service brings to accounts: one settings object read from the same variables, the
directions served as before, and datetimes that carry their timezone on the wire. SQLite and PostgreSQL."""
import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from accounts import domain
from accounts.handlers import Accounts, utcnow
from accounts.schemas import (AccountSchema, EmailDomainSchema, LoginResultSchema, PrincipalSchema,
                              PublicProfileSchema, SessionSchema)
from accounts.service import AccountsService
from accounts.settings import AccountsSettings
from tests.wire_times import moments, without_offset
from hubkit.clock import aware

PASSWORD = "Des-Arbres-Partout-2026"
CLIENT = {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}
VARIABLES = {"ACCOUNTS_LOGIN_FAILURES_PER_IP": "login_failures_per_ip",
             "ACCOUNTS_LOGIN_FAILURES_PER_ACCOUNT_AND_IP": "login_failures_per_account_and_ip",
             "ACCOUNTS_REGISTRATIONS_PER_IP": "registrations_per_ip",
             "ACCOUNTS_EMAIL_CHANGES_PER_ACCOUNT": "email_changes_per_account",
             "ACCOUNTS_EMAIL_CHANGES_PER_IP": "email_changes_per_ip",
             "ACCOUNTS_SESSION_IDLE_HOURS": "session_idle_hours", "ACCOUNTS_SESSION_DAYS": "session_days",
             "ACCOUNTS_STAFF_SESSION_IDLE_MINUTES": "staff_session_idle_minutes",
             "ACCOUNTS_STAFF_SESSION_HOURS": "staff_session_hours"}


# --- one settings object --------------------------------------------------------------------------------------

def test_settings_keep_their_defaults_and_variable_names(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    defaults = AccountsSettings()
    assert (defaults.login_failures_per_ip, defaults.login_failures_per_account_and_ip, defaults.registrations_per_ip,
            defaults.email_changes_per_account, defaults.email_changes_per_ip) == (50, 5, 30, 5, 20)
    assert defaults.citizen_sessions == domain.SessionTimeouts(idle=timedelta(days=7), absolute=timedelta(days=30))
    assert defaults.staff_sessions == domain.SessionTimeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    for number, name in enumerate(VARIABLES, start=2):
        monkeypatch.setenv(name, str(number))
    assert AccountsSettings().model_dump() == {field: number for number, field in enumerate(VARIABLES.values(),
                                                                                             start=2)}


@pytest.mark.parametrize("name", sorted(VARIABLES))
@pytest.mark.parametrize("value", ["beaucoup", "0", "-3"])
def test_a_bad_value_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as bad:
        AccountsSettings()
    assert name in str(bad.value)


@pytest.fixture
def run(store, throttle):
    def run(method, *args, settings=None):
        with store.uow() as uow:
            return getattr(Accounts(uow, throttle, settings=settings), method)(*args)
    return run


def signed_in(run, store, email="camille@exemple.fr", settings=None) -> dict:
    run("register", {"email": email, "password": PASSWORD, "pseudonym": email.split("@")[0], "client": CLIENT})
    run("verify_email", store.link_token(email))
    return run("login", {"email": email, "password": PASSWORD, "session_kind": "browser", "client": CLIENT},
               settings=settings)


def test_a_session_ends_as_the_settings_say(run, store):
    short = AccountsSettings(session_days=1, session_idle_hours=2)
    login = signed_in(run, store, settings=short)
    assert login["principal"]["expires_at"] <= utcnow() + timedelta(hours=2)
    assert aware(store.rows("sessions")[0].expires_at) <= utcnow() + timedelta(days=1)


# --- the directions, as other services read them --------------------------------------------------------------

def test_reference_data_serves_the_directions_with_codes_and_names():
    answer = AccountsService.reference_data(None)
    assert answer["directions"] == [{"code": code, "name": name} for code, name in domain.DIRECTIONS.items()]
    assert all(re.fullmatch(r"[A-Z]{2,8}", direction["code"]) for direction in answer["directions"])
    assert {"roles", "grantable_roles", "directions", "arrondissements"} <= set(answer)


def test_reference_data_serves_the_arrondissements_and_their_postcodes():
    arrondissements = AccountsService.reference_data(None)["arrondissements"]
    assert [row["number"] for row in arrondissements] == list(range(1, 21))
    assert arrondissements[0] == {"number": 1, "name": "1er arrondissement", "postcodes": ["75001"]}
    assert arrondissements[15]["postcodes"] == ["75016", "75116"]
    for row in arrondissements:  # what accounts serves is what it checks a postcode against
        assert all(domain.arrondissement_for_postcode(code) == row["number"] for code in row["postcodes"])


# --- datetimes carry their timezone on the wire ---------------------------------------------------------------

def test_every_datetime_the_schemas_dump_carries_its_timezone(run, store):
    login = signed_in(run, store)
    account_id = login["principal"]["account_id"]
    dumped = [
        LoginResultSchema().dump(login),
        PrincipalSchema().dump(run("resolve_session", login["token"])),
        AccountSchema().dump(run("get_account", account_id)),
        SessionSchema(many=True).dump(run("list_sessions", account_id, login["principal"]["session_id"])),
        PublicProfileSchema(many=True).dump(run("public_profiles", [account_id])),
        EmailDomainSchema(many=True).dump(run("email_domains", [account_id])),
    ]
    found = moments(dumped)
    assert len(found) >= 8
    assert without_offset(found) == []

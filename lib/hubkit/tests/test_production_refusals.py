"""Production (HUB_ENV=production, also when HUB_ENV is unset) refuses SQLite and mail written to a folder: each
refusal names its variable, in French, before anything is opened."""
import os
import subprocess
import sys

import pytest

from hubkit.config import database_url, mail_url
from hubkit.mail import SmtpTransport, transport_from_url


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "production")
    monkeypatch.delenv("ACCOUNTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_MAIL_URL", raising=False)


@pytest.mark.parametrize("url, problem", [
    (None, "absent"), ("", "absent"), ("sqlite:////var/lib/hub/accounts.db", "pas une base PostgreSQL"),
    ("mysql://hub@db/accounts", "pas une base PostgreSQL"), ("postgresql-ish", "pas une base PostgreSQL")])
def test_production_refuses_a_database_that_is_not_postgresql(production, monkeypatch, url, problem):
    if url is not None:
        monkeypatch.setenv("ACCOUNTS_DATABASE_URL", url)
    with pytest.raises(ValueError, match=f"ACCOUNTS_DATABASE_URL refusé en production.*{problem}"):
        database_url("accounts")


def test_hub_env_unset_is_production(monkeypatch):
    monkeypatch.delenv("HUB_ENV")
    monkeypatch.delenv("ACCOUNTS_DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="ACCOUNTS_DATABASE_URL"):
        database_url("accounts")


@pytest.mark.parametrize("url", ["postgresql://hub:pw@postgres:5432/accounts",
                                 "postgresql+psycopg://hub:pw@postgres/accounts", "postgres://hub@pg/accounts"])
def test_production_takes_a_postgresql_url(production, monkeypatch, url):
    monkeypatch.setenv("ACCOUNTS_DATABASE_URL", url)
    assert database_url("accounts") == url


@pytest.mark.parametrize("environment", ["local", "test"])
def test_outside_production_a_missing_database_is_a_sqlite_file(monkeypatch, tmp_path, environment):
    monkeypatch.setenv("HUB_ENV", environment)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("ACCOUNTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("HUB_MAIL_URL", raising=False)
    assert database_url("accounts") == f"sqlite:///{tmp_path / 'accounts.db'}"
    assert mail_url() == f"file://{tmp_path / 'mail'}"


@pytest.mark.parametrize("url, problem", [
    (None, "absent"), ("file:///var/lib/hub/mail", "file:// n'envoie rien"), ("http://mail.example.fr", "http://")])
def test_production_refuses_mail_that_reaches_nobody(production, monkeypatch, url, problem):
    if url is not None:
        monkeypatch.setenv("HUB_MAIL_URL", url)
    with pytest.raises(ValueError, match=f"HUB_MAIL_URL refusé en production.*{problem}"):
        mail_url()
    with pytest.raises(ValueError, match="HUB_MAIL_URL refusé en production"):
        transport_from_url()  # what the mail relay builds when its service starts


def test_production_sends_mail_through_smtp(production, monkeypatch):
    monkeypatch.setenv("HUB_MAIL_URL", "smtp://relay:p%40ss@mail.paris.fr:587?starttls=1")
    transport = transport_from_url()
    assert isinstance(transport, SmtpTransport) and (transport.host, transport.port) == ("mail.paris.fr", 587)


def test_a_migration_in_production_without_its_database_stops_with_the_variable_named(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_DATABASE_URL")}
    environment.update(HUB_ENV="production", HUB_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "accounts", "migrate"], env=environment, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "ACCOUNTS_DATABASE_URL refusé en production" in done.stderr
    assert not list(tmp_path.glob("*.db"))  # no SQLite file was created on the way

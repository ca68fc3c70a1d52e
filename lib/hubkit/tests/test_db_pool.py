"""The PostgreSQL pool of a process and its prepared statements, set from the environment (hubkit.db)."""
import pytest
import sqlalchemy as sa

from hubkit.db import make_engine
from hubkit.runner import database_settings_problem
from hubkit.testing import ADMIN_URL

SOME_POSTGRES = "postgresql://hub@127.0.0.1:1/hub"  # never connected to: a pool is built without connecting


@pytest.fixture(autouse=True)
def _no_pool_settings(monkeypatch):
    for name in ("HUB_DB_POOL_SIZE", "HUB_DB_MAX_OVERFLOW", "HUB_DB_POOL_TIMEOUT", "HUB_DB_PREPARED_STATEMENTS"):
        monkeypatch.delenv(name, raising=False)


def _pool_of(engine: sa.Engine) -> tuple:
    pool = engine.pool
    engine.dispose()
    return pool.size(), pool._max_overflow, pool.timeout()


def test_the_defaults():
    assert _pool_of(make_engine(SOME_POSTGRES)) == (10, 20, 30.0)


def test_the_environment_sets_the_pool(monkeypatch):
    monkeypatch.setenv("HUB_DB_POOL_SIZE", "4")
    monkeypatch.setenv("HUB_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("HUB_DB_POOL_TIMEOUT", "2.5")
    assert _pool_of(make_engine(SOME_POSTGRES)) == (4, 0, 2.5)


def test_arguments_given_to_make_engine_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("HUB_DB_POOL_SIZE", "4")
    assert _pool_of(make_engine(SOME_POSTGRES, pool_size=7))[0] == 7


def test_sqlite_keeps_its_one_connection(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_DB_POOL_SIZE", "4")
    assert _pool_of(make_engine(f"sqlite:///{tmp_path / 'x.db'}"))[:2] == (1, 0)


@pytest.mark.parametrize("name, value, message", [
    ("HUB_DB_POOL_SIZE", "dix", "HUB_DB_POOL_SIZE doit être un nombre entier (reçu : 'dix')."),
    ("HUB_DB_POOL_SIZE", "0", "HUB_DB_POOL_SIZE doit être au moins 1 (reçu : 0)."),
    ("HUB_DB_MAX_OVERFLOW", "-1", "HUB_DB_MAX_OVERFLOW doit être positif ou nul (reçu : -1)."),
    ("HUB_DB_MAX_OVERFLOW", "2.5", "HUB_DB_MAX_OVERFLOW doit être un nombre entier (reçu : '2.5')."),
    ("HUB_DB_POOL_TIMEOUT", "0", "HUB_DB_POOL_TIMEOUT doit être un nombre de secondes positif (reçu : 0.0)."),
    ("HUB_DB_POOL_TIMEOUT", "nan", "HUB_DB_POOL_TIMEOUT doit être un nombre de secondes positif (reçu : nan)."),
    ("HUB_DB_POOL_TIMEOUT", "inf", "HUB_DB_POOL_TIMEOUT doit être un nombre de secondes positif (reçu : inf)."),
    ("HUB_DB_POOL_TIMEOUT", "bientôt", "HUB_DB_POOL_TIMEOUT doit être un nombre (reçu : 'bientôt')."),
    ("HUB_DB_PREPARED_STATEMENTS", "peut-être", "HUB_DB_PREPARED_STATEMENTS doit valoir 1 ou 0 (reçu : 'peut-être')."),
])
def test_a_bad_value_is_refused_by_name_at_start(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        make_engine(SOME_POSTGRES)
    assert str(refused.value) == message
    assert database_settings_problem("petitions") == f"petitions : {message}"  # run_service exits with it


def test_good_settings_raise_no_problem(monkeypatch):
    monkeypatch.setenv("HUB_DB_PREPARED_STATEMENTS", "off")
    assert database_settings_problem("petitions") is None


@pytest.mark.integration
@pytest.mark.parametrize("setting, prepared", [(None, 1), ("1", 1), ("0", 0), ("false", 0)])
def test_prepared_statements_can_be_turned_off_for_pgbouncer(monkeypatch, setting, prepared):
    """psycopg prepares a query on the server from its 5th run; off, it never does (pg_prepared_statements lists
    the statements prepared through the protocol too)."""
    if setting is not None:
        monkeypatch.setenv("HUB_DB_PREPARED_STATEMENTS", setting)
    engine = make_engine(ADMIN_URL)
    with engine.connect() as connection:
        for number in range(8):
            connection.execute(sa.text("SELECT CAST(:number AS integer) + 1"), {"number": number})
        assert connection.execute(sa.text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%+ 1'")).scalar() == prepared
    engine.dispose()

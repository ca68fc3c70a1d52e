"""hubkit.migrations' lock and hubkit.runner's start-up check of the database revision.

The sample migrations (hubkit_sample_migrations/) have two revisions, 0001 and 0002, as a service's have.
The race of two real `migrate` processes is tests/integration/test_migration_race.py.
"""
import logging
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from hubkit.migrations import migration_lock, migration_lock_key
from hubkit.runner import database_revision_problem, migrate
from hubkit.testing import ADMIN_URL, _admin_execute, _postgres_url

SAMPLE = Path(__file__).parent / "hubkit_sample_migrations"
SERVICE = "hubkit_sample"


@pytest.fixture
def empty_url(database_kind):
    if database_kind == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='hubkit-migrations-')) / 'sample.db'}"
        return
    name = f"hubkit_test_mig_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(name)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(url: str, statement: str):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def test_the_lock_key_is_the_same_in_every_process_and_differs_by_service():
    # a fixed value: Python's hash() would give another in each process, and two replicas would not meet
    assert migration_lock_key("petitions") == migration_lock_key("petitions") == -1686767298528670449
    assert migration_lock_key("petitions") != migration_lock_key("budget")
    assert all(-2 ** 63 <= migration_lock_key(name) < 2 ** 63 for name in ("accounts", "ideas", "routing"))


def test_a_database_never_migrated_is_refused(empty_url):
    problem = database_revision_problem(SERVICE, SAMPLE, empty_url)
    assert "révision aucune (base jamais migrée)" in problem
    assert "le code attend 0002" in problem and "« python -m hubkit_sample migrate »" in problem


def test_a_database_behind_the_code_is_refused(empty_url):
    migrate(SERVICE, SAMPLE, empty_url, revision="0001")
    problem = database_revision_problem(SERVICE, SAMPLE, empty_url)
    assert problem.startswith("hubkit_sample : la base de données (")
    assert "révision 0001, le code attend 0002" in problem


def test_a_database_at_head_is_accepted(empty_url, caplog):
    migrate(SERVICE, SAMPLE, empty_url)
    with caplog.at_level(logging.WARNING, logger="hubkit.runner"):
        assert database_revision_problem(SERVICE, SAMPLE, empty_url) is None
    assert not caplog.records


def test_a_database_ahead_of_the_code_is_accepted_and_logged(empty_url, caplog):
    """The next release migrated (an expand step, revision 0003 this code does not know) while this one runs on."""
    migrate(SERVICE, SAMPLE, empty_url)
    _execute(empty_url, "UPDATE alembic_version SET version_num = '0003'")
    with caplog.at_level(logging.WARNING, logger="hubkit.runner"):
        assert database_revision_problem(SERVICE, SAMPLE, empty_url) is None
    [record] = caplog.records
    assert (record.database_revisions, record.code_revisions) == ("0003", "0002")


def test_an_unreachable_database_is_refused_with_its_address_and_no_password():
    url = "postgresql://hub:s3cr3t-pass@127.0.0.1:1/hub"  # port 1: nothing listens
    problem = database_revision_problem(SERVICE, SAMPLE, url)
    assert problem.startswith(
        "hubkit_sample : base de données injoignable (postgresql+psycopg://hub:***@127.0.0.1:1/hub) : ")
    assert "s3cr3t" not in problem


def test_the_lock_does_nothing_on_sqlite(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        with migration_lock(connection, "petitions"):
            assert not connection.in_transaction()  # no statement was sent
    engine.dispose()


@pytest.mark.integration
def test_the_lock_is_held_meanwhile_and_released_after_a_failure():
    name = f"hubkit-test-{uuid.uuid4().hex}"
    key = migration_lock_key(name)
    engine = sa.create_engine(ADMIN_URL, poolclass=sa.pool.NullPool)
    with engine.connect() as migrating, engine.connect() as other:
        def other_gets_it() -> bool:
            got = other.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            if got:
                other.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            other.commit()
            return got

        with pytest.raises(sa.exc.DataError):
            with migration_lock(migrating, name):
                assert not other_gets_it()
                migrating.execute(sa.text("SELECT 1 / 0"))  # a failing migration leaves its transaction aborted
        assert other_gets_it()
    engine.dispose()


def test_a_failed_migration_raises_its_error_and_leaves_the_lock_free(empty_url):
    _execute(empty_url, "CREATE TABLE notes (id INTEGER PRIMARY KEY)")  # revision 0001 will fail on it
    with pytest.raises(sa.exc.DBAPIError, match="notes"):
        migrate(SERVICE, SAMPLE, empty_url)
    if empty_url.startswith("postgresql"):
        engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
        with engine.connect() as other:
            key = migration_lock_key("hubkit_sample_migrations")
            assert other.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        engine.dispose()
    _execute(empty_url, "DROP TABLE notes")
    migrate(SERVICE, SAMPLE, empty_url)
    assert database_revision_problem(SERVICE, SAMPLE, empty_url) is None

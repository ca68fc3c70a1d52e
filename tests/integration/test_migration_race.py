"""Two `python -m ideas migrate` at once on a fresh PostgreSQL database: both succeed, one after the other.

Two replicas' migration Jobs (or a Job retried while the first attempt still runs) used to race: both saw an
empty database, both created `alembic_version` and the first tables, and one failed on a duplicate. The test
holds the service's migration lock itself, starts both runs, waits until both queue behind it (pg_locks),
then lets go: whichever wins migrates, the other then finds the head and does nothing. Without the lock
neither run would wait, and the test fails at its first step. ideas has the longest chain of migrations.
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from hubkit.migrations import migration_lock_key
from hubkit.runner import alembic_config, migrate
from hubkit.testing import _admin_execute, _postgres_url

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "services/ideas/ideas"


@pytest.fixture
def empty_database():
    name = f"hub_test_race_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(name, direct=True)  # as a migration Job reaches PostgreSQL: not through a pooler
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _waiting_for(connection, key: int) -> int:
    """How many sessions wait for the advisory lock `key` (a bigint key shows as classid = high, objid = low half)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return connection.execute(sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) AND classid = :high AND objid = :low "
        "AND objsubid = 1"), {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}).scalar()


def test_two_concurrent_migrations_both_succeed(empty_database):
    key = migration_lock_key("ideas")
    env = {**os.environ, "IDEAS_DATABASE_URL": empty_database, "HUB_ENV": "test",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    engine = sa.create_engine(empty_database, poolclass=sa.pool.NullPool)
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        runs = [subprocess.Popen([sys.executable, "-m", "ideas", "migrate"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        try:
            deadline = time.monotonic() + 60
            while _waiting_for(holder, key) < 2:
                exited = [run.stdout.read() for run in runs if run.poll() is not None]
                assert not exited, f"a migration ran without waiting for the lock: {exited}"
                assert time.monotonic() < deadline, "the migrations never queued for the lock"
                time.sleep(0.05)
            holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            outputs = [run.communicate(timeout=120)[0] for run in runs]
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
                    run.wait()
    assert [run.returncode for run in runs] == [0, 0], outputs

    heads = ScriptDirectory.from_config(alembic_config(PACKAGE_DIR, empty_database)).get_heads()
    from ideas.models import Base
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == heads
        tables = set(sa.inspect(connection).get_table_names())
        assert _waiting_for(connection, key) == 0
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def _start_ideas(url: str, stderr=subprocess.PIPE) -> subprocess.Popen:
    from hubkit.testing import free_port
    env = {**os.environ, "IDEAS_DATABASE_URL": url, "HUB_ENV": "test", "IDEAS_HTTP_PORT": str(free_port()),
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    return subprocess.Popen([sys.executable, "-m", "ideas", "run"], env=env, stdout=subprocess.PIPE, stderr=stderr,
                            text=True)


def test_a_service_refuses_a_database_behind_its_code_in_one_french_sentence(empty_database):
    migrate("ideas", PACKAGE_DIR, empty_database, revision="0003")
    service = _start_ideas(empty_database)
    _stdout, stderr = service.communicate(timeout=60)
    assert service.returncode == 1
    assert "Traceback" not in stderr
    last_line = stderr.strip().splitlines()[-1]
    shown = sa.engine.make_url(empty_database).render_as_string(hide_password=True)
    assert last_line.startswith(f"ideas : la base de données ({shown}) n'est pas à jour"), last_line
    [head] = ScriptDirectory.from_config(alembic_config(PACKAGE_DIR, empty_database)).get_heads()
    assert f"révision 0003, le code attend {head}. Lancez d'abord « python -m ideas migrate »." in last_line


def test_a_service_starts_on_a_database_one_release_ahead(empty_database):
    """Its replicas still run while the next release's expand migration (a revision unknown here) is applied."""
    migrate("ideas", PACKAGE_DIR, empty_database)
    engine = sa.create_engine(empty_database, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'next_release'"))
    engine.dispose()
    service = _start_ideas(empty_database, stderr=subprocess.STDOUT)
    try:
        started = _read_until(service, '"starting service"')
    finally:
        service.terminate()
        service.communicate(timeout=30)
    warned = [line for line in started if "database ahead of this release's migrations" in line]
    assert warned and '"database_revisions": "next_release"' in warned[0], started


def _read_until(process: subprocess.Popen, marker: str) -> list:
    """The lines `process` wrote on stdout up to the first holding `marker` (all of them if it exits first)."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            break
    return lines

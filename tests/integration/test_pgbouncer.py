"""The petitions service's PostgreSQL suite through PgBouncer in transaction mode (issue 13, §3).

Production may put a pooler (PgBouncer, CloudNativePG's Pooler) between the services and PostgreSQL, in
transaction mode: each transaction may run on another server connection, so nothing may outlive a transaction
on the server side. psycopg prepares a statement on the server from its fifth run, which breaks there
("prepared statement ... does not exist"): HUB_DB_PREPARED_STATEMENTS=0 turns that off (hubkit.db). The test
starts a pgbouncer of its own (Debian's package; dev/ensure-test-tools.sh installs it) on a free port in front
of the test server, and runs the petitions suite's PostgreSQL tests (all of them) in a subprocess with their connections
through it (hubkit.testing_databases: HUB_TEST_POSTGRES_POOLER_URL; CREATE DATABASE and migrations go straight to
the server). Then pgbouncer's own statistics show that it carried the suite's databases. The suite alone would
pass with prepared statements on (one test at a time seldom meets another client on a server connection): a
second test shows what they break.
"""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from hubkit.db import make_engine
from hubkit.testing import ADMIN_URL, free_port, wait_for_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# The whole of petitions' PostgreSQL suite (88 tests when written): its use cases, its signature batches (multi-row
# VALUES, arrays, counters under FOR UPDATE), its events (nameko containers with their pools, the outbox relay with
# SKIP LOCKED, consumers), fraud, idempotency keys and retention.
SUITE = ["services/petitions/tests"]


def _pgbouncer_program() -> str:
    # Debian installs it in /usr/sbin, which a user's PATH may not hold
    program = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")
    if program is None:
        pytest.fail("pgbouncer is not installed: run dev/ensure-test-tools.sh (make test-tools)")
    return program


@pytest.fixture(scope="module")
def pgbouncer():
    """A pgbouncer in transaction mode on a free port, every database name passed on to the test server;
    `probe`, the server's own database behind a pool of one server connection."""
    server = sa.engine.make_url(ADMIN_URL)
    directory = Path(tempfile.mkdtemp(prefix="hub-pgbouncer-"))
    port = free_port()
    # clients are trusted; the password, if the test server wants one, is what pgbouncer logs in with
    (directory / "userlist.txt").write_text(f'"{server.username}" "{server.password or ""}"\n')
    (directory / "pgbouncer.ini").write_text(f"""[databases]
probe = host={server.host} port={server.port or 5432} dbname={server.database} pool_size=1
* = host={server.host} port={server.port or 5432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
admin_users = {server.username}
pool_mode = transaction
default_pool_size = 4
max_client_conn = 500
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
""")
    command = [_pgbouncer_program()]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: it is told whom to become
        user = pwd.getpwnam("postgres" if _has_user("postgres") else "nobody")
        os.chown(directory, user.pw_uid, user.pw_gid)
        command += ["-u", user.pw_name]
    # its log goes to the file only (-q): a pipe nobody reads would fill up and stop it
    process = subprocess.Popen(command + ["-q", str(directory / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        base = f"postgresql+psycopg://{server.username}@127.0.0.1:{port}"
        yield {"port": port, "user": server.username, "url": f"{base}/{server.database}", "probe": f"{base}/probe"}
    finally:
        process.terminate()  # SIGTERM: pgbouncer's immediate shutdown
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _statistics(pgbouncer: dict) -> dict:
    """SHOW STATS of pgbouncer's admin console: database -> its row (the console speaks the simple protocol
    only, hence autocommit and no parameter)."""
    with psycopg.connect(host="127.0.0.1", port=pgbouncer["port"], user=pgbouncer["user"], dbname="pgbouncer",
                         autocommit=True, prepare_threshold=None) as console:
        cursor = console.execute("SHOW STATS")
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row)) for row in cursor.fetchall()}


@pytest.mark.parametrize("setting, refused", [("1", True), ("0", False)])
def test_prepared_statements_must_be_off_behind_pgbouncer(pgbouncer, monkeypatch, setting, refused):
    """Two client connections on one server connection, each running one query in turn: at its fifth run psycopg
    prepares it on the server as `_pg3_0`, the first client's name too, and the second preparation is refused
    (DuplicatePreparedStatement); on a busy pooler the other failure is "does not exist". Off, nothing is prepared."""
    monkeypatch.setenv("HUB_DB_PREPARED_STATEMENTS", setting)
    engines = [make_engine(pgbouncer["probe"]) for _ in range(2)]
    try:
        with engines[0].connect() as first, engines[1].connect() as second:
            def run_both_eight_times():
                for number in range(8):
                    for connection in (first, second):
                        connection.execute(sa.text("SELECT CAST(:number AS integer) * 2"), {"number": number})
                        connection.commit()  # the end of a transaction: pgbouncer may hand the server to the other

            if refused:
                with pytest.raises(sa.exc.ProgrammingError, match='prepared statement "_pg3_0" already exists'):
                    run_both_eight_times()
            else:
                run_both_eight_times()
    finally:
        for engine in engines:
            engine.dispose()


def test_the_petitions_suite_passes_through_pgbouncer_in_transaction_mode(pgbouncer):
    env = {**os.environ, "HUB_TEST_POSTGRES_POOLER_URL": pgbouncer["url"], "HUB_DB_PREPARED_STATEMENTS": "0",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                            "-m", "not unit", "-k", "postgresql", *SUITE], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
    summary = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else ""
    assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-2000:]

    carried = {name: row for name, row in _statistics(pgbouncer).items() if name.startswith("hub_test_petitions_")}
    passed = int(summary.split(" passed")[0].split()[-1])
    # the suite's PostgreSQL tests each work on a fresh database of their own (a few, settings checks, open none):
    # nearly as many databases as passed tests were reached through pgbouncer
    assert passed > 50 and len(carried) >= passed - 3, (summary, sorted(carried))
    assert all(row["total_xact_count"] > 0 for row in carried.values())

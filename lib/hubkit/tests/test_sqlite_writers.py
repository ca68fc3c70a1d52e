"""Two processes writing one local SQLite file (the service and `python -m <service> create-admin`, say): the second
waits for the first instead of failing at once with "database is locked".

In WAL mode a deferred transaction that read, then wants to write after another process committed, cannot be
upgraded (SQLITE_BUSY_SNAPSHOT) and busy_timeout does not help; hubkit starts every SQLite transaction IMMEDIATE, so
writers queue at BEGIN, where busy_timeout waits."""
import subprocess
import sys
import textwrap
import time

import sqlalchemy as sa

from hubkit.db import make_engine

OTHER_WRITER = textwrap.dedent("""
    import sys
    import sqlalchemy as sa
    from hubkit.db import make_engine
    engine = make_engine(sys.argv[1])
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO notes (text) VALUES ('from the other process')"))
""")


def test_a_writer_that_read_first_does_not_fail_when_another_process_writes_meanwhile(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"))
    with engine.connect() as connection:
        with connection.begin():
            assert connection.execute(sa.text("SELECT count(*) FROM notes")).scalar_one() == 0
            other = subprocess.Popen([sys.executable, "-c", OTHER_WRITER, url], stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 3  # deferred: the other commits at once; immediate: it waits for us
            while other.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            connection.execute(sa.text("INSERT INTO notes (text) VALUES ('from this process')"))
        _, errors = other.communicate(timeout=30)
    assert other.returncode == 0, errors
    with engine.connect() as connection:
        assert sorted(connection.execute(sa.text("SELECT text FROM notes")).scalars()) == [
            "from the other process", "from this process"]
    engine.dispose()

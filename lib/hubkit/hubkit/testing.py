"""Test helpers shared by every service's tests: fresh migrated databases, SMTP and broker helpers.

A database is migrated once per test session into a template (a PostgreSQL
template database, or a SQLite file) and each test gets a cheap copy (hubkit.testing_databases).
"""
from contextlib import contextmanager
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from .testing_databases import (ADMIN_URL, FreshDatabase, InMemoryDatabase, _admin_execute,  # noqa: F401
                                _postgres_url, _templates, drop_templates)  # (the tests import them from here)
from .testing_replicas import GATEWAY, command_of, process_env, replica_counts, replica_names
from .testing_ports import free_port, wait_for_port  # noqa: F401 (the tests import them from here)


class ServiceStore:
    """Opens units of work on a service's test database and reads what was written."""

    def __init__(self, url: str, service: str, metadata: sa.MetaData, business_tables: tuple = (),
                 engine: sa.Engine = None):
        from sqlalchemy.orm import sessionmaker

        from .db import make_engine
        self.service, self.metadata, self.business_tables = service, metadata, business_tables
        self.engine = engine if engine is not None else make_engine(url)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    def uow(self):
        from .db import UnitOfWork
        return UnitOfWork(self.factory, self.service, self.metadata)

    def rows(self, table: str, *where):
        with self.factory() as session:
            return session.execute(sa.select(self.metadata.tables[table]).where(*where)).all()

    def one(self, table: str, *where):
        [row] = self.rows(table, *where)
        return row

    def events(self, type_=None) -> list:
        envelopes = [row.envelope for row in self.rows("outbox_events")]
        return [e for e in envelopes if type_ is None or e["type"] == type_]

    def snapshot(self) -> dict:
        """Every business and outbox row, to show that a refused command wrote nothing."""
        return {name: sorted(map(repr, self.rows(name))) for name in self.business_tables}


def service_database_fixtures(service: str, package_dir: Path, metadata: sa.MetaData, business_tables: tuple = (),
                              store_class: type = ServiceStore):
    """The database fixtures every service's tests/conftest.py binds to its own service:

    - `_templates` (session, autouse): drops the migrated template databases when the session ends;
    - `<service>_db`: a fresh database migrated with the service's Alembic migrations (in `package_dir`),
      on each `database_kind` (the root conftest runs it on SQLite and PostgreSQL), dropped after the test;
    - `store`: a `store_class` whose units of work produce events as `service`: on SQLite, an `InMemoryDatabase`
      (no file, no server: the use-case tests of the unit tier), unless the test also asks for `<service>_db`
      (it hands the URL to a container, a migration or a subprocess), then on that same database.

    `_fresh_database` is that same database under a name that does not depend on the service, for `store`.
    Use, in the conftest (pytest finds fixtures among its module's names):
        _templates, _fresh_database, ideas_db, store = service_database_fixtures(SERVICE_NAME, PACKAGE_DIR, ...)
    """
    import pytest

    @pytest.fixture(name="_templates", scope="session", autouse=True)
    def templates():
        yield
        drop_templates()

    @pytest.fixture(name="_fresh_database")
    def fresh_database(database_kind):
        fresh = FreshDatabase(database_kind, service, package_dir)
        yield fresh
        fresh.drop()

    @pytest.fixture(name=f"{service}_db")
    def database(_fresh_database):
        return _fresh_database

    @pytest.fixture(name="store")
    def store(request, database_kind):
        if database_kind == "sqlite" and f"{service}_db" not in request.fixturenames:
            memory = InMemoryDatabase(service, package_dir)
            opened = store_class(memory.url, service, metadata, business_tables, engine=memory.engine)
        else:
            opened = store_class(request.getfixturevalue("_fresh_database").url, service, metadata, business_tables)
        yield opened
        opened.engine.dispose()

    return templates, fresh_database, database, store


def throttle_fixture():
    """A `throttle` fixture: the real Redis, under a prefix of the test's own, emptied afterwards."""
    import pytest

    @pytest.fixture(name="throttle")
    def throttle():
        from .throttle import Throttle, connect
        prefix = f"test:{uuid.uuid4().hex}"
        client = connect()
        yield Throttle(client, prefix=prefix)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)

    return throttle


class SmtpServer:
    """A real SMTP server (aiosmtpd, in its own process) that stores what it receives in a Maildir."""

    def __init__(self, port: int, wait: bool = True):
        """`wait=False`: return as soon as the process is started (then `wait_ready()` before sending to it)."""
        self.port = port
        self.maildir = Path(tempfile.mkdtemp(prefix="hub-smtp-")) / "Maildir"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
             "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        wait_for_port(self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list:
        import mailbox
        if not self.maildir.exists():
            return []
        # Maildir keys start with the delivery time: sorting them gives the order of arrival
        return [message for _key, message in sorted(mailbox.Maildir(str(self.maildir), create=False).items())]

    def wait_for(self, predicate, timeout: float = 15.0):
        """The first received message for which `predicate(message)` is true."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages():
                if predicate(message):
                    return message
            time.sleep(0.1)
        raise AssertionError("no matching e-mail received in time")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        shutil.rmtree(self.maildir.parent, ignore_errors=True)


def body_of(message) -> str:
    if message.is_multipart():
        return "".join(part.get_payload(decode=True).decode() for part in message.walk()
                       if part.get_content_type() == "text/plain")
    return message.get_payload(decode=True).decode()


class Platform:
    """The running platform for end-to-end tests: every service and the gateway as real processes.

    Each platform gets its own RabbitMQ virtual host, fresh databases, a real SMTP server and free ports.
    `replicas` (one count, or {service: count}) and `gateway_processes` run several processes of a part, as a
    deployment does (hubkit.testing_replicas: "petitions#2", one `url` per gateway process in `urls`).
    """

    def __init__(self, services: dict, database_kind: str = "sqlite", replicas=1, gateway_processes: int = 1,
                 broker=None, settings: dict = None):
        """`services`: name -> package directory (where its alembic.ini lives); `broker`: tests/brokers.py's;
        `settings`: environment variables every process of this platform gets (ROUTING_UNDO_SECONDS...)."""
        self.settings = dict(settings or {})
        import requests
        self.replicas = replica_counts(services, replicas, gateway_processes)
        self.workdir = Path(tempfile.mkdtemp(prefix="hub-platform-"))
        self.vhost = f"hub_e2e_{uuid.uuid4().hex[:8]}"
        self.management_url = broker.management_url if broker else "http://127.0.0.1:15672"
        self._management = requests.Session()
        self._management.auth = ("guest", "guest")
        self._management.put(f"{self.management_url}/api/vhosts/{self.vhost}").raise_for_status()
        self._management.put(f"{self.management_url}/api/permissions/{self.vhost}/guest",
                             json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        self.amqp_uri = broker.amqp_uri(self.vhost) if broker else f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        self.smtp, self.databases, self.processes = None, {}, {}
        try:
            self._set_up(services, database_kind)
        except BaseException:
            self.stop()  # nothing half-started is left behind: processes, databases, SMTP, vhost
            raise

    def _set_up(self, services: dict, database_kind: str):
        self.smtp = SmtpServer(free_port(), wait=False)  # its Python starts while the databases are made
        self.gateway_ports = {name: free_port() for name in replica_names(GATEWAY, self.replicas[GATEWAY])}
        self.port = self.gateway_ports[GATEWAY]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.gateway_ports.values()]
        self.url = self.urls[0]
        for name, path in services.items():
            self.databases[name] = FreshDatabase(database_kind, name, path)
        self.smtp.wait_ready()
        self.env = {**os.environ, "HUB_ENV": "test", "HUB_AMQP_URI": self.amqp_uri, "HUB_PORT": str(self.port),
                    "HUB_PUBLIC_URL": self.url, "HUB_MAIL_URL": self.smtp.url, "HUB_VAR_DIR": str(self.workdir),
                    "HUB_SERVICES": ",".join(services), "HUB_SECRET_KEY": uuid.uuid4().hex,
                    "HUB_REDIS_PREFIX": self.vhost, "ACCOUNTS_REGISTRATIONS_PER_IP": "1000",
                    # the back office's paging test has one carrier submit a few dozen projects
                    "BUDGET_SUBMISSIONS_PER_DAY": "1000",
                    "PYTHONWARNINGS": "ignore::DeprecationWarning", **self.settings}
        self.http_ports = {}
        for name, database in self.databases.items():
            self.env[f"{name.upper()}_DATABASE_URL"] = database.url
            self.http_ports.update({replica: free_port() for replica in replica_names(name, self.replicas[name])})
            self.env[f"{name.upper()}_HTTP_PORT"] = str(self.http_ports[name])
        for base, count in self.replicas.items():  # the gateway last
            for name in replica_names(base, count):
                self._start(name, command_of(name))
        self.wait_ready()

    def _start(self, name: str, command: list):
        log = open(self.workdir / f"{name}.log", "wb")
        env = process_env(self.env, name, self.http_ports, self.gateway_ports)
        self.processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0):
        import requests
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name)[-3000:]}")
            try:  # /statusz: every service answers (/readyz only says that a gateway process could serve)
                if all(requests.get(f"{url}/statusz", timeout=2).status_code == 200 for url in self.urls):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError("the platform did not become ready:\n" + "\n".join(
            f"--- {name}\n{self.log(name)[-2000:]}" for name in self.processes))

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_lines(self, name: str) -> list:
        import json
        lines = []
        for line in self.log(name).splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
        return lines

    def stop_process(self, name: str):
        process = self.processes[name]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    def restart_process(self, name: str):
        self.stop_process(name)
        self._start(name, command_of(name))

    def stop(self):
        # All at once: each nameko service waits for its running workers before it exits, and one by one those
        # waits add up on every platform a test module starts.
        running = [process for process in self.processes.values() if process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 15
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for database in self.databases.values():
            database.drop()
        if self.smtp is not None:
            self.smtp.stop()
        from .throttle import connect
        client = connect()
        for key in client.scan_iter(f"{self.vhost}:*"):
            client.delete(key)
        self._management.delete(f"{self.management_url}/api/vhosts/{self.vhost}")
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def signed_proxy(service: str, config: dict, actor: dict = None, identity: str = "gateway",
                 context_data: dict = None):
    """A standalone proxy to `service` whose calls are signed as the gateway signs them for `actor` (None: a
    visitor), or as the service `identity` (hubkit.trust): what tests use to call a running service."""
    from .rpc import SignedClusterRpcProxy
    from .trust import SUBJECT_KEY, subject_of
    data = dict(context_data or {})
    if actor is not None and identity == "gateway":
        data[SUBJECT_KEY] = subject_of({"account_id": str(actor["account_id"]), "roles": actor.get("roles", []),
                                        "direction": actor.get("direction")})
    with SignedClusterRpcProxy(config, identity=identity, context_data=data) as cluster:
        yield getattr(cluster, service)

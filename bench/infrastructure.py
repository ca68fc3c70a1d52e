"""The bench's isolated platform: free ports, processes started and stopped in order, a private RabbitMQ vhost, a
fresh PostgreSQL database, and the probes that tell when it is ready (used by platform_setup.py and ballots.py)."""
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
PASSWORD = "Bench-Password-2026!"
RABBIT_API, RABBIT_AUTH = "http://127.0.0.1:15672/api", ("guest", "guest")
STARTUP_TIMEOUT = 60


def log(message: str):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- helpers: ports, processes, health ---------------------------------------------------------

def free_port() -> int:
    """A loopback port nothing listens on (the kernel picks an unused one; we double-check)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use")
    return port


def wait_until(what: str, probe, processes=(), timeout: float = STARTUP_TIMEOUT):
    """Poll `probe()` until it returns true; fail early if one of `processes` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(process.args[:3])} exited with {process.returncode} "
                                   f"while waiting for {what}")
        try:
            if probe():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")


class Platform:
    """Everything the bench starts or creates; `close()` undoes it in reverse order."""

    def __init__(self, tmp: Path, env: dict):
        self.tmp, self.env, self.stack, self.processes = tmp, env, ExitStack(), {}

    def start(self, name: str, command: list, env: dict = None):
        """Start a long-running process, logging to <tmp>/<name>.log; it is stopped by `close()`."""
        output = open(self.tmp / f"{name}.log", "wb")
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env or self.env, stdout=output,
                                   stderr=subprocess.STDOUT,
                                   start_new_session=True)  # Ctrl-C reaches us only; we stop them in order
        self.stack.callback(output.close)
        self.stack.callback(stop_process, name, process)
        self.processes[name] = process
        return process

    def check_alive(self):
        """Fail if a platform process exited (a crash, or someone else killed it) during a measurement."""
        dead = [f"{name} (exit code {process.returncode})" for name, process in self.processes.items()
                if process.poll() is not None]
        if dead:
            raise RuntimeError("platform process(es) exited: " + ", ".join(dead))

    def run(self, name: str, command: list, timeout: float = 300) -> str:
        """Run a command to completion; its stdout, or RuntimeError with its output."""
        done = subprocess.run(command, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True,
                              timeout=timeout, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done.stdout

    def log_tails(self, lines: int = 15):
        for path in sorted(self.tmp.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            log(f"--- last lines of {path.name} ---\n" + "\n".join(tail))

    def close(self):
        self.stack.close()


def stop_process(name: str, process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            log(f"{name} ignored SIGTERM, killing it")
            process.kill()
            process.wait(5)


# --- isolated infrastructure -------------------------------------------------------------------

def create_vhost(name: str):
    """A private RabbitMQ vhost, so another stack consuming `rpc-accounts` cannot steal our calls."""
    try:
        requests.put(f"{RABBIT_API}/vhosts/{name}", auth=RABBIT_AUTH, timeout=5).raise_for_status()
        requests.put(f"{RABBIT_API}/permissions/{name}/guest", auth=RABBIT_AUTH, timeout=5,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        return lambda: requests.delete(f"{RABBIT_API}/vhosts/{name}", auth=RABBIT_AUTH, timeout=10)
    except requests.RequestException:
        pass
    try:
        subprocess.run(["rabbitmqctl", "add_vhost", name], check=True, capture_output=True, timeout=60)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
                       check=True, capture_output=True, timeout=60)
        return lambda: subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None


def create_pg_database(admin_url: str, name: str):
    import psycopg
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def pending_events(database_url: str) -> int:
    """Events of a service's outbox not yet published."""
    import sqlalchemy as sa
    from hubkit.db import make_engine
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")).scalar()
    finally:
        engine.dispose()


def postgres_backends(env: dict) -> list:
    """`--watch=postgresql=PID+PID...`: the server processes of the bench's connections to its own databases (the
    PostgreSQL server is shared; its other backends are not ours). Empty on SQLite. Pools keep their connections,
    so the backends at the start of a window serve it; one opened during the window is not counted."""
    import psycopg
    names = {url.rsplit("/", 1)[1] for key, url in env.items() if key.endswith("_DATABASE_URL")
             and url.startswith("postgresql")}
    if not names:
        return []
    admin = next(url for key, url in env.items() if key.endswith("_DATABASE_URL") and url.startswith("postgresql"))
    with psycopg.connect(admin.replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres") as connection:
        pids = [pid for (pid,) in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()", [list(names)])]
    return [f"postgresql={'+'.join(map(str, pids))}"] if pids else []


def listening_pid(port: int) -> int | None:
    """The process that listens on TCP `port` (its socket's inode, found among the processes' descriptors)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for descriptors in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(str(link.readlink()) in inodes for link in descriptors.iterdir()):
                return int(descriptors.parent.name)
        except OSError:
            continue
    return None


def rabbitmq_pid(port: int = 5672) -> int | None:
    """The broker's Erlang VM, to report its CPU use (it is shared with whatever else uses it): the one that
    listens on the AMQP port (other RabbitMQ nodes may run on this machine), else the first one found."""
    pid = listening_pid(port)
    if pid is not None:
        return pid
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes()
        except OSError:
            continue
        if b"beam.smp" in arguments and b"rabbit" in arguments:
            return int(cmdline.parent.name)
    return None


def redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")

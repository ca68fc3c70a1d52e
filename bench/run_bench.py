"""Throughput of the hub on this machine: raw nameko RPC ceiling vs. gateway login and profile read.

    .venv/bin/python bench/run_bench.py [--duration 10] [--clients 16] [--database sqlite|postgresql]

Starts an isolated platform (temp dir, fresh database, private RabbitMQ vhost and Redis, free
ports), runs the three measurements one after the other with bench/loadgen.py in its own process,
prints one JSON document, saves it under bench/results/ and stops everything, even on Ctrl-C.
Exits 1 if any measured request failed.
"""
import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
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

    def start(self, name: str, command: list):
        """Start a long-running process, logging to <tmp>/<name>.log; it is stopped by `close()`."""
        output = open(self.tmp / f"{name}.log", "wb")
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
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


def setup(platform_: Platform, args, tag: str) -> dict:
    """Start the isolated platform; returns what the load generator needs."""
    tmp, env, stack = platform_.tmp, platform_.env, platform_.stack

    vhost = f"hub_bench_{tag}"
    drop_vhost = create_vhost(vhost)
    if drop_vhost:
        stack.callback(drop_vhost)
        env["HUB_AMQP_URI"] = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    else:
        log("WARNING: cannot create a RabbitMQ vhost; using '/'. Another accounts service consuming "
            "rpc-accounts there would receive part of our calls (they would show up as errors).")
        env["HUB_AMQP_URI"] = "amqp://guest:guest@127.0.0.1:5672/"

    if shutil.which("redis-server"):  # private Redis: login throttles of other stacks cannot interfere
        redis_port = free_port()
        redis = platform_.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "no", "--dir", str(tmp)])
        env["HUB_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        wait_until("redis", lambda: _redis_ping(redis_port), [redis])
    else:
        log("WARNING: redis-server not found; using the shared Redis at 127.0.0.1:6379/0")

    if args.database == "postgresql":
        url, drop_database = create_pg_database(args.pg_admin_url, f"hub_bench_{tag}")
        stack.callback(drop_database)
    else:
        url = f"sqlite:///{tmp / 'accounts.db'}"
    env.update(ACCOUNTS_DATABASE_URL=url, HUB_VAR_DIR=str(tmp), HUB_MAIL_URL=f"file://{tmp / 'mail'}",
               ACCOUNTS_HTTP_PORT=str(free_port()), HUB_PORT=str(free_port()), HUB_ENV="test",
               HUB_SERVICES="accounts")

    log(f"database {args.database}, vhost {vhost if drop_vhost else '/'}, gateway port {env['HUB_PORT']}")
    platform_.run("migrate", [PYTHON, "-m", "accounts", "migrate"])
    started = time.perf_counter()
    emails = json.loads(platform_.run("seed", [PYTHON, str(BENCH_DIR / "seed_accounts.py"), str(args.clients),
                                                f"bench-{tag}", PASSWORD]))
    log(f"{len(emails)} accounts created in {time.perf_counter() - started:.1f}s")
    accounts_file = tmp / "accounts.json"
    accounts_file.write_text(json.dumps(emails))

    noop = platform_.start("noop", [PYTHON, str(BENCH_DIR / "noop_service.py")])
    accounts = platform_.start("accounts", [PYTHON, "-m", "accounts", "run"])
    gateway = platform_.start("gateway", [PYTHON, "-m", "gateway"])
    gateway_url = f"http://127.0.0.1:{env['HUB_PORT']}"
    wait_until("gateway /readyz", lambda: requests.get(f"{gateway_url}/readyz", timeout=2).status_code == 200,
               [noop, accounts, gateway])
    log("platform ready")
    watch = {"gateway": gateway.pid, "accounts": accounts.pid, "noop_service": noop.pid, "rabbitmq": rabbitmq_pid()}
    return {"url": gateway_url, "accounts": str(accounts_file),
            "watch": [f"{name}={pid}" for name, pid in watch.items() if pid]}


def rabbitmq_pid() -> int | None:
    """The broker's Erlang VM, to report its CPU use (it is shared with whatever else uses it)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            arguments = cmdline.read_bytes()
        except OSError:
            continue
        if b"beam.smp" in arguments and b"rabbit" in arguments:
            return int(cmdline.parent.name)
    return None


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")


# --- measurements ------------------------------------------------------------------------------

def measure(platform_: Platform, args, mode: str, target: dict, clients: int) -> dict:
    log(f"measuring {mode}: {clients} clients, {args.warmup:g}s warm-up + {args.duration:g}s")
    extra = [] if mode == "noop" else ["--url", target["url"], "--accounts", target["accounts"],
                                       "--password", PASSWORD]
    command = [PYTHON, str(BENCH_DIR / "loadgen.py"), mode, "--clients", str(clients),
               "--duration", str(args.duration), "--warmup", str(args.warmup), *extra,
               *(f"--watch={watch}" for watch in target["watch"])]
    platform_.check_alive()
    result = json.loads(platform_.run(f"loadgen {mode}", command, timeout=args.warmup + args.duration + 180))
    platform_.check_alive()
    if result["throughput_per_s"]:  # % of one core / (requests per s) = CPU ms per request
        result["cpu_ms_per_request"] = {name: round(10 * percent / result["throughput_per_s"], 2)
                                        for name, percent in result["cpu_percent"].items() if name != "machine"}
    log(f"  {mode}: {result}")
    return result


def ratio(numerator: dict, denominator: dict):
    return round(numerator["throughput_per_s"] / denominator["throughput_per_s"], 3) \
        if denominator["throughput_per_s"] else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each window")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (and bench accounts)")
    parser.add_argument("--login-clients", type=int, default=4,
                        help="concurrent logins: argon2 runs one at a time per accounts process, so more "
                             "clients only queue (past ~5 s of queue the gateway answers 503 RpcTimeout)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where to create (and drop) the bench database")
    args = parser.parse_args()
    args.clients = max(1, args.clients)
    args.login_clients = max(1, min(args.login_clients, args.clients))  # one bench account per client
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # SIGTERM cleans up like Ctrl-C

    tag = secrets.token_hex(4)
    tmp = Path(tempfile.mkdtemp(prefix=f"hub-bench-{tag}-"))
    platform_ = Platform(tmp, dict(os.environ))
    platform_.stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    loadavg = os.getloadavg()
    try:
        target = setup(platform_, args, tag)
        scenarios = {"noop_rpc": measure(platform_, args, "noop", target, args.clients),
                     "gateway_login": measure(platform_, args, "login", target, args.login_clients),
                     "gateway_profile_read": measure(platform_, args, "profile", target, args.clients)}
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except Exception:
        platform_.log_tails()
        raise
    finally:
        log("stopping the platform")
        platform_.close()

    document = {
        **scenarios,
        "ratios": {"profile_read_over_noop_rpc": ratio(scenarios["gateway_profile_read"], scenarios["noop_rpc"]),
                   "login_over_noop_rpc": ratio(scenarios["gateway_login"], scenarios["noop_rpc"])},
        "config": {"database": args.database, "clients": args.clients, "login_clients": args.login_clients,
                   "duration_s": args.duration, "warmup_s": args.warmup},
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_at_start": [round(x, 2) for x in loadavg]},
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    text = json.dumps(document, indent=2)
    print(text)
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{args.database}.json").write_text(text + "\n")
    errors = sum(scenario["errors"] for scenario in scenarios.values())
    if errors:
        log(f"FAILED: {errors} request(s) failed, see error_samples")
        sys.exit(1)


if __name__ == "__main__":
    main()

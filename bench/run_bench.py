"""Throughput of the hub on this machine: raw nameko RPC ceiling vs. gateway login, profile read and
petition signing (distinct signers, while the petition page is read).

    .venv/bin/python bench/run_bench.py [--duration 10] [--clients 16] [--database sqlite|postgresql]
    .venv/bin/python bench/run_bench.py --scenarios noop,sign --database postgresql --signers 4000

Starts an isolated platform (temp dir, fresh databases, private RabbitMQ vhost and Redis, free
ports), runs the measurements one after the other with bench/loadgen.py in its own process,
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

import ballots

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
PASSWORD = "Bench-Password-2026!"
RABBIT_API, RABBIT_AUTH = "http://127.0.0.1:15672/api", ("guest", "guest")
STARTUP_TIMEOUT = 60
SCENARIOS = ("noop", "login", "profile", "sign", "vote")  # vote: bench/ballots.py
# The signing scenario measures the signing path, not the anti-abuse limits (every signature comes from
# 127.0.0.1): the limits are raised out of reach, but still checked (the Redis calls are made).
UNREACHABLE_LIMITS = {f"PETITIONS_SIGN_{name}": str(10**9) for name in
                      ("IP_PER_MINUTE", "IP_PER_HOUR", "ACCOUNT_PER_MINUTE", "ACCOUNT_PER_HOUR")}
SESSION_CACHE_SECONDS = 1800
PUBLIC_VIEW_SECONDS = 1.0  # the gateway's HUB_PETITION_VIEW_CACHE_SECONDS (its default)


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

    signing = "sign" in args.scenarios
    if args.database == "postgresql":
        url, drop_database = create_pg_database(args.pg_admin_url, f"hub_bench_{tag}")
        stack.callback(drop_database)
        if signing:
            petitions_url, drop_petitions = create_pg_database(args.pg_admin_url, f"hub_bench_{tag}_petitions")
            stack.callback(drop_petitions)
    else:
        url, petitions_url = f"sqlite:///{tmp / 'accounts.db'}", f"sqlite:///{tmp / 'petitions.db'}"
    env.update(ACCOUNTS_DATABASE_URL=url, HUB_VAR_DIR=str(tmp), HUB_MAIL_URL=f"file://{tmp / 'mail'}",
               ACCOUNTS_HTTP_PORT=str(free_port()), HUB_PORT=str(free_port()), HUB_ENV="test",
               HUB_TRUST_DEV_SEED=os.environ.get("HUB_TRUST_DEV_SEED") or secrets.token_hex(16),
               # the warm sessions seeded for thousands of signers or voters must outlast the seeding itself
               HUB_SESSION_CACHE_SECONDS=str(SESSION_CACHE_SECONDS),
               HUB_SERVICES="accounts,petitions" if signing else "accounts")
    if args.gateways > 1:  # what HUB_GATEWAY_PROCESSES > 1 makes the default (gateway/config.py)
        env.setdefault("HUB_BATCHES_IN_FLIGHT", "1")
    if signing:
        env.update(PETITIONS_DATABASE_URL=petitions_url, PETITIONS_HTTP_PORT=str(free_port()), **UNREACHABLE_LIMITS)

    log(f"database {args.database}, vhost {vhost if drop_vhost else '/'}, gateway port {env['HUB_PORT']}")
    platform_.run("migrate", [PYTHON, "-m", "accounts", "migrate"])
    started = time.perf_counter()
    emails = json.loads(platform_.run("seed", [PYTHON, str(BENCH_DIR / "seed_accounts.py"), str(args.clients),
                                                f"bench-{tag}", PASSWORD]))
    log(f"{len(emails)} accounts created in {time.perf_counter() - started:.1f}s")
    accounts_file = tmp / "accounts.json"
    accounts_file.write_text(json.dumps(emails))
    target = {"accounts": str(accounts_file)}
    if signing:
        platform_.run("migrate petitions", [PYTHON, "-m", "petitions", "migrate"])
        target["petition"] = platform_.run("seed petition", [PYTHON, str(BENCH_DIR / "seed_petition.py"),
                                                             str(10**6)]).strip()
        started = time.perf_counter()
        tokens = json.loads(platform_.run("seed signers", [
            PYTHON, str(BENCH_DIR / "seed_signers.py"), str(args.signers), f"bench-{tag}", PASSWORD,
            "cold" if args.cold_sessions else "warm"], timeout=900))
        log(f"{len(tokens)} signers with a session created in {time.perf_counter() - started:.1f}s")
        target["tokens"] = str(tmp / "tokens.json")
        Path(target["tokens"]).write_text(json.dumps(tokens))

    if "vote" in args.scenarios:
        ballots.prepare(platform_, args, tag, target)
    noop = platform_.start("noop", [PYTHON, str(BENCH_DIR / "noop_service.py")])
    accounts = platform_.start("accounts", [PYTHON, "-m", "accounts", "run"])
    petitions = platform_.start("petitions", [PYTHON, "-m", "petitions", "run"]) if signing else None
    gateways, urls = {}, []
    for number in range(1, args.gateways + 1):  # several gateways: one port each, the load generator spreads
        port = env["HUB_PORT"] if number == 1 else str(free_port())
        name = "gateway" if args.gateways == 1 else f"gateway_{number}"
        gateways[name] = platform_.start(name, [PYTHON, "-m", "gateway"], env={**env, "HUB_PORT": port})
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        wait_until(f"{url}/readyz", lambda url=url: requests.get(f"{url}/readyz", timeout=2).status_code == 200,
                   [p for p in (noop, accounts, petitions, *gateways.values()) if p])
    log(f"platform ready ({len(urls)} gateway process{'es' if len(urls) > 1 else ''})")
    # The seeding wrote thousands of events (accounts registered, sessions...): their relays publish them in the
    # background. Measuring before they are out would charge that work to the first scenario.
    for name in ("ACCOUNTS", "PETITIONS", "BUDGET"):
        if env.get(f"{name}_DATABASE_URL"):
            wait_until(f"{name.lower()}'s outbox drained", lambda url=env[f"{name}_DATABASE_URL"]: pending_events(url) == 0,
                       [p for p in (noop, accounts, petitions, *gateways.values()) if p], timeout=300)
    watch = {**{name: process.pid for name, process in gateways.items()}, "accounts": accounts.pid,
             "noop_service": noop.pid, "petitions": petitions.pid if petitions else None, "rabbitmq": rabbitmq_pid()}
    return {**target, "url": urls[0], "urls": urls, "watch": [f"{name}={pid}" for name, pid in watch.items() if pid]}


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
    if mode == "vote":
        return ballots.measure(platform_, args, target)
    log(f"measuring {mode}: {clients} clients, {args.warmup:g}s warm-up + {args.duration:g}s")
    extra = [] if mode == "noop" else ["--url", target["url"], "--accounts", target["accounts"],
                                       "--password", PASSWORD]
    if mode == "sign":
        extra = ["--url", ",".join(target["urls"]), "--tokens", target["tokens"], "--petition", target["petition"],
                 "--readers", str(args.readers), "--read-rate", str(args.read_rate)]
    command = [PYTHON, str(BENCH_DIR / "loadgen.py"), mode, "--clients", str(clients),
               "--duration", str(args.duration), "--warmup", str(args.warmup), *extra,
               *(f"--watch={watch}" for watch in target["watch"])]
    platform_.check_alive()
    result = json.loads(platform_.run(f"loadgen {mode}", command, timeout=args.warmup + args.duration + 180))
    platform_.check_alive()
    if mode == "sign":
        return signing_result(result, target, args)
    if result["throughput_per_s"]:  # % of one core / (requests per s) = CPU ms per request
        result["cpu_ms_per_request"] = {name: round(10 * percent / result["throughput_per_s"], 2)
                                        for name, percent in result["cpu_percent"].items() if name != "machine"}
    log(f"  {mode}: {result}")
    return result


def signing_result(result: dict, target: dict, args) -> dict:
    """Signers and readers, with CPU per signature, and the exactness check: after the burst, the count the
    petition shows, the rows in its database and the `count`s of its `petition_signed` events must all equal the
    signatures answered 201."""
    cpu = result.pop("cpu_percent")
    signing, reading = result["sign"], result["read"]
    if signing["throughput_per_s"]:
        signing["cpu_ms_per_signature"] = {name: round(10 * percent / signing["throughput_per_s"], 2)
                                           for name, percent in cpu.items() if name != "machine"}
        gateways = [value for name, value in signing["cpu_ms_per_signature"].items() if name.startswith("gateway")]
        signing["cpu_ms_per_signature"]["all_gateways"] = round(sum(gateways), 2)
    time.sleep(PUBLIC_VIEW_SECONDS + 0.5)  # visitors see a petition view at most that old (gateway cache)
    shown = requests.get(f"{target['url']}/api/v1/petitions/{target['petition']}", timeout=10).json()
    import sqlalchemy as sa
    from hubkit.db import make_engine
    engine = make_engine(target["env"]["PETITIONS_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM petition_signatures WHERE petition_id = :id"),
                                  {"id": target["petition"]}).scalar_one()
        envelopes = connection.execute(sa.text("SELECT envelope FROM outbox_events WHERE type = 'petition_signed'"))
        events = sum(ballots._json(envelope)["payload"]["count"] for (envelope,) in envelopes)
    engine.dispose()
    succeeded = signing.pop("succeeded_total")
    exact = {"signatures_answered_201": succeeded, "count_shown": shown["signatures_count"],
             "rows_in_database": rows, "signatures_in_petition_signed_events": events,
             "exact": succeeded == shown["signatures_count"] == rows == events}
    batches = sign_batches(target)
    if batches:
        signing["sign_petitions_calls_total"] = batches
        signing["mean_signatures_per_batch"] = round(succeeded / batches, 1)
    if signing.pop("exhausted_clients"):
        log("WARNING: signers ran out of distinct accounts before the end: raise --signers")
        exact["signers_exhausted"] = True
    reading.pop("succeeded_total"), reading.pop("exhausted_clients")
    document = {"sign": signing, "read_petition_page_meanwhile": reading, "count_after_burst": exact,
                "cpu_percent": cpu, "readers": args.readers, "read_rate": args.read_rate, "gateways": len(target["urls"])}
    log(f"  sign: {document}")
    return document


def sign_batches(target: dict) -> int | None:
    """How many `sign_petitions` calls the petitions service answered (its Prometheus endpoint)."""
    try:
        text = requests.get(f"http://127.0.0.1:{target['env']['PETITIONS_HTTP_PORT']}/metrics", timeout=5).text
    except requests.RequestException:
        return None
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("hub_entrypoint_calls_total{") and 'entrypoint="sign_petitions"' in line))


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
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated, in this order: {','.join(SCENARIOS)}")
    parser.add_argument("--signers", type=int, default=30000,
                        help="distinct signer accounts seeded for the signing scenario (one signature each)")
    parser.add_argument("--readers", type=int, default=4, help="clients reading the petition page while others sign")
    parser.add_argument("--read-rate", type=float, default=200.0,
                        help="page reads per second, all readers together (0: as fast as they can)")
    parser.add_argument("--sign-clients", type=int, default=256,
                        help="concurrent signers (each request signs with an account that has not signed yet)")
    parser.add_argument("--gateways", type=int, default=2,
                        help="gateway processes (one port each; the load generator spreads its clients over them), "
                             "as HUB_GATEWAY_PROCESSES runs them (one batch in flight each)")
    parser.add_argument("--cold-sessions", action="store_true",
                        help="signers' sessions not in the gateway's session cache (by default they are, as for a "
                             "signer who opened the petition page before signing)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="where to create (and drop) the bench database")
    ballots.add_arguments(parser)
    args = parser.parse_args()
    args.clients = max(1, args.clients)
    args.sign_clients, args.gateways = max(1, args.sign_clients), max(1, args.gateways)
    args.login_clients = max(1, min(args.login_clients, args.clients))  # one bench account per client
    args.scenarios = [name for name in SCENARIOS if name in args.scenarios.split(",")]
    if not args.scenarios:
        parser.error(f"--scenarios: choose among {','.join(SCENARIOS)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # SIGTERM cleans up like Ctrl-C

    tag = secrets.token_hex(4)
    tmp = Path(tempfile.mkdtemp(prefix=f"hub-bench-{tag}-"))
    platform_ = Platform(tmp, dict(os.environ))
    platform_.stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    loadavg = os.getloadavg()
    try:
        target = setup(platform_, args, tag)
        target["env"] = platform_.env
        names = {"noop": "noop_rpc", "login": "gateway_login", "profile": "gateway_profile_read",
                 "sign": "petition_signing", "vote": "budget_ballots"}
        clients = {"login": args.login_clients, "sign": args.sign_clients}
        scenarios = {names[mode]: measure(platform_, args, mode, target, clients.get(mode, args.clients))
                     for mode in args.scenarios}
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except Exception:
        platform_.log_tails()
        raise
    finally:
        log("stopping the platform")
        platform_.close()

    ratios = {}
    if "noop_rpc" in scenarios:
        for key, name in (("profile_read_over_noop_rpc", "gateway_profile_read"),
                          ("login_over_noop_rpc", "gateway_login")):
            if name in scenarios:
                ratios[key] = ratio(scenarios[name], scenarios["noop_rpc"])
        if "budget_ballots" in scenarios:
            ratios["ballots_over_noop_rpc"] = ratio(scenarios["budget_ballots"], scenarios["noop_rpc"])
        if "petition_signing" in scenarios:
            ratios["signing_over_noop_rpc"] = ratio(scenarios["petition_signing"]["sign"], scenarios["noop_rpc"])
    document = {
        **scenarios,
        "ratios": ratios,
        "config": {"database": args.database, "clients": args.clients, "login_clients": args.login_clients,
                   "duration_s": args.duration, "warmup_s": args.warmup, "scenarios": args.scenarios,
                   **({"signers": args.signers, "readers": args.readers, "sign_clients": args.sign_clients,
                       "gateways": args.gateways, "sessions": "cold" if args.cold_sessions else "warm"}
                      if "sign" in args.scenarios else {})},
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_at_start": [round(x, 2) for x in loadavg]},
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    text = json.dumps(document, indent=2)
    print(text)
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{args.database}.json").write_text(text + "\n")
    errors = sum(scenario["errors"] for name, scenario in scenarios.items() if name != "petition_signing")
    if "petition_signing" in scenarios:
        signing = scenarios["petition_signing"]
        errors += signing["sign"]["errors"] + signing["read_petition_page_meanwhile"]["errors"]
        if not signing["count_after_burst"]["exact"]:
            log(f"FAILED: the count is not exact after the burst: {signing['count_after_burst']}")
            sys.exit(1)
    if errors:
        log(f"FAILED: {errors} request(s) failed, see error_samples")
        sys.exit(1)


if __name__ == "__main__":
    main()

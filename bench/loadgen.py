"""Load generator, run by run_bench.py in its own process: C green clients for a fixed time.

    python bench/loadgen.py noop    --clients 16 --duration 10 --warmup 1
    python bench/loadgen.py login   --url http://127.0.0.1:PORT --accounts accounts.json --password ...
    python bench/loadgen.py profile --url http://127.0.0.1:PORT --accounts accounts.json --password ...
    python bench/loadgen.py sign    --url http://127.0.0.1:PORT --tokens tokens.json --petition ID --readers 4

Prints one JSON object: requests, errors, throughput_per_s, p50_ms, p99_ms and cpu_percent (over the
measured window: each `--watch NAME=PID` process and this one in % of one core, `machine` in % of all
cores, whoever uses them). Only requests that complete inside the measured window (after the warm-up)
are counted; an error at any time, warm-up included, is counted.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from eventlet.greenpool import GreenPool  # noqa: E402

MAX_ERROR_SAMPLES = 5
# Clients are set up (proxy opened, or bearer token obtained) a few at a time: logins queue behind
# argon2 in the accounts service, and 16 at once can exceed the gateway's 5 s RPC timeout.
SETUP_CONCURRENCY = 4


class Failed(Exception):
    """A request that did not get the expected answer."""


def percentile(sorted_values: list, percent: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class HttpClient:
    """One keep-alive HTTP/1.1 connection to the gateway (reopened after a failure).

    A bare socket client, not http.client: the load generator shares the 2 cores with the platform it
    measures, and http.client's header parsing cost it ~0.4 ms of CPU per request, as much as a quarter of
    what the gateway spends. This one sends one preformatted request and reads one Content-Length answer
    (the gateway always sends one; anything else is a failure)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port, self.sock, self.buffer = parts.hostname, parts.port, None, b""
        self.host_header = f"{self.host}:{self.port}"

    def call(self, method: str, path: str, expected: int, body: dict = None, token: str = None) -> bytes:
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host_header}\r\nAccept: application/json\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        try:
            if self.sock is None:
                self.sock, self.buffer = socket.create_connection((self.host, self.port), timeout=30), b""
            self.sock.sendall(head.encode() + b"\r\n" + payload)
            status, data = self._read_response()
        except Exception:
            self.close()
            raise
        if status != expected:
            raise Failed(f"{method} {path} -> {status} {data[:200]!r}")
        return data

    def _read_response(self) -> tuple:
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise Failed(f"answer without Content-Length: {head[:200]!r}")
        while len(self.buffer) < length:
            self._receive()
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, data

    def _receive(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the gateway closed the connection")
        self.buffer += chunk

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""


def login(client: HttpClient, email: str, password: str) -> str:
    data = client.call("POST", "/api/v1/auth/tokens", 201, body={"email": email, "password": password})
    token = json.loads(data).get("token")
    if not token:
        raise Failed(f"login answered 201 without a token: {data[:200]!r}")
    return token


def request_makers(args):
    """One function per client index, returning the callable that performs one request of that client."""
    if args.mode == "noop":
        from hubkit.config import amqp_uri
        from hubkit.errors import ServiceUnavailable
        from hubkit.rpc import RpcPool
        # unsigned: the ceiling is nameko's own (the no-op service verifies nothing either)
        pool = RpcPool(amqp_uri(), size=args.clients, timeout=args.timeout, identity=None)

        def noop(_index):
            def ping():
                with pool.cluster({}) as cluster:
                    cluster.bench_noop.ping()
            for _attempt in range(60):  # setup: opens this client's proxy, waits for the service to consume
                try:
                    ping()
                    break
                except ServiceUnavailable:
                    eventlet.sleep(0.5)
            return ping
        return noop, pool.close

    with open(args.accounts) as source:
        emails = json.load(source)

    def login_client(index):
        client, email = HttpClient(args.url), emails[index % len(emails)]
        return lambda: login(client, email, args.password)

    def profile_client(index):
        client = HttpClient(args.url)
        token = login(client, emails[index % len(emails)], args.password)  # setup, not measured
        return lambda: client.call("GET", "/api/v1/me", 200, token=token)

    return (login_client if args.mode == "login" else profile_client), lambda: None


def signing_groups(args) -> dict:
    """`sign`: --clients signers, each signing the petition with its own share of distinct signers' tokens
    (one signature per account), while --readers clients read the petition's page."""
    with open(args.tokens) as source:
        tokens = json.load(source)
    path = f"/api/v1/petitions/{args.petition}/signatures"
    body = {"connection": {"lives": True}, "notify": False}
    urls = args.url.split(",")  # several gateway processes: clients spread over them, as a load balancer would

    def signer(index):
        client, mine = HttpClient(urls[index % len(urls)]), iter(tokens[index::args.clients])

        def sign():
            token = next(mine, None)
            if token is None:
                raise Exhausted()
            client.call("POST", path, 201, body=body, token=token)
        return sign

    def reader(index):
        client = HttpClient(urls[index % len(urls)])
        interval = args.readers / args.read_rate if args.read_rate > 0 else 0.0
        due = [time.perf_counter()]

        def read():
            client.call("GET", f"/petitions/{args.petition}", 200)

        def pace():
            # visitors arrive at a rate of their own: they do not come faster when the page gets faster
            due[0] = max(due[0] + interval, time.perf_counter() - 1.0)
            eventlet.sleep(max(0.0, due[0] - time.perf_counter()))
        read.pace = pace
        return read

    return {"sign": [signer(index) for index in range(args.clients)],
            "read": [reader(index) for index in range(args.readers)]}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def parse_watch(values: list) -> dict:
    """{name: (pid, ...)} from `NAME=PID` or `NAME=PID+PID+...` (a group: PostgreSQL's backends of the bench)."""
    return {name: tuple(int(pid) for pid in pids.split("+")) for name, _, pids in (v.partition("=") for v in values)}


def group_cpu_seconds(pids) -> dict:
    """{pid: CPU seconds} of the processes of a group that still run (a backend may end during the window)."""
    seconds = {}
    for pid in (pids if isinstance(pids, tuple) else (pids,)):
        try:
            seconds[pid] = cpu_seconds(pid)
        except (OSError, IndexError):
            pass
    return seconds


def machine_ticks() -> tuple:
    """(busy, total) jiffies over all cores."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)  # minus idle and iowait


def cpu_usage(watch: dict, window_start: float, window_end: float, into: dict):
    """Fill `into` with the CPU used during [window_start, window_end] (a green thread)."""
    eventlet.sleep(max(0.0, window_start - time.perf_counter()))
    before = {name: group_cpu_seconds(pids) for name, pids in watch.items()}
    machine_before, began = machine_ticks(), time.perf_counter()
    eventlet.sleep(max(0.0, window_end - time.perf_counter()))
    elapsed = time.perf_counter() - began
    for name, pids in watch.items():
        after = group_cpu_seconds(pids)  # a process gone before the end is left out of its group
        into[name] = round(100 * sum(after[pid] - before[name][pid] for pid in after if pid in before[name])
                           / elapsed, 1)
    busy, total = (after - before for after, before in zip(machine_ticks(), machine_before))
    into["machine"] = round(100 * busy / total, 1) if total else None


class Exhausted(Exception):
    """This client has nothing left to do (e.g. no unused signer left): it stops, without an error."""


def measure(requests: list, warmup: float, duration: float, watch: dict) -> dict:
    """One group of identical clients: its numbers and the CPU used during the window."""
    measured = measure_groups({"main": requests}, warmup, duration, watch)
    result = measured["main"]
    result.pop("succeeded_total")
    result.pop("exhausted_clients")
    result["cpu_percent"] = measured["cpu_percent"]
    return result


def measure_groups(groups: dict, warmup: float, duration: float, watch: dict) -> dict:
    """Several groups of clients at once (e.g. signers while readers read); numbers per group."""
    started = time.perf_counter()
    window_start, window_end = started + warmup, started + warmup + duration
    stats = {name: {"latencies": [], "errors": 0, "samples": [], "succeeded": 0, "exhausted": 0} for name in groups}
    cpu = {}

    def loop(group: dict, one_request):
        pace = getattr(one_request, "pace", None)
        while time.perf_counter() < window_end:  # bounded: stops issuing at the end of the window
            if pace is not None:
                pace()  # not part of the request's latency
            began = time.perf_counter()
            try:
                one_request()
            except Exhausted:
                group["exhausted"] += 1
                return
            except Exception as error:  # every failure counts, whatever its kind
                group["errors"] += 1
                if len(group["samples"]) < MAX_ERROR_SAMPLES:
                    group["samples"].append(f"{type(error).__name__}: {error}")
                eventlet.sleep(0.01)  # no hot loop against a failing endpoint
                continue
            ended = time.perf_counter()
            group["succeeded"] += 1
            if window_start <= ended <= window_end:
                group["latencies"].append(ended - began)

    pool = GreenPool(sum(len(requests) for requests in groups.values()) + 1)
    pool.spawn(cpu_usage, watch, window_start, window_end, cpu)
    for name, requests in groups.items():
        for one_request in requests:
            pool.spawn(loop, stats[name], one_request)
    pool.waitall()
    results = {}
    for name, group in stats.items():
        latencies = sorted(group["latencies"])
        result = {"requests": len(latencies), "errors": group["errors"],
                  "throughput_per_s": round(len(latencies) / duration, 1),
                  "p50_ms": _ms(percentile(latencies, 50)), "p99_ms": _ms(percentile(latencies, 99)),
                  "succeeded_total": group["succeeded"], "exhausted_clients": group["exhausted"]}
        if group["samples"]:
            result["error_samples"] = group["samples"]
        results[name] = result
    results["cpu_percent"] = cpu
    return results


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("noop", "login", "profile", "sign"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="RPC reply timeout (noop)")
    parser.add_argument("--url", help="gateway base URL (login, profile); for sign, several comma-separated")
    parser.add_argument("--accounts", help="JSON list of account e-mails (login, profile)")
    parser.add_argument("--password", help="password of those accounts")
    parser.add_argument("--tokens", help="JSON list of bearer tokens of distinct signers (sign)")
    parser.add_argument("--petition", help="id of the petition to sign (sign)")
    parser.add_argument("--readers", type=int, default=4, help="clients reading the petition page (sign)")
    parser.add_argument("--read-rate", type=float, default=0.0, help="page reads per second, all readers (0: unpaced)")
    parser.add_argument("--watch", action="append", default=[], metavar="NAME=PID[+PID...]",
                        help="report the CPU used by this process (or these processes) during the window")
    args = parser.parse_args()
    watch = {"loadgen": (os.getpid(),), **parse_watch(args.watch)}

    if args.mode == "sign":
        print(json.dumps(measure_groups(signing_groups(args), args.warmup, args.duration, watch)))
        return
    make_request, close = request_makers(args)
    try:
        setup = GreenPool(min(args.clients, SETUP_CONCURRENCY))
        requests = list(setup.imap(make_request, range(args.clients)))  # setup (e.g. logins) is not measured
        result = measure(requests, args.warmup, args.duration, watch)
    finally:
        close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Throughput of the hub on this machine: raw nameko RPC ceiling vs. gateway login, profile read and
petition signing (distinct signers, while the petition page is read).

    .venv/bin/python bench/run_bench.py [--duration 10] [--clients 16] [--database sqlite|postgresql]
    .venv/bin/python bench/run_bench.py --scenarios noop,sign --database postgresql --signers 4000
    .venv/bin/python bench/run_bench.py --tracing otlp --trace-sample-ratio 0.1   # traced, to bench/trace_sink.py

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
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import ballots
from infrastructure import BENCH_DIR, Platform, log
from measurements import measure, ratio
from platform_setup import setup
from trace_sink import TraceSink

SCENARIOS = ("noop", "login", "profile", "sign", "vote")  # vote: bench/ballots.py


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
    parser.add_argument("--tracing", choices=("off", "otlp"), default="off",
                        help="HUB_TRACING of every platform process; otlp exports to a sink in this process "
                             "(bench/trace_sink.py) unless OTEL_EXPORTER_OTLP_ENDPOINT is set")
    parser.add_argument("--trace-sample-ratio", type=float, default=None,
                        help="HUB_TRACE_SAMPLE_RATIO with --tracing otlp (default: hubkit.tracing's)")
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
    sink = trace_with(platform_, args)
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
                      if "sign" in args.scenarios else {}),
                   "tracing": args.tracing, "trace_sample_ratio": platform_.env.get("HUB_TRACE_SAMPLE_RATIO")},
        **({"traces_exported": sink.totals()} if sink else {}),
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


def trace_with(platform_: Platform, args):
    """Set the platform's tracing as asked; returns the sink receiving its spans (None: off, or an endpoint given)."""
    platform_.env["HUB_TRACING"] = args.tracing
    platform_.env.pop("HUB_TRACE_SAMPLE_RATIO", None)
    if args.tracing == "off":
        return None
    if args.trace_sample_ratio is not None:
        platform_.env["HUB_TRACE_SAMPLE_RATIO"] = str(args.trace_sample_ratio)
    if platform_.env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return None
    sink = TraceSink()
    platform_.stack.callback(sink.close)
    platform_.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.url
    return sink


if __name__ == "__main__":
    main()

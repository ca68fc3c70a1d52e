"""Tracing's cost on the hot paths: run_bench.py alternately with tracing off and on (HUB_TRACING=otlp at a
sampling ratio, exported to bench/trace_sink.py), in one sitting, and the ratios of their throughputs.

    .venv/bin/python bench/tracing_overhead.py --rounds 2 --trace-sample-ratio 0.1 -- \\
        --database postgresql --scenarios noop,sign,vote --duration 5 --signers 12000 --voters 12000

Each round runs off then on (the next round on then off, so neither always runs first on a machine whose load
drifts). Prints one JSON document: each run's throughputs and p99, and per scenario the ratio on / off of the
mean throughputs (bench/README.md, "Tracing"). Exits 1 if a run failed.
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def throughputs(document: dict) -> dict:
    """Requests per second (and p99 ms) of each hot path a run_bench.py document measured."""
    found = {}
    if "noop_rpc" in document:
        found["noop_rpc"] = document["noop_rpc"]
    if "petition_signing" in document:
        found["petition_signing"] = document["petition_signing"]["sign"]
    if "budget_ballots" in document:
        found["budget_ballots"] = document["budget_ballots"]
    for name in ("gateway_login", "gateway_profile_read"):
        if name in document:
            found[name] = document[name]
    return {name: {"per_s": result.get("throughput_per_s"), "p99_ms": result.get("p99_ms")}
            for name, result in found.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--trace-sample-ratio", type=float, default=None)
    parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="after --: run_bench.py's arguments")
    args = parser.parse_args()
    passed = [arg for arg in args.bench_args if arg != "--"]
    traced = ["--tracing", "otlp"] + ([] if args.trace_sample_ratio is None
                                      else ["--trace-sample-ratio", str(args.trace_sample_ratio)])
    runs = []
    for number in range(args.rounds):
        for mode in (("off", "on") if number % 2 == 0 else ("on", "off")):
            command = [sys.executable, str(BENCH / "run_bench.py"), *passed, *(traced if mode == "on" else [])]
            print(f"[tracing_overhead] round {number + 1}, tracing {mode}", file=sys.stderr, flush=True)
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
            if done.returncode != 0:
                print(f"[tracing_overhead] run failed ({done.returncode})", file=sys.stderr)
                sys.exit(1)
            document = json.loads(done.stdout)
            runs.append({"round": number + 1, "tracing": mode, "measured_at": document["measured_at"],
                         "loadavg_at_start": document["machine"]["loadavg_at_start"],
                         **({"traces_exported": document["traces_exported"]} if "traces_exported" in document
                            else {}),
                         "throughput": throughputs(document)})
    ratios, normalised = {}, {}
    for name in runs[0]["throughput"]:
        on = [run["throughput"][name]["per_s"] for run in runs if run["tracing"] == "on"]
        off = [run["throughput"][name]["per_s"] for run in runs if run["tracing"] == "off"]
        if all(on) and all(off):
            ratios[name] = round(statistics.mean(on) / statistics.mean(off), 3)
        if name != "noop_rpc" and "noop_rpc" in runs[0]["throughput"]:
            # over the same run's no-op RPC (which tracing does not touch): what the machine's load left out
            over = {mode: statistics.mean(run["throughput"][name]["per_s"] / run["throughput"]["noop_rpc"]["per_s"]
                                          for run in runs if run["tracing"] == mode) for mode in ("on", "off")}
            normalised[name] = round(over["on"] / over["off"], 3)
    print(json.dumps({"runs": runs, "on_over_off": ratios, "on_over_off_of_the_ratio_to_noop": normalised,
                      "trace_sample_ratio": args.trace_sample_ratio, "bench_args": passed}, indent=2))


if __name__ == "__main__":
    main()

"""One measurement per scenario, with bench/loadgen.py in its own process: requests per second, CPU per request
and, for signing, the exactness check of the count after the burst (the vote scenario is ballots.py's)."""
import json
import time

import requests

import ballots
from infrastructure import BENCH_DIR, PASSWORD, PYTHON, Platform, log, postgres_backends

PUBLIC_VIEW_SECONDS = 1.0  # the gateway's HUB_PETITION_VIEW_CACHE_SECONDS (its default)


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
               *(f"--watch={watch}" for watch in [*target["watch"], *postgres_backends(platform_.env)])]
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
        signing["cpu_ms_per_signature"]["all_watched"] = round(sum(
            value for name, value in signing["cpu_ms_per_signature"].items() if name != "all_gateways"), 2)
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

"""Ballots at city scale: ballots cast through the gateway by many concurrent voters (ballots/s, p50/p99), in the
same run as the raw nameko no-op RPC ceiling, then the tally time of 150,000 ballots seeded directly in the
database. Registered in run_bench.py as the scenario `vote`:

    .venv/bin/python bench/run_bench.py --scenarios noop,vote --database postgresql --voters 20000

What `vote` does, on the bench's isolated platform (platform_setup.py `setup`):
1. a budget database (PostgreSQL `hub_bench_<tag>_budget`, or SQLite in the temp dir), migrated; a cycle at the
   vote with 8 Paris-wide projects and 8 projects of the 19e (`seed-cycle`, through the service's own use cases);
2. `--voters` distinct voters with an API session, Paris residents (bench/seed_signers.py, then their residence
   set in the accounts database): each ballot of the burst is a distinct voter's first ballot;
3. `python -m budget run` beside accounts and the gateway(s).
Then `loadgen` (this file, in its own process, with bench/loadgen.py's clients and clock): `--vote-clients`
green clients PUT /api/v1/budget/cycles/<id>/ballot (2 Paris-wide and 2 local choices) for `--duration` s.
The gateway coalesces concurrent ballots (hubkit.batching) into `cast_ballots` calls, each one transaction.

Exactness after the burst: ballots answered 200 == ballot rows in the database == counted ballots of the live
counts, and choices == 4 × ballots (nothing lost, nothing counted twice).

Tally (`tally`, PostgreSQL only): a second cycle with 20 Paris-wide projects and 10 in each of the 19e and 20e,
150,000 ballots (4 choices each) inserted with generate_series, then the close of the vote timed in-process:
`advance_stage(vote → results)`, i.e. the aggregate query, the greedy winners, the update of every project and
the events, committed.
"""
import argparse
import json
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
ADMIN = {"account_id": "00000000-0000-4000-8000-00000000be0c", "roles": ["admin"]}
TALLY_BALLOTS = 150_000
RESIDENCE = {"lives_in_paris": True, "postcode": "75019", "arrondissement": 19, "address_line": "1 rue Manin"}


# --- registration in run_bench.py ----------------------------------------------------------------

def add_arguments(parser):
    parser.add_argument("--voters", type=int, default=20000,
                        help="distinct voters seeded for the vote scenario (one first ballot each)")
    parser.add_argument("--vote-clients", type=int, default=128, help="concurrent voters (vote scenario)")
    parser.add_argument("--tally-ballots", type=int, default=TALLY_BALLOTS,
                        help="ballots seeded for the tally measurement (PostgreSQL)")


def prepare(platform_, args, tag: str, target: dict):
    """Before the gateways start: the budget database, the cycle, the voters, the budget service."""
    env = platform_.env
    if args.database == "postgresql":
        from infrastructure import create_pg_database
        url, drop = create_pg_database(args.pg_admin_url, f"hub_bench_{tag}_budget")
        platform_.stack.callback(drop)
    else:
        url = f"sqlite:///{platform_.tmp / 'budget.db'}"
    from infrastructure import free_port, log
    env.update(BUDGET_DATABASE_URL=url, BUDGET_HTTP_PORT=str(free_port()),
               HUB_SERVICES=",".join(dict.fromkeys([*env["HUB_SERVICES"].split(","), "budget"])))
    platform_.run("migrate budget", [PYTHON, "-m", "budget", "migrate"])
    cycle = json.loads(platform_.run("seed cycle", [PYTHON, str(Path(__file__)), "seed-cycle"]))
    started = time.perf_counter()
    tokens = json.loads(platform_.run("seed voters", [PYTHON, str(BENCH_DIR / "seed_signers.py"), str(args.voters),
                                                      f"bench-{tag}-voter", "Bench-Password-2026!", "warm"],
                                      timeout=1800))
    make_residents(env["ACCOUNTS_DATABASE_URL"], f"bench-{tag}-voter-signer-%")
    log(f"{len(tokens)} voters with a session created in {time.perf_counter() - started:.1f}s")
    (platform_.tmp / "voters.json").write_text(json.dumps(tokens))
    (platform_.tmp / "cycle.json").write_text(json.dumps(cycle))
    budget = platform_.start("budget", [PYTHON, "-m", "budget", "run"])
    target.update(voters=str(platform_.tmp / "voters.json"), cycle=str(platform_.tmp / "cycle.json"),
                  budget_pid=budget.pid)


def make_residents(accounts_url: str, pattern: str):
    import sqlalchemy as sa
    from hubkit.db import make_engine
    engine = make_engine(accounts_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE accounts SET lives_in_paris = :lives, postcode = :postcode, "
                                   "arrondissement = :arrondissement, address_line = :address_line "
                                   "WHERE email LIKE :pattern"), {
            "lives": RESIDENCE["lives_in_paris"], "postcode": RESIDENCE["postcode"],
            "arrondissement": RESIDENCE["arrondissement"], "address_line": RESIDENCE["address_line"],
            "pattern": pattern})
    engine.dispose()


def measure(platform_, args, target: dict) -> dict:
    from infrastructure import log
    cycle = json.loads(Path(target["cycle"]).read_text())
    log(f"measuring vote: {args.vote_clients} clients, {args.warmup:g}s warm-up + {args.duration:g}s")
    from infrastructure import postgres_backends
    watch = [*target["watch"], f"budget={target['budget_pid']}", *postgres_backends(platform_.env)]
    command = [PYTHON, str(Path(__file__)), "loadgen", "--url", ",".join(target["urls"]), "--voters",
               target["voters"], "--cycle", target["cycle"], "--clients", str(args.vote_clients),
               "--duration", str(args.duration), "--warmup", str(args.warmup), *(f"--watch={w}" for w in watch)]
    platform_.check_alive()
    result = json.loads(platform_.run("loadgen vote", command, timeout=args.warmup + args.duration + 180))
    platform_.check_alive()
    cpu = result.pop("cpu_percent")
    if result["throughput_per_s"]:
        result["cpu_ms_per_ballot"] = {name: round(10 * percent / result["throughput_per_s"], 2)
                                       for name, percent in cpu.items() if name != "machine"}
        result["cpu_ms_per_ballot"]["all_watched"] = round(sum(result["cpu_ms_per_ballot"].values()), 2)
    succeeded = result.pop("succeeded_total")
    exhausted = result.pop("exhausted_clients")
    exact = count_after_burst(platform_.env, cycle["cycle_id"], succeeded)
    budget_calls = entrypoint_calls(platform_.env["BUDGET_HTTP_PORT"])
    batches = budget_calls.get("cast_ballots")
    if batches:
        result["cast_ballots_calls_total"] = batches
        result["mean_ballots_per_batch"] = round(succeeded / batches, 1)
    result["rpc_calls_since_start"] = {"budget": budget_calls,
                                       "accounts": entrypoint_calls(platform_.env["ACCOUNTS_HTTP_PORT"])}
    # where a ballot's latency goes: the service's own time per batch (the rest is queueing, broker, gateway)
    result["mean_ms_per_call"] = {
        "budget.cast_ballots": entrypoint_mean_ms(platform_.env["BUDGET_HTTP_PORT"], "cast_ballots"),
        "accounts.eligibility_attributes_many": entrypoint_mean_ms(platform_.env["ACCOUNTS_HTTP_PORT"],
                                                                   "eligibility_attributes_many")}
    if exhausted:
        log("WARNING: voters ran out before the end of the window: raise --voters")
        exact["voters_exhausted"] = True
    result.update(count_after_burst=exact, cpu_percent=cpu, clients=args.vote_clients,
                  gateways=len(target["urls"]))
    if not exact["exact"]:
        result["errors"] += 1
        log(f"FAILED: ballots lost or counted twice: {exact}")
    if args.database == "postgresql":
        result["tally"] = json.loads(platform_.run("tally", [PYTHON, str(Path(__file__)), "tally",
                                                             "--ballots", str(args.tally_ballots)], timeout=900))
    else:
        result["tally"] = {"skipped": "the tally of 150,000 ballots is measured on PostgreSQL"}
    log(f"  vote: {result}")
    return result


def count_after_burst(env: dict, cycle_id: str, succeeded: int) -> dict:
    """Ballots answered 200, ballot rows, counted ballots of the live counts, choices: all must agree."""
    import sqlalchemy as sa
    from hubkit.db import make_engine
    engine = make_engine(env["BUDGET_DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM budget_ballots WHERE cycle_id = :id"),
                                  {"id": cycle_id}).scalar_one()
        counted = connection.execute(sa.text("SELECT count(*) FROM budget_ballots WHERE cycle_id = :id "
                                             "AND counted"), {"id": cycle_id}).scalar_one()
        choices = connection.execute(sa.text(
            "SELECT count(*) FROM budget_ballot_choices c JOIN budget_ballots b ON b.id = c.ballot_id "
            "WHERE b.cycle_id = :id"), {"id": cycle_id}).scalar_one()
        envelopes = connection.execute(sa.text("SELECT envelope FROM outbox_events WHERE type = 'ballot_cast'"))
        events = sum(_json(envelope)["payload"].get("count", 1) for (envelope,) in envelopes)
    engine.dispose()
    return {"ballots_answered_200": succeeded, "rows_in_database": rows, "counted": counted,
            "choices": choices, "ballots_in_ballot_cast_events": events,
            "exact": succeeded == rows == counted == events and choices == 4 * rows}


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def entrypoint_calls(port: str) -> dict:
    """Calls answered per entrypoint of a service since it started (its Prometheus endpoint)."""
    import re

    import requests
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.RequestException:
        return {}
    calls = {}
    for line in text.splitlines():
        if line.startswith("hub_entrypoint_calls_total{"):
            name = re.search(r'entrypoint="([^"]+)"', line).group(1)
            calls[name] = calls.get(name, 0) + int(float(line.rsplit(" ", 1)[1]))
    return calls


def entrypoint_mean_ms(port: str, entrypoint: str) -> float | None:
    """Mean execution time of one entrypoint since the service started (its Prometheus histogram)."""
    import re

    import requests
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.RequestException:
        return None
    totals = {}
    for line in text.splitlines():
        found = re.match(r'hub_entrypoint_duration_seconds_(sum|count)\{[^}]*entrypoint="' + entrypoint + r'"', line)
        if found:
            totals[found.group(1)] = totals.get(found.group(1), 0.0) + float(line.rsplit(" ", 1)[1])
    return round(1000 * totals["sum"] / totals["count"], 1) if totals.get("count") else None


# --- subcommands (their own processes) -------------------------------------------------------------

def _budget():
    """A unit of work on BUDGET_DATABASE_URL and `Budget(uow, accounts)`: every use case by its name on it."""
    from budget import SERVICE_NAME
    from budget.handlers import Context, use_case
    from budget.models import Base
    from budget.settings import Settings
    from hubkit.config import database_url
    from hubkit.db import UnitOfWork, make_engine
    from sqlalchemy.orm import sessionmaker
    engine = make_engine(database_url(SERVICE_NAME))
    factory = sessionmaker(engine, expire_on_commit=False)
    settings = Settings()

    class Budget:
        """The service's use-case groups behind one object, as the seeding calls them (handlers.use_case)."""

        def __init__(self, uow, accounts=None):
            self.context = Context(uow, settings, accounts=accounts)

        def __getattr__(self, name):
            return use_case(self.context, name)
    return (lambda: UnitOfWork(factory, SERVICE_NAME, Base.metadata)), Budget, engine


class _Resident:
    """The eligibility the service would read from accounts (the seeding needs no accounts service)."""

    def eligibility_attributes(self, data):
        return {"account_id": data["account_id"], "lives_in_paris": True, "arrondissement": 19,
                "birth_date": "1990-01-01", "certification": "declared", "email_verified": True}


def make_cycle(uow_of, Budget, title: str, paris: int, local: dict) -> dict:
    """A cycle carried to the vote through the service's own use cases: `paris` Paris-wide projects and, per
    sector, `local[sector]` projects; every project studied (cost 100,000 €) and selected."""
    citizen = {"account_id": "00000000-0000-4000-8000-0000000be0c1", "roles": ["citizen"]}
    with uow_of() as uow:
        budget = Budget(uow, _Resident())
        cycle = budget.create_cycle(ADMIN, {"title": title, "paris_envelope": 1_000_000, "max_choices": 4,
                                            "sector_envelopes": {sector: 500_000 for sector in local},
                                            "eligibility": {"lives_in_paris": True}, "vote_day": None})
        made = {"cycle_id": cycle["id"], "paris": [], "local": {sector: [] for sector in local}}
        plan = [("paris", None)] * paris + [("arrondissement", s) for s, n in local.items() for _ in range(n)]
        for number, (scale, sector) in enumerate(plan, start=1):
            project = budget.submit_project(citizen, {
                "cycle_id": cycle["id"], "title": f"Projet du banc d'essai n° {number}", "theme": "Cadre de vie",
                "description": "Un projet pour mesurer le vote et le dépouillement.", "scale": scale,
                "sector": sector, "address": None, "origin_idea_id": None, "estimated_cost": None})
            (made["paris"] if sector is None else made["local"][sector]).append(project["id"])
        for stage in ("study",):
            budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": stage})
        for project_id in made["paris"] + [p for ids in made["local"].values() for p in ids]:
            budget.decide_study(ADMIN, {"project_id": project_id, "admissible": True, "feasible": True,
                                        "cost": 100_000, "admissibility_reason": "Banc d'essai."})
        for stage in ("co_construction", "selection"):
            budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": stage})
        for project_id in made["paris"] + [p for ids in made["local"].values() for p in ids]:
            budget.select_project(ADMIN, {"project_id": project_id, "selected": True})
        for stage in ("campaign", "vote"):
            budget.advance_stage(ADMIN, {"cycle_id": cycle["id"], "stage": stage})
    return made


def seed_cycle():
    uow_of, Budget, engine = _budget()
    made = make_cycle(uow_of, Budget, "Budget participatif du banc d'essai", 8, {"paris-19": 8})
    engine.dispose()
    print(json.dumps({"cycle_id": made["cycle_id"], "paris": made["paris"], "local": made["local"]["paris-19"]}))


def tally(ballots: int):
    """Seed `ballots` ballots (4 choices each: 2 Paris-wide, 2 local) with SQL, then time the close of the vote."""
    import sqlalchemy as sa
    uow_of, Budget, engine = _budget()
    made = make_cycle(uow_of, Budget, "Dépouillement du banc d'essai", 20, {"paris-19": 10, "paris-20": 10})
    local = made["local"]["paris-19"] + made["local"]["paris-20"]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO budget_ballots (cycle_id, account_id, sector, receipt_digest, cast_at, changes, channel, "
            "counted) SELECT CAST(:cycle AS varchar), 'bench-voter-' || g, "
            "CASE WHEN g % 2 = 0 THEN 'paris-19' ELSE 'paris-20' END, md5('r' || g) || md5('s' || g || :salt), now(), 0, "
            "CASE WHEN g % 10 = 0 THEN 'paper' ELSE 'online' END, true FROM generate_series(1, :n) AS g"),
            {"cycle": made["cycle_id"], "salt": made["cycle_id"][:8], "n": ballots})
        # Choices: projects (id + 5k) mod 20 for k = 0, 1 among the Paris-wide ones, and 2 of the ballot's
        # sector, skewed by the ballot id so that the counts differ.
        connection.execute(sa.text(
            "INSERT INTO budget_ballot_choices (ballot_id, project_id) "
            "SELECT b.id, (CAST(:paris AS varchar[]))[1 + ((b.id * b.id + 5 * k) % 20)] FROM budget_ballots b, "
            "generate_series(0, 1) AS k WHERE b.cycle_id = :cycle "
            "UNION ALL SELECT b.id, (CAST(:local AS varchar[]))[1 + (CASE WHEN b.sector = 'paris-19' THEN 0 ELSE 10 END) "
            "+ ((b.id % 7 + 3 * k) % 10)] FROM budget_ballots b, generate_series(0, 1) AS k "
            "WHERE b.cycle_id = :cycle"), {"cycle": made["cycle_id"], "paris": made["paris"], "local": local})
        choices = connection.execute(sa.text(
            "SELECT count(*) FROM budget_ballot_choices c JOIN budget_ballots b ON b.id = c.ballot_id "
            "WHERE b.cycle_id = :cycle"), {"cycle": made["cycle_id"]}).scalar_one()
        connection.execute(sa.text("ANALYZE budget_ballots; ANALYZE budget_ballot_choices"))
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    with uow_of() as uow:
        Budget(uow).advance_stage(ADMIN, {"cycle_id": made["cycle_id"], "stage": "results"})
    closed = time.perf_counter() - started
    with uow_of() as uow:
        results = Budget(uow).results(made["cycle_id"])
    engine.dispose()
    votes = sum(p["votes"] for scope in results["scopes"] for p in scope["projects"])
    print(json.dumps({"ballots": results["ballots_count"], "choices": choices, "seed_s": round(seeded, 2),
                      "close_and_tally_s": round(closed, 3), "votes_counted": votes,
                      "exact": results["ballots_count"] == ballots and votes == choices,
                      "winners": sum(p["won"] for scope in results["scopes"] for p in scope["projects"])}))


def loadgen(args):
    """Distinct voters, each casting one first ballot (2 Paris-wide, 2 local choices), through the gateway(s)."""
    sys.path.insert(0, str(BENCH_DIR))
    import itertools
    import os

    import loadgen as generator  # monkey-patches eventlet: only in this process
    cycle = json.loads(Path(args.cycle).read_text())
    tokens = iter(json.loads(Path(args.voters).read_text()))
    urls = args.url.split(",")
    watch = {"loadgen": (os.getpid(),), **generator.parse_watch(args.watch)}
    counter = itertools.count()
    path = f"/api/v1/budget/cycles/{cycle['cycle_id']}/ballot"

    def voter(index):
        client = generator.HttpClient(urls[index % len(urls)])

        def vote():
            token = next(tokens, None)
            if token is None:
                raise generator.Exhausted()
            n = next(counter)
            paris, local = cycle["paris"], cycle["local"]
            body = {"paris_projects": [paris[n % len(paris)], paris[(n + 3) % len(paris)]], "sector": "paris-19",
                    "sector_projects": [local[(n * 7) % len(local)], local[(n * 7 + 1) % len(local)]]}
            client.call("PUT", path, 200, body=body, token=token)
        return vote

    measured = generator.measure_groups({"vote": [voter(i) for i in range(args.clients)]}, args.warmup,
                                        args.duration, watch)
    print(json.dumps({**measured["vote"], "cpu_percent": measured["cpu_percent"]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed-cycle", help="a cycle at the vote (BUDGET_DATABASE_URL); prints its ids")
    tallying = sub.add_parser("tally", help="seed ballots with SQL, time the close of the vote (PostgreSQL)")
    tallying.add_argument("--ballots", type=int, default=TALLY_BALLOTS)
    generating = sub.add_parser("loadgen", help="voters through the gateway (run by run_bench.py)")
    generating.add_argument("--url", required=True)
    generating.add_argument("--voters", required=True)
    generating.add_argument("--cycle", required=True)
    generating.add_argument("--clients", type=int, default=64)
    generating.add_argument("--duration", type=float, default=10.0)
    generating.add_argument("--warmup", type=float, default=1.0)
    generating.add_argument("--watch", action="append", default=[])
    args = parser.parse_args()
    if args.command == "loadgen":
        loadgen(args)
        return
    import warnings
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    if args.command == "seed-cycle":
        seed_cycle()
    else:
        tally(args.ballots)


if __name__ == "__main__":
    main()

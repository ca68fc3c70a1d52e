"""Starting the bench's platform for the chosen scenarios: databases migrated and seeded (accounts, the petition
and its signers, the budget's voters through ballots.py), then the no-op service, the services and the gateways,
and a wait until their outboxes are drained so the seeding's events are not charged to the first measurement."""
import json
import os
import secrets
import shutil
import time
from pathlib import Path

import requests

import ballots
from infrastructure import (BENCH_DIR, PASSWORD, PYTHON, Platform, redis_ping, create_pg_database, create_vhost,
                            free_port, log, pending_events, rabbitmq_pid, wait_until)

# The signing scenario measures the signing path, not the anti-abuse limits (every signature comes from
# 127.0.0.1): the limits are raised out of reach, but still checked (the Redis calls are made).
UNREACHABLE_LIMITS = {f"PETITIONS_SIGN_{name}": str(10**9) for name in
                      ("IP_PER_MINUTE", "IP_PER_HOUR", "ACCOUNT_PER_MINUTE", "ACCOUNT_PER_HOUR")}
SESSION_CACHE_SECONDS = 1800


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
        wait_until("redis", lambda: redis_ping(redis_port), [redis])
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
        wait_until(f"{url}/statusz", lambda url=url: requests.get(f"{url}/statusz", timeout=2).status_code == 200,
                   [p for p in (noop, accounts, petitions, *gateways.values()) if p])
    log(f"platform ready ({len(urls)} gateway process{'es' if len(urls) > 1 else ''})")
    # The seeding wrote thousands of events (accounts registered, sessions...): their relays publish them in the
    # background. Measuring before they are out would charge that work to the first scenario.
    for name in ("ACCOUNTS", "PETITIONS", "BUDGET"):
        if env.get(f"{name}_DATABASE_URL"):
            wait_until(f"{name.lower()}'s outbox drained", lambda url=env[f"{name}_DATABASE_URL"]: pending_events(url) == 0,
                       [p for p in (noop, accounts, petitions, *gateways.values()) if p], timeout=300)
    watch = {**{name: process.pid for name, process in gateways.items()}, "accounts": accounts.pid,
             "noop_service": noop.pid, "petitions": petitions.pid if petitions else None, "rabbitmq": rabbitmq_pid(),
             "redis": platform_.processes["redis"].pid if "redis" in platform_.processes else None}
    return {**target, "url": urls[0], "urls": urls, "watch": [f"{name}={pid}" for name, pid in watch.items() if pid]}

"""« Mon espace » at 1,000 items for one person (issue 15 §2, contract §C: p95 < 100 ms through the gateway).

    .venv/bin/python bench/my_space.py [--items 1000] [--samples 300] [--others 200]

Starts a private platform on PostgreSQL (accounts, notifications and the gateway as processes, fresh databases, its
own RabbitMQ vhost: hubkit.testing.Platform, as bench/scale.py and the end-to-end tests run it), makes one verified
citizen with an API session (bench/seed_signers.py), then writes straight into the notifications database the
read model the events would have built: ITEMS items of the six kinds in that person's space (each with its role and
listing row) and, around them, OTHERS other people with 50 items each in the same tables (the index must pick one
person's range out of everyone's). It then measures, sequentially over one keep-alive connection, after a warm-up:

- `noop`: GET /healthz (the gateway alone, no RPC) and GET /api/v1/me/notification-preferences (one small RPC to
  the same service: the ceiling any RPC-backed request of this platform has);
- `space_first_page`: GET /api/v1/me/space?limit=50;
- `space_kind_page`: GET /api/v1/me/space?limit=50&kind=petition;
- `space_deep_page`: the page after the 900th item (its cursor, read by walking the pages once), limit 50.

Prints one JSON document (p50/p95/max in ms, each space path's p95 over the RPC no-op's, the target met or not) and
saves it under bench/results/. Exits 1 if a request got an error answer or a page was not the expected one.
"""
import argparse
import json
import os
import platform as machine
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PYTHON = sys.executable
PASSWORD = "Bench-Password-2026!"
KINDS = ("idea", "contribution", "budget_project", "ballot", "petition", "dossier")
ROLE_OF = {"idea": "author", "contribution": "contributor", "budget_project": "follower", "ballot": "voter",
           "petition": "signer", "dossier": "requester"}
STATE_OF = {"idea": "answered", "contribution": "open", "budget_project": "selected", "ballot": "recorded",
            "petition": "open", "dossier": "received"}
TARGET_P95_MS = 100.0
PAGE = 50


def log(message: str):
    print(f"[my_space] {message}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000, help="items in the measured person's space")
    parser.add_argument("--others", type=int, default=200, help="other people, 50 items each, in the same tables")
    parser.add_argument("--samples", type=int, default=300, help="measured requests per path")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests per path first")
    args = parser.parse_args()
    os.environ["HUB_ENV"] = "test"
    os.environ.setdefault("HUB_TRUST_DEV_SEED", os.urandom(16).hex())
    from hubkit.testing import Platform, drop_templates
    services = {name: REPO_ROOT / "services" / name / name for name in ("accounts", "notifications")}
    log("starting accounts, notifications and the gateway on PostgreSQL")
    platform = Platform(services, "postgresql", settings={"HUB_SESSION_CACHE_SECONDS": "3600"})
    loadavg = os.getloadavg()
    try:
        headers = citizen_headers(platform)
        account_id = requests.get(f"{platform.url}/api/v1/me", headers=headers, timeout=30).json()["id"]
        started = time.perf_counter()
        seed(platform.env["NOTIFICATIONS_DATABASE_URL"], account_id, args.items, args.others)
        log(f"seeded {args.items} items for the person and {args.others * 50} for {args.others} others "
            f"({time.perf_counter() - started:.1f} s)")
        document = measure(platform.url, headers, args)
    except BaseException:
        for name in platform.processes:
            log(f"--- last lines of {name}.log\n" + "\n".join(platform.log(name).splitlines()[-12:]))
        raise
    finally:
        log("stopping the platform")
        platform.stop()
        drop_templates()
    document.update(machine={"python": machine.python_version(), "cpus": os.cpu_count(),
                             "loadavg_before": [round(value, 2) for value in loadavg]},
                    items=args.items, other_entries=args.others * 50, samples=args.samples)
    print(save(document))
    if document["errors"]:
        log(f"FAILED: {document['errors']}")
        sys.exit(1)


def citizen_headers(platform) -> dict:
    """One verified citizen with an API session, written by bench/seed_signers.py (cheap hashing, warm session)."""
    done = subprocess.run([PYTHON, str(BENCH_DIR / "seed_signers.py"), "1", f"space-{os.getpid()}", PASSWORD,
                           "warm"], env=platform.env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    if done.returncode:
        raise RuntimeError(f"seed_signers failed:\n{done.stderr[-3000:]}")
    return {"Authorization": f"Bearer {json.loads(done.stdout)[0]}"}


def seed(url: str, account_id: str, items: int, others: int):
    """The read model as the events would leave it: items, their roles and the listing rows, in bulk."""
    import sqlalchemy as sa

    from hubkit.db import make_engine
    from notifications.models import SpaceEntry, SpaceItem, SpaceRole
    now = datetime.now(timezone.utc)
    item_rows, role_rows, entry_rows = [], [], []
    for number in range(items):
        kind = KINDS[number % len(KINDS)]
        item_id = f"DEVE-2026-{number:06d}" if kind == "dossier" else str(uuid.uuid4())
        # some items share a moment: the order's ties are decided by kind then id, as in real life
        at = now - timedelta(minutes=number // 3)
        link = {"idea": "/idees/{}", "contribution": "/consultations/{}", "budget_project":
                "/budget-participatif/projets/{}", "ballot": "/budget-participatif/{}/vote/recu",
                "petition": "/petitions/{}", "dossier": "/agir/dossiers/{}"}[kind].format(item_id)
        item_rows.append({"kind": kind, "item_id": item_id, "title": f"Élément numéro {number} de mon espace",
                          "state": STATE_OF[kind], "detail": "Transmise au budget participatif" if kind == "idea"
                          else "", "counts": {"signatures": number, "threshold": 5000} if kind == "petition" else {},
                          "link": link, "updated_at": at, "state_at": at})
        role_rows.append({"account_id": account_id, "kind": kind, "item_id": item_id, "role": ROLE_OF[kind],
                          "active": True, "contributions": 2 if kind == "contribution" else 0, "changed_at": at})
        entry_rows.append({"account_id": account_id, "kind": kind, "item_id": item_id, "roles": ROLE_OF[kind],
                           "contributions": 2 if kind == "contribution" else 0, "updated_at": at})
    for person in range(others):  # other people, on the same items: the measured person's range is one of many
        other_id = str(uuid.uuid4())
        for offset in range(50):
            item = item_rows[(person * 7 + offset) % items]
            entry_rows.append({"account_id": other_id, "kind": item["kind"], "item_id": item["item_id"],
                               "roles": "follower", "contributions": 0, "updated_at": item["updated_at"]})
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.insert(SpaceItem), item_rows)
        connection.execute(sa.insert(SpaceRole), role_rows)
        connection.execute(sa.insert(SpaceEntry), entry_rows)
        connection.execute(sa.text("ANALYZE space_items; ANALYZE space_roles; ANALYZE space_entries"))
    engine.dispose()


def measure(url: str, headers: dict, args) -> dict:
    session = requests.Session()
    session.headers.update(headers)
    errors = []

    def get(path: str) -> requests.Response:
        response = session.get(url + path, timeout=30)
        if response.status_code != 200 and len(errors) < 5:
            errors.append(f"{path}: {response.status_code} {response.text[:200]}")
        return response

    first = get(f"/api/v1/me/space?limit={PAGE}").json()
    if first.get("kinds") and sum(first["kinds"].values()) != args.items:
        errors.append(f"the space has {sum(first['kinds'].values())} items, not {args.items}")
    deep_cursor = cursor_after(get, min(900, args.items - PAGE))
    paths = {"noop_healthz": "/healthz", "noop_rpc": "/api/v1/me/notification-preferences",
             "space_first_page": f"/api/v1/me/space?limit={PAGE}",
             "space_kind_page": f"/api/v1/me/space?limit={PAGE}&kind=petition",
             "space_deep_page": f"/api/v1/me/space?limit={PAGE}&cursor={deep_cursor}"}
    timings = {name: [] for name in paths}
    for name, path in paths.items():
        for _ in range(args.warmup):
            get(path)
    for _ in range(args.samples):  # interleaved: a slower moment of the machine weighs on every path alike
        for name, path in paths.items():
            started = time.perf_counter()
            response = get(path)
            timings[name].append((time.perf_counter() - started) * 1000)
            if name.startswith("space") and len(response.json().get("items", ())) != PAGE and len(errors) < 5:
                errors.append(f"{name}: {len(response.json().get('items', ()))} items, not {PAGE}")
    figures = {name: summary(values) for name, values in timings.items()}
    ceiling = figures["noop_rpc"]["p95_ms"]
    for name in ("space_first_page", "space_kind_page", "space_deep_page"):
        figures[name]["p95_over_noop_rpc"] = round(figures[name]["p95_ms"] / ceiling, 2)
    worst = max(figures[name]["p95_ms"] for name in figures if name.startswith("space"))
    return {"paths": figures, "target_p95_ms": TARGET_P95_MS, "target_met": worst < TARGET_P95_MS,
            "errors": errors}


def cursor_after(get, count: int) -> str:
    """The cursor of the page that starts after `count` items, found by walking the pages as a client does."""
    cursor, seen = None, 0
    while seen < count:
        answer = get(f"/api/v1/me/space?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")).json()
        seen += len(answer["items"])
        cursor = answer["next_cursor"]
    return cursor


def summary(values: list) -> dict:
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2), "max_ms": round(ordered[-1], 2)}


def save(document: dict) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False)
    results = BENCH_DIR / "results"
    results.mkdir(exist_ok=True)
    (results / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-my_space.json").write_text(text + "\n")
    return text


if __name__ == "__main__":
    main()

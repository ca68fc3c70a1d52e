"""The `scale` scenario's idea searches alone (issue 17): bench/scale.py's platform and ideas, without the other
services' data and probes, so that a change to search is measured in minutes.

    .venv/bin/python bench/scale_search.py                                 # 2,000 then 100,000 ideas
    .venv/bin/python bench/scale_search.py --sizes 2000,20000 --samples 30

Starts the same private platform on PostgreSQL (hubkit.testing.Platform), grows the idea box size after size with
bench/scale_seed.py (ideas and routing's inbox, as bench/scale.py does), restarts the ideas service, then asks
`GET /api/v1/ideas?q=` through the gateway (bench/scale_probes.search_probes: a common word, two common words, a
rare word, a word found nowhere), one request at a time. Prints one JSON document (stdout and bench/results/):
p50/p95 per size, the ratio of each p95 at the largest size over the smallest, and issue 17's target (p95 ≤ 50 ms at
100,000 ideas, growth ≤ 2×).
"""
import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import scale  # noqa: E402
import scale_probes  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,100000", help="ideas in the box, comma-separated, ascending")
    parser.add_argument("--samples", type=int, default=40, help="measured requests per search and size")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--label", default="", help="a word in the results file name (before, after...)")
    parser.add_argument("--no-vacuum", action="store_true", help="probe right after the bulk load")
    args = parser.parse_args()
    sizes = sorted({int(size) for size in args.sizes.split(",")})
    os.environ["HUB_ENV"] = "test"
    os.environ.setdefault("HUB_TRUST_DEV_SEED", os.urandom(16).hex())
    from hubkit.testing import Platform, drop_templates
    services = {path.parent.name: path.parent for path in sorted(scale.REPO_ROOT.glob("services/*/*/__main__.py"))
                if path.parent.name == path.parent.parent.name}
    scale.log("starting the platform on PostgreSQL")
    platform = Platform(services, "postgresql", settings=scale.SETTINGS)
    loadavg, by_size = os.getloadavg(), {}
    try:
        for size in sizes:
            by_size[size] = measure(platform, size, args)
    finally:
        scale.log("stopping the platform")
        platform.stop()
        drop_templates()
    small, large = min(by_size), max(by_size)
    ratios = {name: round(figures["p95_ms"] / by_size[small][name]["p95_ms"], 2)
              for name, figures in by_size[large].items() if figures.get("p95_ms") and by_size[small][name]["p95_ms"]}
    document = {"sizes": {str(size): paths for size, paths in by_size.items()},
                "p95_ratio_largest_over_smallest": ratios,
                "targets": {name: {"p95_ms": by_size[large][name]["p95_ms"], "growth": ratios.get(name),
                                   "met": (by_size[large][name]["p95_ms"] or 1e9) <= scale.SEARCH_LIMITS["search"]
                                   and (ratios.get(name) or 1e9) <= scale.GROWTH_LIMIT
                                   and not any(paths[name]["errors"] for paths in by_size.values())
                                   if large >= 100_000 else None} for name in by_size[large]},
                "config": {"sizes": sizes, "samples": args.samples, "seed": args.seed, "database": "postgresql",
                           "vacuumed": not args.no_vacuum},
                "code": scale.code_version(),
                "machine": {"cpu_count": os.cpu_count(), "loadavg_at_start": [round(x, 2) for x in loadavg],
                            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]},
                "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    print(scale.save(document, f"search-{args.label}" if args.label else "search"))


def measure(platform, size: int, args) -> dict:
    scale.log(f"--- {size} ideas: seeding")
    started = time.perf_counter()
    scale.run(platform, f"ideas to {size}", [str(BENCH_DIR / "scale_seed.py"), "ideas", "--total", str(size),
                                             "--waiting", str(size // 2), "--seed", str(args.seed)])
    scale.log(f"  seeded in {time.perf_counter() - started:.0f} s")
    scale.outboxes_drained(platform)
    if not args.no_vacuum:
        scale.settled(platform, names=("IDEAS",))
    platform.restart_process("ideas")
    platform.wait_ready(120)
    time.sleep(2)
    world = {"common_word": "arbres", "rare_word": scale.rare_word(size, args.seed)}
    paths = scale_probes.search_probes(platform.url, requests.Session(), world, args.samples)
    for name, figures in paths.items():
        scale.log(f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, errors {figures['errors']}, "
                  f"total {figures['total']}{'+' if figures['total_is_lower_bound'] else ''}")
    return paths


if __name__ == "__main__":
    main()

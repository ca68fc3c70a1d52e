"""Logins per second that password hashing allows on this machine, old argon2 parameters against new, in one run.

A login verifies one hash (and rehashes once when the parameters changed); a registration hashes once. Each
profile is measured the way the accounts service runs it: in eventlet's thread pool, `--threads` at a time (a
burst of logins), then alone (the latency one citizen waits). Profiles alternate round by round so a noisy
neighbour slows both alike. Prints one JSON document; the ratios are new over old.

    .venv/bin/python bench/login_hashing.py                # 3 rounds of 4 s per profile
    .venv/bin/python bench/login_hashing.py --rounds 5 --seconds 6 --threads 4
"""
import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "accounts"))
from accounts.handlers import passwords  # noqa: E402  (the service's own parameters: what "new" means)

PASSWORD = "Des-Arbres-Partout-2026"
# argon2-cffi's default until this change (RFC 9106's low-memory profile): t=3, m=64 MiB, p=4.
OLD = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
NEW = passwords.HASHER


def verifications_per_second(hasher: PasswordHasher, threads: int, seconds: float) -> float:
    stored = hasher.hash(PASSWORD)
    done, deadline = 0, time.perf_counter() + seconds

    def worker():
        count = 0
        while time.perf_counter() < deadline:
            hasher.verify(stored, PASSWORD)
            count += 1
        return count

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(lambda _: worker(), range(threads)))
    return done / (time.perf_counter() - started)


def latency_ms(hasher: PasswordHasher, samples: int = 15) -> float:
    stored = hasher.hash(PASSWORD)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        hasher.verify(stored, PASSWORD)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def describe(hasher: PasswordHasher) -> dict:
    return {"type": "argon2id", "time_cost": hasher.time_cost, "memory_kib": hasher.memory_cost,
            "parallelism": hasher.parallelism}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=4, help="hashes under way at once (a burst of logins)")
    args = parser.parse_args()
    rates = {"old": [], "new": []}
    for round_number in range(args.rounds):
        for name, hasher in (("old", OLD), ("new", NEW)) if round_number % 2 == 0 else (("new", NEW), ("old", OLD)):
            rates[name].append(verifications_per_second(hasher, args.threads, args.seconds))
            print(f"round {round_number + 1} {name}: {rates[name][-1]:.1f} verifications/s", file=sys.stderr)
    latencies = {name: latency_ms(hasher) for name, hasher in (("old", OLD), ("new", NEW))}
    old_rate, new_rate = statistics.median(rates["old"]), statistics.median(rates["new"])
    print(json.dumps({
        "threads": args.threads, "rounds": args.rounds, "seconds_per_round": args.seconds,
        "old": {**describe(OLD), "logins_per_second": round(old_rate, 1), "runs": [round(r, 1) for r in rates["old"]],
                "single_login_ms": round(latencies["old"], 1)},
        "new": {**describe(NEW), "logins_per_second": round(new_rate, 1), "runs": [round(r, 1) for r in rates["new"]],
                "single_login_ms": round(latencies["new"], 1)},
        "ratio_logins_per_second_new_over_old": round(new_rate / old_rate, 2),
        "ratio_single_login_ms_new_over_old": round(latencies["new"] / latencies["old"], 2),
    }, indent=2))


if __name__ == "__main__":
    main()

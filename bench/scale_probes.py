"""The `scale` scenario's probes (bench/scale.py): each path of issue 17 asked through the gateway, one request at a
time on one kept-alive connection, p50/p95 in ms; the ideas service's memory; an idea page read idle and while 8
similarity requests run; the submission of an idea.

Every probe varies its input over the samples (typed texts, idea ids) so that no cache answers all of them, sends
each request from its own client address (X-Forwarded-For, the gateway trusting one proxy) so that the per-address
limits do not turn the measurement into 429s, and counts any answer other than the expected status as an error.
"""
import itertools
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import requests

from text_corpus import typed_ideas

SIMILAR_DESCRIPTION = 300  # characters of the description sent while typing (the routes accept 400)
CONCURRENT_SIMILAR = 8
TWO_COMMON_WORDS = "jardin partagé"  # as bench/text_index.py searches them
_addresses = itertools.count(1)


def client_address() -> str:
    number = next(_addresses)
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(latencies: list, errors: int, samples: list) -> dict:
    if not latencies:
        return {"p50_ms": None, "p95_ms": None, "requests": 0, "errors": errors, "error_samples": samples[:3]}
    return {"p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "max_ms": round(max(latencies), 1), "requests": len(latencies), "errors": errors,
            **({"error_samples": samples[:3]} if samples else {})}


def timed(session: requests.Session, method: str, url: str, expected=(200,), **kwargs) -> tuple:
    """(milliseconds, error or None) of one request."""
    headers = {"X-Forwarded-For": client_address(), **kwargs.pop("headers", {})}
    started = time.perf_counter()
    try:
        response = session.request(method, url, headers=headers, timeout=30, **kwargs)
        response.content  # the whole body: what a client waits for
    except requests.RequestException as error:
        return (time.perf_counter() - started) * 1000, f"{type(error).__name__}: {error}"[:200]
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in expected:
        return elapsed, f"{response.status_code} {url[-120:]}: {response.text[:200]}"
    return elapsed, None


def probe(session, method: str, urls, samples: int, warmup: int = 3, expected=(200,), **kwargs) -> dict:
    """`samples` sequential requests (after `warmup` unmeasured ones), cycling through `urls`."""
    urls = list(urls) if not isinstance(urls, str) else [urls]
    latencies, errors, error_samples = [], 0, []
    for number in range(warmup + samples):
        elapsed, error = timed(session, method, urls[number % len(urls)], expected, **kwargs)
        if number < warmup:
            continue
        latencies.append(elapsed)
        if error:
            errors += 1
            error_samples.append(error)
    return summary(latencies, errors, error_samples)


# --- the paths -----------------------------------------------------------------------------------------------

def similar_urls(base: str, path: str, seed: int, count: int) -> list:
    """Texts as typed in the submission form: half re-type an idea of the box, half are new."""
    return [f"{base}{path}?title={quote(typed.title[:140])}&description={quote(typed.description[:SIMILAR_DESCRIPTION])}"
            for typed in typed_ideas(count, seed)]


def gateway_similar_path(base: str) -> str | None:
    """The gateway's similar content across schemes (issue 17), if this code has it."""
    answer = requests.get(f"{base}/api/v1/similar?title=arbres", timeout=30,
                          headers={"X-Forwarded-For": client_address()})
    return "/api/v1/similar" if answer.status_code == 200 else None


def run_probes(base: str, people: dict, world: dict, args) -> dict:
    """Every path of issue 17's tables, one after the other."""
    agent, citizen, pages = people["agent_headers"], people["citizen_headers"], people["agent_pages"]
    visitor, n = requests.Session(), args.samples
    results = {}
    typed = max(n, 40)
    results["similar_ideas"] = probe(visitor, "GET", similar_urls(base, "/api/v1/ideas/similar", args.seed, typed), n)
    across = gateway_similar_path(base)
    if across:
        results["similar_across_schemes"] = probe(visitor, "GET",
                                                  similar_urls(base, across, args.seed + 1, typed), n)
    results.update(search_probes(base, visitor, world, n))
    results["agent_idea_page"] = probe(pages, "GET", [f"{base}/idees/{i}" for i in world["waiting_ids"]], n)
    results["routing_decision_page"] = probe(pages, "GET",
                                             [f"{base}/back-office/orientation/{i}" for i in world["waiting_ids"]], n)
    results.update(inbox_last_page(base, visitor, agent, n))
    results["petitions_popular_search_page"] = probe(
        visitor, "GET", f"{base}/petitions?tri=populaires&recherche={quote(world['petition_word'])}", n)
    results["budget_live_counts"] = probe(visitor, "GET", f"{base}/api/v1/budget/cycles/{world['vote_cycle']}/counts",
                                          n, headers=agent)
    results["budget_results"] = probe(visitor, "GET",
                                      f"{base}/api/v1/budget/cycles/{world['results_cycle']}/results", n)
    results["budget_project_list"] = probe(visitor, "GET", f"{base}/api/v1/budget/projects?limit=20", n)
    results["gdpr_export_no_ballot"] = probe(visitor, "GET", f"{base}/api/v1/me/export", max(5, n // 4),
                                             headers=citizen)
    return results


def search_probes(base: str, session, world: dict, samples: int) -> dict:
    """The idea box's search, `GET /api/v1/ideas?q=`: a common word ("arbres", in 29 % of the ideas), two common
    words (both in 15-22 %), a rare word (2-5 ideas) and a word found nowhere; each answer's total and whether it
    is a lower bound are kept (issue 17: a search counts up to 1,000)."""
    results = {}
    for name, words in (("common_word", world["common_word"]),
                        ("two_common_words", world.get("two_common_words", TWO_COMMON_WORDS)),
                        ("rare_word", world["rare_word"]), ("no_match_word", "zqxwvjk")):
        url = f"{base}/api/v1/ideas?q={quote(words)}"
        results[f"ideas_search_{name}"] = probe(session, "GET", url, samples)
        answer = requests.get(url, timeout=30, headers={"X-Forwarded-For": client_address()}).json()
        results[f"ideas_search_{name}"].update(
            {"words": words, "total": answer.get("total"), "total_is_lower_bound": answer.get("total_is_lower_bound")})
    return results


def inbox_last_page(base: str, session, agent: dict, samples: int) -> dict:
    """The agents' inbox API, its last page of 50: reached by following `next_cursor` (issue 17's keyset pages:
    what the pages' "next" link does) when the API gives one, and by its number (an offset) in any case."""
    inbox = f"{base}/api/v1/routing/inbox?per_page=50"
    first = requests.get(inbox, headers=agent, timeout=60).json()
    last = max(1, min(10_000, -(-first["total"] // 50)))
    results = {"routing_inbox_last_page_by_number": probe(session, "GET", f"{inbox}&page={last}", samples,
                                                          headers=agent)}
    results["routing_inbox_last_page_by_number"]["page"] = last
    if "next_cursor" in first:
        cursor, page, walked = None, first, 1
        while page.get("next_cursor"):
            cursor = page["next_cursor"]
            page = requests.get(f"{inbox}&after={cursor}", headers=agent, timeout=60).json()
            walked += 1
        url = f"{inbox}&after={cursor}" if cursor else inbox
        results["routing_inbox_last_page"] = {**probe(session, "GET", url, samples, headers=agent), "page": walked}
    else:
        results["routing_inbox_last_page"] = results["routing_inbox_last_page_by_number"]
    return results


def idea_read_under_similarity(base: str, world: dict, args) -> dict:
    """An idea page read (public, a visitor) p95 idle, then while CONCURRENT_SIMILAR clients ask similar ideas
    without pause; the ratio is the target's (≤ 2)."""
    pages = [f"{base}/idees/{i}" for i in world["visible_ids"]]
    session = requests.Session()
    idle = probe(session, "GET", pages, args.samples)
    stop, load = threading.Event(), {"requests": 0, "errors": 0}
    urls = similar_urls(base, "/api/v1/ideas/similar", args.seed + 2, 64)

    def hammer(offset: int):
        own = requests.Session()
        for url in itertools.islice(itertools.cycle(urls), offset, None):
            if stop.is_set():
                return
            _, error = timed(own, "GET", url)
            load["requests"] += 1
            load["errors"] += bool(error)

    threads = [threading.Thread(target=hammer, args=(8 * k,), daemon=True) for k in range(CONCURRENT_SIMILAR)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the similarity requests under way
    started = time.perf_counter()
    loaded = probe(session, "GET", pages, args.samples, warmup=0)
    seconds = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(60)
    ratio = round(loaded["p95_ms"] / idle["p95_ms"], 2) if idle["p95_ms"] and loaded["p95_ms"] else None
    return {"idle": idle, "while_similarity": loaded, "p95_ratio": ratio,
            "similarity_requests_meanwhile": load["requests"], "similarity_errors_meanwhile": load["errors"],
            "similarity_per_s_meanwhile": round(load["requests"] / (seconds + 1.0), 1)}


def submission(base: str, people: dict, args) -> dict:
    """POST /api/v1/ideas (new texts), sequentially, each by an author of its own (the idea box's hourly limit): the
    submission's latency with its index write."""
    session, latencies, errors, samples = requests.Session(), [], 0, []
    texts = [typed for typed in typed_ideas(args.samples * 3, args.seed + 3) if typed.duplicate_of is None]
    for number, typed in enumerate(texts[:args.samples + 3]):
        body = {"title": typed.title[:140] if len(typed.title) >= 5 else f"Idée : {typed.title}",
                "description": typed.description if len(typed.description) >= 10 else typed.description + " (banc)",
                "theme": "environnement", "arrondissement": 1 + number % 20}
        elapsed, error = timed(session, "POST", f"{base}/api/v1/ideas", (201,), json=body,
                               headers={**next(people["authors"]), "Idempotency-Key": str(uuid.uuid4())})
        if number < 3:
            continue
        latencies.append(elapsed)
        if error:
            errors += 1
            samples.append(error)
    return summary(latencies, errors, samples)


def memory(pid: int) -> dict:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mib": fields.get("VmRSS"), "peak_mib": fields.get("VmHWM")}

"""What already exists anywhere, close to a text being typed (issue 17, "across schemes"): ideas and consultation
proposals (ideas' `similar_ideas`), budget projects of every edition and open petitions (budget's and petitions'
`similar_content`). Each service indexes its own content and answers for it; the gateway asks the three at the same
time and merges their answers by similarity.

Each source has its own short deadline (SOURCE_SECONDS): a service that is slow or down costs the page that second,
never the others' answers; the answer says which sources answered (`sources`, `partial`). The similar panel helps,
it never blocks: no source's failure is the caller's error.
"""
import contextvars
import logging
import time

import eventlet
from eventlet.semaphore import Semaphore
from flask import url_for
from prometheus_client import Counter

from hubkit.errors import HubError, NotFound, ServiceUnavailable
from hubkit.metrics import Children

from . import remote

log = logging.getLogger("gateway")

SOURCES = ("ideas", "budget", "petitions")
KINDS = ("idea", "proposal", "project", "petition")  # the order of equal similarities
# what the person can do instead of filing: by kind, those the services may name (others are dropped)
ACTIONS = {"idea": ("support", "follow"), "proposal": ("support",), "project": ("vote", "follow", "join"),
           "petition": ("sign", "follow")}
# each source's deadline: an answer takes milliseconds (issue 17's target: 50 ms at p95); past a second, the
# service is slow or down and the page goes on without it
SOURCE_SECONDS = 1.0
OPEN_IDEA_STATUSES = ("submitted", "under_review")  # an idea takes supports (when ideas does not say)
IDEAS_TITLE_MAX, TITLE_MAX, DESCRIPTION_MAX = 140, 200, 5000  # what ideas, budget and petitions take
OK, TIMEOUT, UNAVAILABLE, ERROR, KNOWN = "ok", "timeout", "unavailable", "error", "ok"
# each source's answers to the panel by outcome (every series at 0 from the start: an alert's ratio reads 0, not "no
# data"): a source that times out or fails is left out of the panel without an error, so only this tells ops
SOURCE_ANSWERS = Counter("hub_similar_sources_total", "Similar-content sources asked by the gateway, by outcome.",
                         ["source", "outcome"])
for _source in SOURCES:
    for _outcome in (OK, TIMEOUT, UNAVAILABLE, ERROR):
        SOURCE_ANSWERS.labels(_source, _outcome)
_SOURCE_ANSWERS = Children(SOURCE_ANSWERS)
# past a source's own deadline, how long more the merge waits for its thread to hand its outcome back
_GRACE_SECONDS = 0.25
# calls to the sources under way at once in one gateway process: a third of its RPC pool (HUB_RPC_POOL_SIZE, 32),
# so that a burst of people typing never takes the proxies every other page needs; past it, a call waits for a
# place within its own deadline
CALLS_AT_ONCE = 12
_places = Semaphore(CALLS_AT_ONCE)
# where a forwarded idea went (routing's link, then that service's public page): by routing's kind of link
DESTINATIONS = {"budget_project": ("budget", "get_project", "project_id"),
                "petition": ("petitions", "get_petition", "petition_id")}
DESTINATIONS_PER_IDEA = 2
DESTINATION_SECONDS = 0.5  # each of the two rounds: a panel that helps must not wait long for a detail


def across_schemes(title: str, description: str = "", limit: int = 5, exclude_idea: str = None,
                   known_ideas: list = None) -> dict:
    """{"items": merged, best first, at most `limit` per kind; "sources": {source: "ok" | "timeout" |
    "unavailable" | "error"}; "partial": whether a source did not answer}. `known_ideas`: the ideas already in
    hand (get_idea gives staff the similar ideas): ideas is not asked a second time."""
    description = (description or "")[:DESCRIPTION_MAX]  # the start of a long text is enough to compare
    wanted = {"title": title[:TITLE_MAX], "description": description, "limit": limit}
    asks = {"budget": ("budget", "similar_content", wanted), "petitions": ("petitions", "similar_content", wanted)}
    if known_ideas is None:
        query = {"title": title[:IDEAS_TITLE_MAX], "description": description}
        if exclude_idea:
            query["exclude"] = str(exclude_idea)
        asks["ideas"] = ("ideas", "similar_ideas", query)
    answers, sources = ask_all(asks, SOURCE_SECONDS)
    for source in asks:
        _SOURCE_ANSWERS[source, sources[source]].inc()
    if known_ideas is not None:
        answers["ideas"], sources["ideas"] = {"items": known_ideas}, KNOWN
    items = []
    for source in SOURCES:
        for item in (answers.get(source) or {}).get("items") or ():
            shaped = shape(item)
            if shaped is not None and not (shaped["kind"] == "idea" and shaped["id"] == str(exclude_idea)):
                items.append(shaped)
    return {"items": merged(items, limit), "sources": {source: sources[source] for source in SOURCES},
            "partial": any(sources[source] != OK for source in SOURCES)}


def ask_all(asks: dict, seconds: float) -> tuple:
    """Each ask `(service, method, data)` by name, made at the same time in green threads, each cut at `seconds`.
    Returns ({name: answer}, {name: outcome}); a source whose thread is still busy past the deadline (its call is
    being cut) is a timeout, and left to end on its own."""
    threads = {name: eventlet.spawn(contextvars.copy_context().run, _ask, service, method, data, seconds)
               for name, (service, method, data) in asks.items()}
    deadline = time.monotonic() + seconds + _GRACE_SECONDS
    answers, outcomes = {}, {}
    for name, thread in threads.items():
        outcome = (None, TIMEOUT)
        with eventlet.Timeout(max(0.0, deadline - time.monotonic()), False):
            outcome = thread.wait()
        answers[name], outcomes[name] = outcome
    return answers, outcomes


def _ask(service: str, method: str, data: dict, seconds: float) -> tuple:
    """(answer, "ok") or (None, why not): never raises (a green thread's error would be logged as a crash)."""
    timer, placed = eventlet.Timeout(seconds), False
    try:
        placed = _places.acquire()
        return remote.call(service, method, data), OK
    except eventlet.Timeout as error:
        if error is not timer:
            raise
        return None, TIMEOUT
    except ServiceUnavailable as error:
        return None, TIMEOUT if (error.details or {}).get("reason") == "RpcTimeout" else UNAVAILABLE
    except NotFound:  # not shown to anyone (a draft project or petition): nothing to say of it
        return None, ERROR
    except HubError as error:  # a refusal of this text by one source: the others still answer
        log.warning("a source of similar content refused", extra={"service": service, "error": error.code})
        return None, ERROR
    except Exception:
        log.exception("a source of similar content failed", extra={"service": service})
        return None, ERROR
    finally:
        timer.cancel()
        if placed:
            _places.release()


def with_destinations(items: list) -> list:
    """`items`, each forwarded idea with `continued_as`: where it went, when routing knows what it became (the budget
    project or the petition drafted from it) and that service shows it to anyone, with what a citizen may do there
    instead of supporting the idea (it takes no supports any more). Two short rounds of calls at the same time (the
    ideas' timelines, then their destinations' pages), each cut at DESTINATION_SECONDS: past it, the panel says
    only that the idea was forwarded."""
    forwarded = [item for item in items if item["kind"] == "idea" and item.get("status") == "forwarded"]
    for item in forwarded:
        item["continued_as"] = []
    if not forwarded:
        return items
    timelines, _ = ask_all({item["id"]: ("routing", "idea_timeline", {"idea_id": item["id"]}) for item in forwarded},
                           DESTINATION_SECONDS)
    found = destinations({item["id"]: (timelines.get(item["id"]) or {}).get("continued_as") or ()
                          for item in forwarded})
    for item in forwarded:
        item["continued_as"] = found[item["id"]]
    return items


def destinations(links: dict) -> dict:
    """{idea id: routing's `continued_as` of the idea} -> {idea id: what it became that anyone may see, each with its
    title, state, page and what a citizen may do there}; the pages asked at the same time, cut at
    DESTINATION_SECONDS (what does not answer in time, or is not public, is left out)."""
    asks = {}
    for idea_id, continued in links.items():
        for link in list(continued)[:DESTINATIONS_PER_IDEA]:
            if link.get("kind") in DESTINATIONS:
                service, method, key = DESTINATIONS[link["kind"]]
                asks[(idea_id, link["kind"], str(link["id"]))] = (service, method, {key: str(link["id"])})
    pages, _ = ask_all(asks, DESTINATION_SECONDS) if asks else ({}, {})
    found = {idea_id: [] for idea_id in links}
    for (idea_id, kind, _), page in pages.items():
        if page:
            found[idea_id].append(_destination(kind, page))
    return found


def _destination(kind: str, page: dict) -> dict:
    if kind == "budget_project":
        return {"kind": "project", "id": str(page["id"]), "title": page.get("title") or "",
                "status_label": page.get("status_label"), "actions": ["follow"],
                "url": url_for("budget.project", project_id=str(page["id"]))}
    return {"kind": "petition", "id": str(page["id"]), "title": page.get("title") or "",
            "status_label": page.get("status_label"), "actions": ["sign"] if page.get("signable") else [],
            "url": url_for("petitions.show", petition_id=str(page["id"]))}


def merged(items: list, limit: int) -> list:
    """Best first (ties: ideas, proposals, projects, petitions, then by id), at most `limit` of each kind."""
    items = sorted(items, key=lambda item: (-item["similarity"], KINDS.index(item["kind"]), item["id"]))
    kept, counts = [], dict.fromkeys(KINDS, 0)
    for item in items:
        if counts[item["kind"]] < limit:
            counts[item["kind"]] += 1
            kept.append(item)
    return kept


def shape(item: dict) -> dict | None:
    """One source's item in the merged shape: what it is, its state, its page and what to do instead of filing."""
    kind = item.get("kind") or "idea"
    if kind not in KINDS or not item.get("id"):
        return None
    shaped = {"kind": kind, "id": str(item["id"]), "title": item.get("title") or "", "excerpt": item.get("excerpt") or "",
              "status": item.get("status"), "status_label": item.get("status_label"),
              "similarity": float(item.get("similarity") or 0.0)}
    if kind == "idea":
        accepts = item.get("accepts_supports", item.get("status") in OPEN_IDEA_STATUSES)
        shaped.update(accepts_supports=bool(accepts), supports_count=item.get("supports_count") or 0,
                      scheme=item.get("scheme"), scheme_label=item.get("scheme_label"),
                      actions=["support", "follow"] if accepts else ["follow"],
                      url=url_for("ideas.show", idea_id=shaped["id"]))
    elif kind == "proposal":
        accepts = bool(item.get("accepts_supports", True))
        shaped.update(accepts_supports=accepts, supports_count=item.get("supports_count") or 0,
                      consultation_id=item.get("consultation_id"), consultation_title=item.get("consultation_title"),
                      actions=["support"] if accepts else [],
                      url=url_for("consultations.proposal", proposal_id=shaped["id"]))
    elif kind == "project":
        edition = item.get("edition")
        shaped.update(edition=edition.get("title") if isinstance(edition, dict) else edition,
                      arrondissement=_arrondissement(item.get("arrondissement")),
                      actions=_actions(item, kind), url=url_for("budget.project", project_id=shaped["id"]))
        if "vote" in shaped["actions"] and item.get("cycle_id"):  # the pages only: the API's item has no such field
            shaped["vote_url"] = url_for("budget.ballot", cycle_id=str(item["cycle_id"]))
    else:
        shaped.update(signatures_count=item.get("signatures_count") or 0, threshold=item.get("threshold"),
                      arrondissement=_arrondissement(item.get("arrondissement")),
                      actions=_actions(item, kind), url=url_for("petitions.show", petition_id=shaped["id"]))
    return shaped


def _actions(item: dict, kind: str) -> list:
    return [action for action in item.get("actions") or () if action in ACTIONS[kind]]


def _arrondissement(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 20 else None


def unavailable_sources(answer: dict) -> list:
    """The sources that did not answer, for a page's note ("the petitions could not be searched")."""
    return [source for source, outcome in answer["sources"].items() if outcome != OK]

"""Fixed-window counters in Redis for rate limits (login attempts, postings, signatures...).

Every decision is atomic: one script call checks the limits and counts the hit, so concurrent requests cannot all
pass a check before any of them is counted. If Redis cannot answer, the limits keep applying, per process, from
counters in memory (a fail-open limit is no limit during an outage an attacker may have caused); the gauge
`hub_rate_limit_fallback` is 1 meanwhile, and Redis is tried again after `RETRY_REDIS_SECONDS`.
"""
import logging
import math
import threading
import time

import redis as redis_lib
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge

from . import redis_client
from .config import redis_prefix
from .errors import RateLimited

log = logging.getLogger(__name__)

# After a failure, how long the limits are decided in memory before Redis is asked again: a Redis that hangs
# would otherwise cost each request the client's socket timeout.
RETRY_REDIS_SECONDS = 5
# A gateway of several processes shares one /metrics (hubkit.metrics.exposition): 1 while any live one is in fallback.
FALLBACK_ACTIVE = Gauge("hub_rate_limit_fallback",
                        "1 while this process decides rate limits in memory because Redis cannot answer.",
                        multiprocess_mode="livemax")
FALLBACK_DECISIONS = Counter("hub_rate_limit_fallback_decisions_total",
                             "Rate-limit requests decided in memory because Redis could not answer.")

# consume_each, decided inside Redis in one call: four commands a key (GET and TTL, then INCRBY and EXPIRE) cost
# redis-py more CPU to pack and parse than the rest of a signature; and the check and the count become atomic.
# KEYS: the distinct keys of the batch. ARGV[1]: the distinct limits of the batch, "," separated, each
# "key:limit:window" (key: its number in KEYS, 1-based). ARGV[2]: the requests in order, ";" separated, each the
# numbers (1-based, in ARGV[1]) of its limits in its own order, "," separated. Returns the refusals, ";" separated,
# each "request:position:ttl": the number of the request, the position in it of its first used-up limit, the time
# left on that limit's key. As if the requests came one by one: a request is refused if one of its limits is used up
# (counting the hits of the requests before it) and then counts nothing; the hits are counted at the end, a key
# without a window given the one of the last limit counted on it.
_DECIDE = """
local key_of, limit_of, window_of = {}, {}, {}
local count = 0
for key, limit, window in string.gmatch(ARGV[1], '(%d+):([^:,]+):([^,]+)') do
    count = count + 1
    key_of[count], limit_of[count], window_of[count] = tonumber(key), tonumber(limit), window
end
local used, hits, windows = {}, {}, {}
for index = 1, #KEYS do
    used[index], hits[index] = tonumber(redis.call('GET', KEYS[index]) or '0') or 0, 0
end
local refused, number = {}, 0
for request in string.gmatch(ARGV[2], '[^;]+') do
    number = number + 1
    local rules, over = {}, nil
    for rule in string.gmatch(request, '%d+') do
        rules[#rules + 1] = tonumber(rule)
    end
    for position, rule in ipairs(rules) do
        local key = key_of[rule]
        if used[key] + hits[key] >= limit_of[rule] then
            over = position
            break
        end
    end
    if over then
        refused[#refused + 1] = number .. ':' .. over .. ':' .. redis.call('TTL', KEYS[key_of[rules[over]]])
    else
        for _, rule in ipairs(rules) do
            local key = key_of[rule]
            hits[key], windows[key] = hits[key] + 1, window_of[rule]
        end
    end
end
for index = 1, #KEYS do
    if hits[index] > 0 then
        redis.call('INCRBY', KEYS[index], hits[index])
        redis.call('EXPIRE', KEYS[index], windows[index], 'NX')
    end
end
return table.concat(refused, ';')
"""


class _InProcessWindows:
    """The script's decisions, in this process's memory: fixed windows per key, the same rules as `_DECIDE` (a
    request refused by its first used-up limit counts nothing). Used while Redis cannot answer."""

    def __init__(self, max_keys: int = 100_000):
        self.max_keys = max_keys
        self._windows: dict = {}  # redis key -> [hits, monotonic time the window ends]
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def _live(self, key: str, now: float):
        window = self._windows.get(key)
        return window if window is not None and window[1] > now else None

    def decide(self, requests: list) -> list:
        """`requests`: per request, its (redis key, limit, window) tuples. Returns per request None (counted) or
        (position of its first used-up limit, seconds left on it)."""
        now = time.monotonic()
        decided = []
        with self._lock:
            self._prune(now)
            for request in requests:
                over = None
                for position, (key, limit, window) in enumerate(request):
                    live = self._live(key, now)
                    if (live[0] if live else 0) >= float(limit):
                        over = (position, math.ceil(live[1] - now) if live else int(window))
                        break
                if over is None:
                    for key, _limit, window in request:
                        live = self._live(key, now)
                        if live:
                            live[0] += 1
                        else:
                            self._windows[key] = [1, now + int(window)]
                decided.append(over)
        return decided

    def hit(self, key: str, window: int) -> int:
        self.decide([[(key, math.inf, window)]])
        return self._windows[key][0]

    def refund(self, key: str):
        with self._lock:
            live = self._live(key, time.monotonic())
            if live and live[0] > 0:
                live[0] -= 1

    def reset(self, key: str):
        with self._lock:
            self._windows.pop(key, None)

    def _prune(self, now: float):
        if now < self._next_prune and len(self._windows) < self.max_keys:
            return
        self._next_prune = now + 10
        for key in [key for key, (_hits, ends) in self._windows.items() if ends <= now]:
            del self._windows[key]
        if len(self._windows) >= self.max_keys:  # bounded memory: the windows closest to their end go first
            ending_soon = sorted(self._windows, key=lambda key: self._windows[key][1])
            for key in ending_soon[:len(ending_soon) - self.max_keys // 2]:
                del self._windows[key]


# refund: one hit taken back (a login that succeeded), never below zero, the window left as it is.
_REFUND = """
local hits = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if hits > 0 then
    redis.call('DECR', KEYS[1])
end
return hits
"""


class Throttle:
    """Counts hits per (bucket, key) in a fixed window, in Redis; in memory while Redis cannot answer."""

    def __init__(self, client: redis_lib.Redis, prefix: str = None):
        self.client, self.prefix = client, prefix or f"{redis_prefix()}:throttle"
        self._decide = client.register_script(_DECIDE)  # EVALSHA; sent again if Redis forgot it (NOSCRIPT)
        self._refund = client.register_script(_REFUND)
        self._in_process = _InProcessWindows()
        self._redis_retry_at = 0.0  # monotonic; Redis is skipped before it after a failure

    def _key(self, bucket: str, key: str) -> str:
        return f"{self.prefix}:{bucket}:{key}"

    # --- Redis, or memory while it cannot answer -------------------------------------------------------------

    def _with_redis(self, command, what: str):
        """Run `command()` on Redis; None (after a logged warning) if Redis is down or was down a moment ago."""
        if time.monotonic() < self._redis_retry_at:
            return None
        try:
            answer = command()
        except redis_lib.RedisError as error:
            self._redis_retry_at = time.monotonic() + RETRY_REDIS_SECONDS
            FALLBACK_ACTIVE.set(1)
            log.warning("throttle unavailable, limits applied in memory by this process",
                        extra={"what": what, "error": str(error)})
            return None
        FALLBACK_ACTIVE.set(0)
        return answer

    # --- decisions ------------------------------------------------------------------------------------------

    def consume(self, bucket: str, key: str, limit: int, window: int, message: str = None):
        """Check and count one hit, atomically: for actions limited whether or not they succeed."""
        self.consume_all([(bucket, key, limit, window, message)])

    def consume_all(self, limits):
        """Check several limits, then count one hit on each, atomically (one Redis script call).

        `limits`: (bucket, key, limit, window, message) tuples. If one is used up, RateLimited
        names the first such one and nothing is counted.
        """
        [refused] = self.consume_each([list(limits)])
        if refused is not None:
            raise refused

    def consume_each(self, requests: list) -> list:
        """`consume_all` for many requests at once (a batch of signatures): one Redis script call in all.

        `requests`: one list of (bucket, key, limit, window, message) tuples per request. Returns, per
        request, None (counted) or the RateLimited naming its first used-up limit (nothing counted for it).
        Requests are decided in order, each seeing the hits of the ones before it in the batch. The batch is
        checked and counted inside Redis, atomically: two concurrent batches cannot both take the last hit."""
        decided = [None] * len(requests)
        keys, key_numbers = [], {}  # the distinct Redis keys of the batch, each its number (1-based)
        numbers, rules = {}, []  # the distinct limits of the batch (as given), each its number; as sent
        sent, encoded = [], []  # the requests sent (their positions), each the numbers of its limits
        for position, request in enumerate(requests):
            if not request:
                continue  # nothing to check nor to count
            line = []
            for rule in map(tuple, request):
                number = numbers.get(rule)
                if number is None:
                    bucket, key, limit, window, _message = rule
                    redis_key = self._key(bucket, key)
                    key_number = key_numbers.get(redis_key)
                    if key_number is None:
                        keys.append(redis_key)
                        key_number = key_numbers[redis_key] = len(keys)
                    rules.append(f"{key_number}:{limit}:{window}")
                    number = numbers[rule] = str(len(rules))
                line.append(number)
            sent.append(position)
            encoded.append(",".join(line))
        if not sent:
            return decided
        refusals = self._with_redis(
            lambda: self._decide(keys, (",".join(rules), ";".join(encoded)), client=self.client), "decide")
        if refusals is None:
            return self._decide_in_process(requests)
        if isinstance(refusals, bytes):
            refusals = refusals.decode()
        for refusal in filter(None, refusals.split(";")):
            number, over, ttl = map(int, refusal.split(":"))
            position = sent[number - 1]
            bucket, _key, _limit, window, message = requests[position][over - 1]
            wait = ttl if ttl > 0 else window
            decided[position] = RateLimited(message, details={"retry_after": max(1, wait), "limit": bucket})
        return decided

    def _decide_in_process(self, requests: list) -> list:
        FALLBACK_DECISIONS.inc(len(requests))
        requests = [[tuple(rule) for rule in request] for request in requests]
        outcomes = self._in_process.decide(
            [[(self._key(bucket, key), limit, window) for bucket, key, limit, window, _ in request]
             for request in requests])
        decided = []
        for request, outcome in zip(requests, outcomes):
            if outcome is None:
                decided.append(None)
                continue
            position, wait = outcome
            bucket, _key, _limit, _window, message = request[position]
            decided.append(RateLimited(message, details={"retry_after": max(1, wait), "limit": bucket}))
        return decided

    def hit(self, bucket: str, key: str, window: int) -> int:
        """Count one hit without checking: the count after it."""
        redis_key = self._key(bucket, key)

        def count():
            pipe = self.client.pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, window, nx=True)
            return pipe.execute()[0]
        hits = self._with_redis(count, "hit")
        if hits is None:
            FALLBACK_DECISIONS.inc()
            return self._in_process.hit(redis_key, window)
        return hits

    def refund(self, bucket: str, key: str):
        """Take one hit back (never below zero): the attempt turned out to be one the limit is not about."""
        redis_key = self._key(bucket, key)
        if self._with_redis(lambda: self._refund([redis_key], client=self.client), "refund") is None:
            self._in_process.refund(redis_key)

    def reset(self, bucket: str, key: str):
        redis_key = self._key(bucket, key)
        self._in_process.reset(redis_key)
        self._with_redis(lambda: self.client.delete(redis_key), "reset")


def connect(url: str = None) -> redis_lib.Redis:
    """HUB_REDIS_URL's client (a single Redis or a master through Sentinel: hubkit.redis_client)."""
    return redis_client.connect(url)


class RedisThrottle(DependencyProvider):
    def setup(self):
        self.throttle = Throttle(connect())

    def get_dependency(self, worker_ctx):
        return self.throttle

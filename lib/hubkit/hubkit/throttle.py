"""Fixed-window counters in Redis for rate limits (login attempts, postings, signatures...)."""
import logging

import redis as redis_lib
from nameko.extensions import DependencyProvider

from .config import redis_prefix, redis_url
from .errors import RateLimited

log = logging.getLogger(__name__)

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


class Throttle:
    """Counts hits per (bucket, key) in a window. If Redis is down, limits are not enforced (logged)."""

    def __init__(self, client: redis_lib.Redis, prefix: str = None):
        self.client, self.prefix = client, prefix or f"{redis_prefix()}:throttle"
        self._decide = client.register_script(_DECIDE)  # EVALSHA; sent again if Redis forgot it (NOSCRIPT)

    def _key(self, bucket: str, key: str) -> str:
        return f"{self.prefix}:{bucket}:{key}"

    def check(self, bucket: str, key: str, limit: int, message: str = None):
        """Raise RateLimited if `key` already used its `limit` in the current window."""
        try:
            redis_key = self._key(bucket, key)
            count = int(self.client.get(redis_key) or 0)
            if count >= limit:
                retry_after = max(1, self.client.ttl(redis_key))
                raise RateLimited(message, details={"retry_after": retry_after, "limit": bucket})
        except redis_lib.RedisError as error:
            log.warning("throttle unavailable, limit not enforced", extra={"bucket": bucket, "error": str(error)})

    def hit(self, bucket: str, key: str, window: int) -> int:
        try:
            redis_key = self._key(bucket, key)
            pipe = self.client.pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, window, nx=True)
            return pipe.execute()[0]
        except redis_lib.RedisError as error:
            log.warning("throttle unavailable, hit not counted", extra={"bucket": bucket, "error": str(error)})
            return 0

    def consume(self, bucket: str, key: str, limit: int, window: int, message: str = None):
        """Check then count one hit: for actions limited whether or not they succeed."""
        self.check(bucket, key, limit, message)
        self.hit(bucket, key, window)

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
        try:
            refusals = self._decide(keys, (",".join(rules), ";".join(encoded)), client=self.client)
        except redis_lib.RedisError as error:
            log.warning("throttle unavailable, limits not enforced", extra={"error": str(error)})
            return decided
        if isinstance(refusals, bytes):
            refusals = refusals.decode()
        for refusal in filter(None, refusals.split(";")):
            number, over, ttl = map(int, refusal.split(":"))
            position = sent[number - 1]
            bucket, _key, _limit, window, message = requests[position][over - 1]
            wait = ttl if ttl > 0 else window
            decided[position] = RateLimited(message, details={"retry_after": max(1, wait), "limit": bucket})
        return decided

    def reset(self, bucket: str, key: str):
        try:
            self.client.delete(self._key(bucket, key))
        except redis_lib.RedisError:
            pass


def connect(url: str = None) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(url or redis_url(), socket_timeout=2, socket_connect_timeout=2,
                                    decode_responses=True)


class RedisThrottle(DependencyProvider):
    def setup(self):
        self.throttle = Throttle(connect())

    def get_dependency(self, worker_ctx):
        return self.throttle

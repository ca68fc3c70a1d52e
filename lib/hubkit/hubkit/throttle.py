"""Fixed-window counters in Redis for rate limits (login attempts, postings, signatures...)."""
import logging

import redis as redis_lib
from nameko.extensions import DependencyProvider

from .config import redis_prefix, redis_url
from .errors import RateLimited

log = logging.getLogger(__name__)


class Throttle:
    """Counts hits per (bucket, key) in a window. If Redis is down, limits are not enforced (logged)."""

    def __init__(self, client: redis_lib.Redis, prefix: str = None):
        self.client, self.prefix = client, prefix or f"{redis_prefix()}:throttle"

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
        """Check several limits, then count one hit on each: two Redis round trips in all.

        `limits`: (bucket, key, limit, window, message) tuples. If one is used up, RateLimited
        names the first such one and nothing is counted.
        """
        limits = list(limits)
        keys = [self._key(bucket, key) for bucket, key, *_ in limits]
        try:
            pipe = self.client.pipeline(transaction=False)
            for redis_key in keys:
                pipe.get(redis_key)
                pipe.ttl(redis_key)
            values = pipe.execute()
            for index, (bucket, _key, limit, _window, message) in enumerate(limits):
                if int(values[2 * index] or 0) >= limit:
                    raise RateLimited(message, details={"retry_after": max(1, values[2 * index + 1]),
                                                        "limit": bucket})
            pipe = self.client.pipeline(transaction=False)
            for redis_key, (_bucket, _key, _limit, window, _message) in zip(keys, limits):
                pipe.incr(redis_key)
                pipe.expire(redis_key, window, nx=True)
            pipe.execute()
        except redis_lib.RedisError as error:
            log.warning("throttle unavailable, limits not enforced", extra={"error": str(error)})

    def consume_each(self, requests: list) -> list:
        """`consume_all` for many requests at once (a batch of signatures): two Redis round trips in all.

        `requests`: one list of (bucket, key, limit, window, message) tuples per request. Returns, per
        request, None (counted) or the RateLimited naming its first used-up limit (nothing counted for it).
        Requests are decided in order, each seeing the hits of the ones before it in the batch."""
        decided = [None] * len(requests)
        keys = list(dict.fromkeys(self._key(bucket, key) for limits in requests for bucket, key, *_ in limits))
        try:
            pipe = self.client.pipeline(transaction=False)
            for redis_key in keys:
                pipe.get(redis_key)
                pipe.ttl(redis_key)
            values = pipe.execute()
            used = {key: int(values[2 * index] or 0) for index, key in enumerate(keys)}
            ttl = {key: values[2 * index + 1] for index, key in enumerate(keys)}
            hits, windows = {}, {}
            for number, limits in enumerate(requests):
                for bucket, key, limit, window, message in limits:
                    redis_key = self._key(bucket, key)
                    if used[redis_key] + hits.get(redis_key, 0) >= limit:
                        wait = ttl[redis_key] if ttl[redis_key] and ttl[redis_key] > 0 else window
                        decided[number] = RateLimited(message, details={"retry_after": max(1, wait),
                                                                        "limit": bucket})
                        break
                else:
                    for bucket, key, _limit, window, _message in limits:
                        redis_key = self._key(bucket, key)
                        hits[redis_key] = hits.get(redis_key, 0) + 1
                        windows[redis_key] = window
            pipe = self.client.pipeline(transaction=False)
            for redis_key, count in hits.items():
                pipe.incrby(redis_key, count)
                pipe.expire(redis_key, windows[redis_key], nx=True)
            pipe.execute()
        except redis_lib.RedisError as error:
            log.warning("throttle unavailable, limits not enforced", extra={"error": str(error)})
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

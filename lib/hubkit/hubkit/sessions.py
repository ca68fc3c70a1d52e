"""A short-lived cache, in Redis, of who is behind a session token.

Resolving a session is the hottest call of the platform (every signed-in
request makes it). The accounts service, which owns sessions, writes each
resolved principal here for a minute and drops it right after any change
that ends or alters the session (logout, revocation, password, roles,
pseudonym, deletion); the gateway reads it before asking accounts over RPC.
Keys hold the SHA-256 digest of the token, never the token itself.
"""
import hashlib
import json
import logging

import redis as redis_lib
from nameko.extensions import DependencyProvider

from .config import redis_prefix

log = logging.getLogger(__name__)
TTL_SECONDS = 60


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionCache:
    def __init__(self, client: redis_lib.Redis, prefix: str = None):
        self.client, self.prefix = client, prefix or f"{redis_prefix()}:session"

    def _key(self, digest: str) -> str:
        return f"{self.prefix}:{digest}"

    def get(self, token: str) -> dict | None:
        """The cached principal of `token`, or None (not cached, or Redis unavailable)."""
        try:
            cached = self.client.get(self._key(token_digest(token)))
        except redis_lib.RedisError as error:
            log.warning("session cache unavailable", extra={"error": str(error)})
            return None
        return json.loads(cached) if cached else None

    def put(self, digest: str, principal: dict, ttl: int = TTL_SECONDS):
        if ttl <= 0:
            return
        try:
            self.client.set(self._key(digest), json.dumps(principal), ex=min(ttl, TTL_SECONDS))
        except redis_lib.RedisError as error:
            log.warning("session cache unavailable", extra={"error": str(error)})

    def drop(self, digests):
        digests = list(digests)
        if not digests:
            return
        try:
            self.client.delete(*(self._key(digest) for digest in digests))
        except redis_lib.RedisError as error:
            # a stale entry lives at most TTL_SECONDS
            log.warning("session cache drop failed", extra={"error": str(error), "sessions": len(digests)})


class SessionCacheProvider(DependencyProvider):
    def setup(self):
        from .throttle import connect
        self.cache = SessionCache(connect())

    def get_dependency(self, worker_ctx):
        return self.cache

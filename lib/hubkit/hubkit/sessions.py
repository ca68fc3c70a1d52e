"""A short-lived cache, in Redis, of who is behind a session token.

Resolving a session is the hottest call of the platform (every signed-in
request makes it). The accounts service, which owns sessions, writes each
resolved principal here for a minute and drops it right after any change
that ends or alters the session (logout, revocation, password, roles,
pseudonym, deletion); the gateway reads it before asking accounts over RPC.
Keys hold the SHA-256 digest of the token, never the token itself.

Whoever can write to Redis must not become an administrator by writing an entry: each entry is
authenticated with an HMAC (a key only accounts and the gateway hold, hubkit.keys) over the entry's own
key and its text, so neither a forged entry nor a real one copied under another session's key is
accepted. A tampered or unsigned entry counts as absent (the gateway asks accounts), and is logged and
counted (`hub_session_cache_rejected_total`).

Under a rush (thousands of signers or voters a second) the gateway's lookups
are coalesced: the lookups of the requests the event loop handles in one turn
leave together as one MGET on its next turn, and those that arrive while a
round trip is under way leave together right after it. A quiet hub pays one
turn of the loop (microseconds) and a plain GET.
"""
import base64
import hashlib
import hmac
import json
import logging

import eventlet
import redis as redis_lib
from eventlet.event import Event
from nameko.extensions import DependencyProvider
from prometheus_client import Counter

from . import keys
from .config import env_int, redis_prefix

log = logging.getLogger(__name__)
# How long an entry may outlive a failed drop (Redis down at that moment); entries are dropped on every change.
TTL_SECONDS = env_int("HUB_SESSION_CACHE_SECONDS", 60)
ENTRY_VERSION = "v1"
REJECTED = Counter("hub_session_cache_rejected_total", "Session cache entries ignored because their "
                   "authentication failed (forged, tampered or unsigned).")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class _CoalescedReads:
    """Concurrent reads of single keys answered by as few round trips as possible (group commit). A read
    leaves on the event loop's next turn, with every read that the requests handled in this turn asked for:
    a rush of requests that the loop picks up together costs one MGET, not one GET each. Reads that arrive
    while a round trip is under way leave together right after it. A lone read is a plain GET."""

    def __init__(self, client: redis_lib.Redis, max_keys: int = 500):
        self.client, self.max_keys = client, max_keys
        self._waiting: list = []
        self._reading = False

    def get(self, key: str):
        """The raw value of `key` (None if absent); raises RedisError if Redis could not answer."""
        waiter = (key, Event())
        self._waiting.append(waiter)
        if not self._reading:
            self._reading = True
            eventlet.spawn_n(self._read_waiting)  # after the greenthreads that are ready now had their turn
        outcome = waiter[1].wait()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _read_waiting(self):
        batch, self._waiting = self._waiting[:self.max_keys], self._waiting[self.max_keys:]
        values = None
        try:
            if len(batch) == 1:
                values = [self.client.get(batch[0][0])]
            else:
                values = self.client.mget([key for key, _ in batch])
        except Exception as error:  # every waiter gets it (a cache miss for the caller)
            values = [error] * len(batch)
        finally:
            if self._waiting:
                eventlet.spawn_n(self._read_waiting)
            else:
                self._reading = False
            # none is left waiting, even if this green thread is being killed
            for (_, done), value in zip(batch, values or [redis_lib.RedisError("lecture interrompue")] * len(batch)):
                done.send(value)


class SessionCache:
    def __init__(self, client: redis_lib.Redis, prefix: str = None):
        self.client, self.prefix = client, prefix or f"{redis_prefix()}:session"
        self._reads = _CoalescedReads(client)

    def _key(self, digest: str) -> str:
        return f"{self.prefix}:{digest}"

    def get(self, token: str) -> dict | None:
        """The cached principal of `token`, or None (not cached, or Redis unavailable)."""
        key = self._key(token_digest(token))
        try:
            cached = self._reads.get(key)
        except redis_lib.RedisError as error:
            log.warning("session cache unavailable", extra={"error": str(error)})
            return None
        if not cached:
            return None
        principal = self._authentic(key, cached)
        if principal is None:
            REJECTED.inc()
            log.warning("session cache entry rejected: its authentication failed")
        return principal

    @staticmethod
    def _mac(key: bytes, redis_key: str, text: bytes) -> bytes:
        return hmac.new(key, redis_key.encode() + b"\n" + text, hashlib.sha256).digest()

    def _seal(self, redis_key: str, principal: dict) -> bytes:
        text = json.dumps(principal).encode()
        mac = base64.urlsafe_b64encode(self._mac(keys.session_cache_keys()[0], redis_key, text))
        return ENTRY_VERSION.encode() + b"." + mac + b"." + text

    def _authentic(self, redis_key: str, entry) -> dict | None:
        entry = entry if isinstance(entry, bytes) else str(entry).encode()
        version, _, rest = entry.partition(b".")
        mac, _, text = rest.partition(b".")
        if version != ENTRY_VERSION.encode() or not text:
            return None
        try:
            sent = base64.urlsafe_b64decode(mac)
        except ValueError:
            return None
        if not any(hmac.compare_digest(sent, self._mac(key, redis_key, text)) for key in keys.session_cache_keys()):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def put(self, digest: str, principal: dict, ttl: int = TTL_SECONDS):
        if ttl <= 0:
            return
        key = self._key(digest)
        try:
            self.client.set(key, self._seal(key, principal), ex=min(ttl, TTL_SECONDS))
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
        from .redis_client import connect
        self.cache = SessionCache(connect())

    def get_dependency(self, worker_ctx):
        return self.cache

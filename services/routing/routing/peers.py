"""The services routing calls (ideas, accounts), and how long it waits for them: less than the gateway waits for
routing (5 s), so an agent gets a clear 503 rather than a hang; see hubkit.rpc.BoundedRpc.

The City's directions are accounts' table (`accounts.reference_data`): routing reads them through `Directions`,
kept a few minutes in one cache per process, and never answers from a table it could not read."""
import threading
import time
from contextlib import contextmanager

from cachetools import TTLCache
from nameko.extensions import DependencyProvider

from hubkit.correlation import CAUSATION_KEY, CORRELATION_KEY
from hubkit.errors import HubError, ServiceUnavailable
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)

PEER_TIMEOUT = 3.0
DIRECTIONS_TTL = 300.0  # a direction added in accounts reaches routing's forms within five minutes
DIRECTIONS_UNAVAILABLE = ("Les directions de la Ville ne peuvent pas être lues pour le moment : réessayez dans "
                          "un instant.")


class DirectionsCache:
    """The directions table (code → name) as accounts last answered, for `ttl` seconds; one per process, shared
    by the workers (each brings its own accounts proxy when the table must be read again)."""

    KEY = "directions"

    def __init__(self, ttl: float = DIRECTIONS_TTL, timer=time.monotonic):
        self._cache = TTLCache(maxsize=1, ttl=ttl, timer=timer)
        self._lock = threading.Lock()  # a green lock under eventlet: one worker asks accounts, the others wait

    def table(self, read) -> dict:
        """The cached table, or `read()`'s (then cached); what `read` raises is not cached."""
        with self._lock:
            table = self._cache.get(self.KEY)
            if table is None:
                table = self._cache[self.KEY] = read()
            return table

    def clear(self):
        with self._lock:
            self._cache.clear()


DIRECTIONS_CACHE = DirectionsCache()


class Directions:
    """The City's directions as the use cases read them: `accounts` is accounts' RPC (a BoundedRpc raising
    ServiceUnavailable, or a fake). accounts not answering, or answering something that is no directions table,
    is a 503 ServiceUnavailable: never a wrong answer (an empty table would refuse every direction)."""

    def __init__(self, accounts, cache: DirectionsCache = DIRECTIONS_CACHE):
        self._accounts, self._cache = accounts, cache

    def table(self) -> dict:
        """{code: name}, in accounts' order."""
        return self._cache.table(self._read)

    def codes(self) -> list:
        return list(self.table())

    def name(self, code: str | None, default: str = "") -> str:
        return self.table().get(code, default)

    def _read(self) -> dict:
        try:
            answer = self._accounts.reference_data()
        except ServiceUnavailable:
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE, details={"reason": "accounts.reference_data timed out"}) \
                from None
        except HubError as error:  # refused or failed in accounts: not the caller's fault, and no table to use
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE,
                                     details={"reason": f"accounts.reference_data: {error.code}"}) from None
        try:
            table = {str(row["code"]): str(row["name"]) for row in answer["directions"]}
        except (TypeError, KeyError):
            table = {}
        if not table:
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE,
                                     details={"reason": "accounts.reference_data: no directions"})
        return table


class People:
    """The agents the history names, by pseudonym: `accounts` is accounts' RPC (a BoundedRpc, or a fake). Only active
    accounts are named (a deleted one is absent); when accounts does not answer, nobody is (the page still shows)."""

    def __init__(self, accounts):
        self._accounts = accounts

    def pseudonyms(self, account_ids) -> dict:
        """{account id: pseudonym} of the active accounts among `account_ids`."""
        account_ids = sorted(set(account_ids))[:500]  # accounts answers 500 at most
        if not account_ids:
            return {}
        try:
            profiles = self._accounts.public_profiles({"account_ids": account_ids})
        except HubError:
            return {}
        return {str(profile["account_id"]): profile["pseudonym"] for profile in profiles or []}


class CallContext(DependencyProvider):
    """The worker's context data, which nameko copies into the headers of every RPC call the worker makes: a
    call made on an idea's behalf (from a timer) can carry the idea's correlation chain."""

    def get_dependency(self, worker_ctx):
        return _CallContext(worker_ctx.data)


class _CallContext:
    def __init__(self, data: dict):
        self._data = data

    @contextmanager
    def acting(self, correlation_id: str, causation_id: str):
        saved = {key: self._data.get(key) for key in (CORRELATION_KEY, CAUSATION_KEY)}
        self._data.update({CORRELATION_KEY: correlation_id, CAUSATION_KEY: causation_id})
        try:
            yield
        finally:
            self._data.update(saved)

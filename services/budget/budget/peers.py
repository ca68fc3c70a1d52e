"""The services budget calls, as its use cases see them.

Each call waits less than the gateway waits for budget (5 s), so a citizen gets a clear 503 rather than a hang
(hubkit.rpc.BoundedRpc). The City's directions and the postcodes of Paris are accounts' reference data
(accounts.reference_data): budget keeps accounts' answer a few minutes (`CityReference`) and, while it has none and
accounts does not answer, says so (503) rather than guess.
"""
import logging
import time

from cachetools import TTLCache
from hubkit.errors import HubError, ServiceUnavailable
from hubkit.rpc import BoundedRpc, PeerUnavailable  # noqa: F401  (what the service wraps its proxies in)
from nameko.exceptions import RemoteError

log = logging.getLogger(__name__)

PEER_TIMEOUT = 3.0
DIRECTIONS_TTL = 5 * 60  # seconds: a direction created or renamed in accounts shows here within five minutes
DIRECTIONS_UNAVAILABLE = ("Le service des comptes ne répond pas : la liste des directions de la Ville est "
                          "momentanément indisponible. Réessayez dans quelques instants.")


class CityReference:
    """The City's reference data as accounts serves it: its directions (code → label) and the residential
    postcodes of Paris; one instance per process (its cache)."""

    def __init__(self, ttl: float = DIRECTIONS_TTL, timer=time.monotonic):
        self._cache = TTLCache(maxsize=1, ttl=ttl, timer=timer)

    def directions(self, accounts) -> dict:
        """`accounts`: something with `reference_data()` (the accounts RPC, bounded, or a fake)."""
        return self._reference(accounts)["directions"]

    def paris_postcodes(self, accounts) -> frozenset:
        postcodes = self._reference(accounts)["postcodes"]
        if not postcodes:  # an accounts without them (an older version, mid-upgrade): never "no postcode is Paris"
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE, details={"peer": "accounts"})
        return postcodes

    def _reference(self, accounts) -> dict:
        try:
            return self._cache["reference"]
        except KeyError:
            pass
        reference = self._ask(accounts)
        self._cache["reference"] = reference
        return reference

    @staticmethod
    def _ask(accounts) -> dict:
        if accounts is None:
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE)
        try:
            answer = accounts.reference_data()
            directions = {row["code"]: row["name"] for row in answer["directions"]}
            postcodes = frozenset(code for row in answer.get("arrondissements") or () for code in row["postcodes"])
        except (HubError, PeerUnavailable, RemoteError) as error:
            log.warning("accounts' directions unavailable", extra={"reason": str(error)})
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE, details={"peer": "accounts"}) from None
        except (KeyError, TypeError) as error:  # an answer of another shape: never read as "no direction"
            log.error("accounts' reference data without directions", extra={"reason": repr(error)})
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE, details={"peer": "accounts"}) from None
        if not directions:
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE, details={"peer": "accounts"})
        return {"directions": directions, "postcodes": postcodes}

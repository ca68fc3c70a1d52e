"""The ideas service's client of the accounts service: public profiles and the City's directions.

The directions are accounts' (`accounts.reference_data`, open to any verified identity, hubkit.calls): ideas keeps
no copy. Their answer is kept five minutes in one cache per process; when accounts does not answer and nothing
is cached, a use case that needs them fails with ServiceUnavailable (503) rather than guessing.
"""
import logging

import eventlet
from cachetools import TTLCache
from marshmallow import EXCLUDE, Schema, fields, validate

from hubkit.consumer import call_within
from hubkit.errors import InvalidInput, ServiceUnavailable
from hubkit.validation import load

from .domain.consultations import DIRECTION_CODE

log = logging.getLogger(__name__)

ACCOUNTS_TIMEOUT = 5  # seconds, for calls to the accounts service
DIRECTIONS_TTL = 5 * 60  # seconds: a direction added in accounts shows here within five minutes
DIRECTIONS_UNAVAILABLE = ("La liste des directions de la Ville est momentanément indisponible (service des comptes "
                          "injoignable) : réessayez dans quelques instants.")

# one per process, shared by every worker: its answer is the same for everyone
directions_cache = TTLCache(maxsize=1, ttl=DIRECTIONS_TTL)


class _Direction(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Regexp(DIRECTION_CODE))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class _ReferenceData(Schema):
    """accounts.reference_data as far as ideas reads it (its other keys are ignored)."""
    class Meta:
        unknown = EXCLUDE

    directions = fields.List(fields.Nested(_Direction), required=True, validate=validate.Length(min=1))


REFERENCE_DATA = _ReferenceData()


class Accounts:
    """`proxy`: the accounts service's RPC proxy (or a test's fake with the same methods)."""

    def __init__(self, proxy, cache=directions_cache):
        self.proxy, self.cache = proxy, cache

    def public_profiles(self, account_ids: list) -> list:
        return call_within(ACCOUNTS_TIMEOUT, self.proxy.public_profiles, {"account_ids": account_ids})

    def directions(self) -> dict:
        """{code: name} of the City's directions, as accounts has them (cached five minutes)."""
        known = self.cache.get("directions")
        if known is None:
            known = self.cache["directions"] = self._ask_directions()
        return known

    def _ask_directions(self) -> dict:
        try:
            answer = call_within(ACCOUNTS_TIMEOUT, self.proxy.reference_data)
            directions = load(REFERENCE_DATA, answer)["directions"]
        except InvalidInput:
            log.warning("accounts.reference_data answered without a usable list of directions")
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE) from None
        except (Exception, eventlet.Timeout) as error:  # noqa: BLE001 — a timeout, a refusal, a broken link: no answer
            log.warning("accounts.reference_data failed", extra={"error": type(error).__name__})
            raise ServiceUnavailable(DIRECTIONS_UNAVAILABLE) from None
        return {direction["code"]: direction["name"] for direction in directions}

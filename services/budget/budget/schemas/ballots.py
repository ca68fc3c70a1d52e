"""The ballot hot path: every ballot of a batch is an actor and a BallotSchema in, a BallotReceiptSchema out.

The usual, well-formed item skips marshmallow's per-field machinery (most of the CPU of a ballot); anything else (an
unknown key, a wrong type, a value too long...) returns None and marshmallow loads it, wording the errors.
tests/test_schemas.py checks the results are marshmallow's.
"""
from hubkit.clock import aware
from hubkit.idempotency import valid_key
from hubkit.validation import loaded_uuid

from ..domain import SECTOR_CODES
from .commands import ActorSchema, BallotSchema

_ACTOR_KEYS = frozenset(ActorSchema._declared_fields)
_BALLOT_KEYS = frozenset(BallotSchema._declared_fields)
_SECTORS = frozenset(SECTOR_CODES)
_MISSING = object()


def quick_actor(data) -> dict | None:
    """`ActorSchema().load(data)` for a well-formed actor, else None."""
    if type(data) is not dict or not data.keys() <= _ACTOR_KEYS:
        return None
    account_id, roles = loaded_uuid(data.get("account_id")), data.get("roles", _MISSING)
    if roles is _MISSING:
        roles = []
    elif type(roles) is list and len(roles) <= 10 and all(type(role) is str and len(role) <= 32 for role in roles):
        roles = list(roles)
    else:
        return None
    direction = data.get("direction")
    if account_id is None or not (direction is None or (type(direction) is str and len(direction) <= 16)):
        return None
    return {"account_id": account_id, "roles": roles, "direction": direction}


def quick_ballot(data) -> dict | None:
    """`BallotSchema().load(data)` for a well-formed ballot, else None."""
    if type(data) is not dict or not data.keys() <= _BALLOT_KEYS:
        return None
    cycle_id, sector = loaded_uuid(data.get("cycle_id")), data.get("sector")
    paris, local = _uuids(data.get("paris_projects", _MISSING)), _uuids(data.get("sector_projects", _MISSING))
    key = data.get("idempotency_key")
    if cycle_id is None or paris is None or local is None or not (
            sector is None or (type(sector) is str and sector in _SECTORS)) or not (key is None or valid_key(key)):
        return None
    return {"cycle_id": cycle_id, "paris_projects": paris, "sector": sector, "sector_projects": local,
            "idempotency_key": key}


def _uuids(values) -> list | None:
    """A list of at most 50 ids ([] when absent), else None."""
    if values is _MISSING:
        return []
    if type(values) is not list or len(values) > 50:
        return None
    ids = [loaded_uuid(value) for value in values]
    return None if None in ids else ids


def dump_ballot_receipt(receipt: dict) -> dict:
    """`BallotReceiptSchema().dump(receipt)`, the same output without marshmallow's per-field work."""
    cast_at = receipt["cast_at"]
    return {"cycle_id": _text(receipt["cycle_id"]), "receipt": _text(receipt["receipt"]),
            "replaced": None if receipt["replaced"] is None else bool(receipt["replaced"]),
            "paris_projects": _texts(receipt["paris_projects"]), "sector": _text(receipt["sector"]),
            "sector_projects": _texts(receipt["sector_projects"]),
            "cast_at": None if cast_at is None else aware(cast_at).isoformat()}


def _text(value):
    return None if value is None else str(value)


def _texts(values):
    return None if values is None else [_text(value) for value in values]

"""The inbox's pages: one order, and the opaque cursor that continues a list after its last item (keyset paging).

The order is (deadline_at, received_at, idea_id): the nearest deadline first, then the oldest arrival, then the
idea's id, so two ideas never tie and a page never repeats or skips one, whatever the page size.

A cursor is the place of the last item seen, plus a fingerprint of the filters it was made for. It is read
strictly: anything that is not one of ours (bad base64, bad JSON, a wrong shape, a date that is no date, an id that
is no UUID, another list's filters) is a clear 400, never a 500. It is not secret: it gives no access, since the
list's filters (direction, status, assignment...) are applied on every page whatever the cursor says; an edited
cursor only starts the same list at another place, and one made for another list is refused.
"""
import base64
import binascii
import hashlib
import json
import uuid
from datetime import datetime, timezone

from .access import RuleBroken

CURSOR_VERSION = 1
CURSOR_MAX = 300  # characters: a cursor is ~150
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,300}\Z"  # base64url without padding
# The query's fields that choose which items a list holds (page, per_page and the cursor only move in it).
FILTERS = ("status", "direction", "scheme", "arrondissement", "min_age_days", "max_age_days", "assigned",
           "overdue")
BAD_CURSOR = "Curseur de pagination invalide : repartez de la première page."
OTHER_LIST = "Ce curseur a été donné pour une autre liste (d'autres filtres) : repartez de la première page."


def filters_fingerprint(query: dict, account_id: str) -> str:
    """Which list a cursor belongs to: its filters (and, for « assigned to me », whose list it is)."""
    chosen = {name: query.get(name) for name in FILTERS}
    chosen["overdue"] = bool(chosen["overdue"])
    if chosen["assigned"] == "me":
        chosen["assigned"] = f"me:{account_id}"
    canonical = json.dumps(chosen, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(deadline_at: datetime, received_at: datetime, idea_id: str, fingerprint: str) -> str:
    """The cursor after an item (aware datetimes)."""
    document = [CURSOR_VERSION, deadline_at.isoformat(), received_at.isoformat(), str(idea_id), fingerprint]
    text = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> tuple:
    """(deadline_at, received_at, idea_id) of a cursor made for the list `fingerprint` names; else RuleBroken on
    the field `after`."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= CURSOR_MAX:
        raise RuleBroken(BAD_CURSOR, "after")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        document = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise RuleBroken(BAD_CURSOR, "after") from None
    if (not isinstance(document, list) or len(document) != 5 or type(document[0]) is not int
            or document[0] != CURSOR_VERSION or not all(isinstance(part, str) for part in document[1:])):
        raise RuleBroken(BAD_CURSOR, "after")
    _, deadline_text, received_text, idea_text, made_for = document
    try:
        deadline_at, received_at = _utc(deadline_text), _utc(received_text)
        idea_id = str(uuid.UUID(idea_text))
    except (ValueError, OverflowError):  # not a date, no offset, out of range once in UTC, not a UUID
        raise RuleBroken(BAD_CURSOR, "after") from None
    if idea_id != idea_text:
        raise RuleBroken(BAD_CURSOR, "after")
    if made_for != fingerprint:
        raise RuleBroken(OTHER_LIST, "after")
    return deadline_at, received_at, idea_id


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment.astimezone(timezone.utc)

"""The petitions' open datasets (issue 15, section 5), in plain Python: which petitions they publish, how a
signer's arrondissement reads in them, dates as Paris sees them, and the opaque cursor that continues a dataset
after its last row (keyset paging).

What is published is what the site already shows everyone: a published petition (never a draft, never one hidden
for legal reasons), its title, its counts and the Council's outcome; signatures are counted by arrondissement,
never listed, and no signer, author, account or pseudonym appears.

A cursor is the place of the last row given, with the dataset it belongs to: base64url of
`<dataset>|<petition id>` (`petitions`) or `<dataset>|<petition id>|<arrondissement key>`
(`petition_signatures_by_arrondissement`). It gives no access (every page applies the same filters whatever the
cursor says); anything that is not one of ours, or one of another dataset, is refused as bad input on `after`.
"""
import base64
import binascii
import re
import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .petition import DRAFT, PUBLIC_STATUSES, SUBMITTED, RuleBroken

try:
    PARIS = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - no time zone database on this system
    PARIS = timezone.utc

PETITIONS, BY_ARRONDISSEMENT = "petitions", "petition_signatures_by_arrondissement"
DATASETS = (PETITIONS, BY_ARRONDISSEMENT)
PAGE_MAX = 2000
CURSOR_MAX = 200  # characters: a cursor is ~90
# The petitions the site shows everyone are all but these (drafts and petitions awaiting moderation are their
# author's): a condition no index serves, so a page is read in the primary key's order, whatever the statistics
# (tests check that the two sets make every status).
UNPUBLISHED_STATUSES = (DRAFT, SUBMITTED)
PUBLISHED_STATUSES = PUBLIC_STATUSES
OUTSIDE_PARIS = "hors Paris"  # a signer whose profile names no arrondissement of Paris
OUTSIDE_PARIS_KEY = 21  # sorts after the 20 arrondissements
ARRONDISSEMENTS = range(1, 21)
BAD_CURSOR = "Curseur invalide : reprenez la valeur « next » donnée par la page précédente, ou repartez du début."

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_POSITIONS = {PETITIONS: re.compile(rf"^{PETITIONS}\|({_UUID})\Z"),
              BY_ARRONDISSEMENT: re.compile(rf"^{BY_ARRONDISSEMENT}\|({_UUID})\|([1-9]|1[0-9]|2[01])\Z")}


def paris_date(moment: datetime | None) -> date | None:
    """The day a moment falls on in Paris (what the site shows); stored moments are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS).date()


def arrondissement_key(arrondissement: int | None) -> int:
    """The place of an arrondissement in the dataset's order: 1..20, then outside Paris (no arrondissement, or
    one Paris does not have)."""
    return arrondissement if arrondissement in ARRONDISSEMENTS else OUTSIDE_PARIS_KEY


def arrondissement_label(key: int) -> str:
    """"1" to "20", or "hors Paris": one type in every row (the JSON Schema's string)."""
    return OUTSIDE_PARIS if key == OUTSIDE_PARIS_KEY else str(key)


def cursor_after(dataset: str, petition_id: str, key: int | None = None) -> str:
    """The cursor after a row: its petition's id and, by arrondissement, its arrondissement key."""
    parts = [dataset, str(petition_id)] + ([str(key)] if dataset == BY_ARRONDISSEMENT else [])
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def position_of(dataset: str, cursor: str) -> tuple:
    """(petition id,) or (petition id, arrondissement key) from a cursor `cursor_after` made for `dataset`;
    anything else: RuleBroken on `after`."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= CURSOR_MAX or dataset not in _POSITIONS:
        raise RuleBroken(BAD_CURSOR, "after")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise RuleBroken(BAD_CURSOR, "after") from None
    found = _POSITIONS[dataset].match(text)
    if found is None or cursor_after(dataset, *_typed(found.groups())) != cursor:  # one spelling per place
        raise RuleBroken(BAD_CURSOR, "after")
    return _typed(found.groups())


def _typed(groups: tuple) -> tuple:
    petition_id = str(uuid.UUID(groups[0]))
    return (petition_id,) if len(groups) == 1 else (petition_id, int(groups[1]))

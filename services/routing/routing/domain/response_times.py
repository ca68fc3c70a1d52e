"""Time to first answer, the open dataset `routing_response_times` (issue 15, section 5), in plain Python.

For each month (the month an idea reached the inbox, as Paris counts months), scheme and direction:
- `ideas_count`: the ideas that arrived;
- `median_hours_to_first_answer`, `p90_hours_to_first_answer`: over those answered, the hours from arrival to the
  first answer (a decision that took effect, or the idea box closing the idea), by linear interpolation between
  the nearest ranks (the median of an even count is the mean of the middle two); None when none was answered;
- `answered_within_deadline_share`: among the ideas whose outcome is known (answered, or past their deadline
  unanswered), the share answered by their deadline; None when none is known yet (a fresh month would otherwise
  count its ideas still within their deadline as late).

Rows come in the order (month, scheme, direction), unique: the dataset's keyset. A cursor is the place of the last
row given: base64url of the JSON `["routing_response_times", "<YYYY-MM>", "<scheme>", "<direction>"]`; anything else
is bad input.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .access import RuleBroken

try:
    PARIS = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - no time zone database on this system
    PARIS = timezone.utc

DATASET = "routing_response_times"
DATASETS = (DATASET,)
PAGE_MAX = 2000
CURSOR_MAX = 200  # characters: a cursor is ~100
HOURS_DECIMALS, SHARE_DECIMALS = 2, 4
FIRST_YEAR = 2000  # no idea arrived before; earlier months are no cursor of ours (and year 1 overflows in UTC)
BAD_CURSOR = "Curseur invalide : reprenez la valeur « next » donnée par la page précédente, ou repartez du début."
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])\Z")
SCHEME_MAX, DIRECTION_MAX = 40, 16  # the inbox's columns


@dataclass(frozen=True)
class Arrival:
    """An idea as the statistics see it: where it is headed and its three moments (aware datetimes)."""
    scheme: str
    direction: str
    received_at: datetime
    first_response_at: datetime | None
    deadline_at: datetime | None


def month_of(moment: datetime) -> str:
    """"YYYY-MM" of the month `moment` falls in, in Paris (naive moments are UTC, as SQLite reads them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS).strftime("%Y-%m")


def month_start(month: str) -> datetime:
    """When the month "YYYY-MM" begins in Paris, in UTC."""
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=PARIS).astimezone(timezone.utc)


def quantile(ordered: list, fraction: float) -> float:
    """The `fraction` quantile of ascending values, interpolated linearly between the nearest ranks."""
    if not ordered:
        raise ValueError("no values")
    place = fraction * (len(ordered) - 1)
    below = int(place)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (place - below)


def hours_between(start: datetime, end: datetime) -> float:
    """Never below zero: an idea closed before it reached the inbox was answered at once."""
    return max(0.0, (end - start).total_seconds() / 3600)


def month_rows(month: str, arrivals: list, now: datetime) -> list:
    """The rows of one month, from the arrivals of that month, in the order (scheme, direction)."""
    groups = {}
    for arrival in arrivals:
        groups.setdefault((arrival.scheme, arrival.direction), []).append(arrival)
    return [group_row(month, scheme, direction, groups[(scheme, direction)], now)
            for scheme, direction in sorted(groups)]


def group_row(month: str, scheme: str, direction: str, arrivals: list, now: datetime) -> dict:
    waits = sorted(hours_between(a.received_at, a.first_response_at) for a in arrivals if a.first_response_at)
    known = [a for a in arrivals if a.first_response_at is not None or (a.deadline_at is not None and
                                                                        a.deadline_at <= now)]
    in_time = [a for a in known if a.first_response_at is not None and
               (a.deadline_at is None or a.first_response_at <= a.deadline_at)]
    return {"scheme": scheme, "direction": direction, "month": month, "ideas_count": len(arrivals),
            "median_hours_to_first_answer": round(quantile(waits, 0.5), HOURS_DECIMALS) if waits else None,
            "p90_hours_to_first_answer": round(quantile(waits, 0.9), HOURS_DECIMALS) if waits else None,
            "answered_within_deadline_share": round(len(in_time) / len(known), SHARE_DECIMALS) if known else None}


def row_key(row: dict) -> tuple:
    return row["month"], row["scheme"], row["direction"]


def cursor_after(row: dict) -> str:
    text = json.dumps([DATASET, *row_key(row)], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def position_of(cursor: str) -> tuple:
    """(month, scheme, direction) of a cursor `cursor_after` made; anything else: RuleBroken on `after`. The scheme
    and direction are taken as the inbox holds them (any text of their columns' lengths): a cursor never refuses
    a place this dataset gave."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= CURSOR_MAX:
        raise RuleBroken(BAD_CURSOR, "after")
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise RuleBroken(BAD_CURSOR, "after") from None
    if (not isinstance(document, list) or len(document) != 4 or not all(isinstance(part, str) for part in document)
            or document[0] != DATASET):
        raise RuleBroken(BAD_CURSOR, "after")
    _, month, scheme, direction = document
    found = _MONTH.match(month)
    if (found is None or int(found.group(1)) < FIRST_YEAR or not 0 < len(scheme) <= SCHEME_MAX
            or not 0 < len(direction) <= DIRECTION_MAX):
        raise RuleBroken(BAD_CURSOR, "after")
    position = (month, scheme, direction)
    if cursor_after(dict(zip(("month", "scheme", "direction"), position))) != cursor:
        raise RuleBroken(BAD_CURSOR, "after")  # one spelling per place
    return position

"""Rules of the open datasets: their dates are the days Paris lives them, as the site shows them and as the
petitions' datasets give them (an idea sent at 00:30 in Paris is of that day, not of the day before in UTC)."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_day(moment: datetime | None) -> date | None:
    """The day `moment` falls on in Paris; naive moments are UTC (as SQLite reads them back)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS).date()

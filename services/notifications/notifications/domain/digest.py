"""The weekly digest: one e-mail per person and week listing what they were told in the hub before the week began
and has not gone out by e-mail yet, for the categories they want by digest (what comes during the week waits for
the next one). Never an empty one."""
from datetime import datetime, timedelta

__all__ = ["period_of", "previous_period", "week_start", "digest_due", "compose_digest", "DIGEST_SUBJECT", "DIGEST_MAX_ITEMS"]

DIGEST_SUBJECT = "Votre semaine dans le hub de la participation"
DIGEST_MAX_ITEMS = 50  # beyond, the e-mail says how many more wait in the hub


def period_of(moment: datetime) -> str:
    """The ISO week of `moment`, e.g. "2026-W49" (Monday to Sunday)."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of `moment`'s week (same time zone): a digest tells what happened before it."""
    return (moment - timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def previous_period(moment: datetime) -> str:
    """The week before the one `moment` is in: the digest sent this week tells the last one."""
    return period_of(moment - timedelta(days=7))


def digest_due(moment: datetime, weekday: int) -> bool:
    """Digests go out from `weekday` (0: Monday) of each week on."""
    return moment.weekday() >= weekday


def compose_digest(items: list, hub_url: str) -> dict | None:
    """The digest e-mail's {"subject", "body"} for `items` (dicts with `title`, `body`, `link`, oldest first), or
    None when there is nothing to tell: an empty digest is never sent."""
    if not items:
        return None
    shown = items[:DIGEST_MAX_ITEMS]
    lines = ["Voici ce qui s'est passé cette semaine autour de ce qui vous intéresse :", ""]
    for item in shown:
        lines += [f"• {item['title']}", f"  {hub_url}{item['link']}", ""]
    if len(items) > len(shown):
        lines += [f"… et {len(items) - len(shown)} autre(s) dans le hub.", ""]
    lines.append(f"Toutes vos notifications : {hub_url}/notifications")
    lines.append(f"Choisir ce que vous recevez : {hub_url}/notifications/preferences")
    return {"subject": DIGEST_SUBJECT, "body": "\n".join(lines) + "\n"}

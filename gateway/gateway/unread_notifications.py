"""The unread count of « Mes notifications » in every page's header, for a signed-in person.

Every page shows it: it must never slow a page nor break it. The notifications service is asked with a short
deadline (UNREAD_SECONDS, like gateway.similar bounds each source), and its answer is kept KEPT_SECONDS per person
in this process: a count may be up to that stale (a new notification shows in the header within KEPT_SECONDS; after
« Mes notifications » marks some read, this process knows the new count at once, another gateway process within
KEPT_SECONDS). A failure or a timeout is kept as "unknown" for the same time: the link is shown without a count, and
a service that is down costs one bounded wait per person and period, not one per page.
"""
import logging

import eventlet
from cachetools import TTLCache
from flask import current_app, g

from hubkit.errors import HubError

from . import actors, remote

log = logging.getLogger("gateway")

SERVICE = "notifications"  # as HUB_SERVICES names it
UNREAD_SECONDS = 0.3  # one indexed count takes milliseconds; past this, the page goes on without it
KEPT_SECONDS = 20.0
KEPT_PEOPLE = 10_000  # ~100 bytes each: about a megabyte at most per process
_UNKNOWN = -1


def enabled() -> bool:
    """Whether the notifications service runs in this deployment (HUB_SERVICES names it): without it, no link and
    no call at all (a call to a service nobody serves would cost every page its deadline)."""
    return SERVICE in current_app.config["HUB_SETTINGS"].services


def _kept() -> TTLCache:
    found = current_app.extensions.get("unread_notifications")
    if found is None:
        found = current_app.extensions.setdefault("unread_notifications",
                                                  TTLCache(maxsize=KEPT_PEOPLE, ttl=KEPT_SECONDS))
    return found


def unread_count() -> int | None:
    """The signed-in person's unread count, or None: nobody signed in, the service not deployed, slow or failing.
    Asked at most once per request (the header may be rendered by an error page after the view's)."""
    if "unread_notifications" in g:
        return g.unread_notifications
    g.unread_notifications = None
    actor = actors.actor()
    if actor is None or not enabled():
        return None
    kept = _kept()
    count = kept.get(actor["account_id"])
    if count is None:
        count = kept[actor["account_id"]] = _ask(actor)
    g.unread_notifications = None if count == _UNKNOWN else count
    return g.unread_notifications


def remember(account_id: str, count) -> None:
    """The count a page just learned (listing or marking read): the header shows it at once."""
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        _kept()[account_id] = count
        g.unread_notifications = count


def _ask(actor: dict) -> int:
    timer = eventlet.Timeout(UNREAD_SECONDS)
    try:
        count = remote.call("notifications", "unread_count", actor, {})["unread_count"]
        return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else _UNKNOWN
    except eventlet.Timeout as error:
        if error is not timer:
            raise
        log.warning("the unread notifications count timed out")
        return _UNKNOWN
    except HubError as error:
        log.warning("the unread notifications count failed", extra={"error": error.code})
        return _UNKNOWN
    except Exception:  # the header helps, it never breaks a page
        log.exception("the unread notifications count failed")
        return _UNKNOWN
    finally:
        timer.cancel()

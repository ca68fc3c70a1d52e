"""Reconciliation with the idea box: the open ideas whose `idea_submitted` never reached routing join the inbox.

A nameko topic exchange drops an event no queue is bound to yet: ideas submitted before routing's queue was
first declared (routing deployed after the idea box went live, or `make run` publishing the ideas demo seed
before routing started) would never reach the agents. The service runs this soon after it starts, then every
ROUTING_RECONCILE_SECONDS (and `python -m routing reconcile` runs it by hand). Each missing idea lands in the
inbox exactly as the event would have put it (`Inbox.recover_idea`), in its own transaction; the event, if it
still comes, finds the idea there and adds nothing. An idea submitted less than ROUTING_RECONCILE_GRACE_SECONDS
ago is left to its event (most likely on its way), and looked at again once that time has passed.

The ideas RPC has no "submitted since" filter: every run pages through the open ideas (statuses `submitted`
and `under_review`, 100 per call) and asks `get_idea` only for those the inbox lacks. An idea that changes
status while the pages are read may be missed by one run; the next run sees it.
"""
import logging
import time
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.correlation import new_id
from hubkit.errors import HubError

from . import business_metrics
from .base import Settings, aware, utcnow
from .handlers import Inbox
from .models import InboxItem

log = logging.getLogger(__name__)

OPEN_IDEA_STATUSES = ("submitted", "under_review")  # the ideas service's statuses of an idea still waiting
PAGE_SIZE = 100  # the most list_ideas returns at once


class Reconciliation:
    """`ideas`: the ideas service's RPC (a BoundedRpc, or a fake); `new_unit`: opens a unit of work on routing's
    database. No transaction is open while ideas is asked."""

    def __init__(self, ideas, new_unit, settings: Settings, clock=utcnow):
        self.ideas, self.new_unit, self.settings, self.clock = ideas, new_unit, settings, clock

    def run(self) -> dict:
        """One pass: {"checked": open ideas read, "recovered": ids, "deferred": missing ideas too young yet}.
        Raises what a peer not answering raises (the caller logs it and tries again later)."""
        run_id = f"reconcile-{new_id()}"
        checked, recovered, deferred = 0, [], 0
        settled_before = self.clock() - timedelta(seconds=self.settings.reconcile_grace_seconds)
        for status in OPEN_IDEA_STATUSES:
            offset = 0
            while True:
                page = self.ideas.list_ideas({"status": status, "sort": "newest", "limit": PAGE_SIZE,
                                              "offset": offset})
                checked += len(page["items"])
                for summary in self._missing(page["items"]):
                    if _created_at(summary) > settled_before:
                        deferred += 1
                    elif self._recover(str(summary["id"]), run_id):
                        recovered.append(str(summary["id"]))
                offset += len(page["items"])
                if not page["items"] or offset >= page["total"]:
                    break
        if recovered:
            business_metrics.count_recovered(len(recovered))
            log.warning("ideas missing from the inbox were recovered from the idea box",
                        extra={"run_id": run_id, "recovered": len(recovered), "idea_ids": recovered[:20]})
        return {"run_id": run_id, "checked": checked, "recovered": recovered, "deferred": deferred}

    def _missing(self, summaries: list) -> list:
        ids = [str(summary["id"]) for summary in summaries]
        if not ids:
            return []
        with self.new_unit() as uow:
            known = set(uow.session.execute(sa.select(InboxItem.idea_id).where(InboxItem.idea_id.in_(ids))).scalars())
        return [summary for summary in summaries if str(summary["id"]) not in known]

    def _recover(self, idea_id: str, run_id: str) -> bool:
        try:
            idea = self.ideas.get_idea({"idea_id": idea_id})
        except HubError as error:  # gone meanwhile: nothing to route
            log.info("idea not recovered", extra={"idea_id": idea_id, "error": error.message})
            return False
        if idea.get("status") not in OPEN_IDEA_STATUSES:
            return False  # decided in the idea box meanwhile
        try:
            with self.new_unit() as uow:
                return Inbox(uow, self.settings, clock=self.clock).recover_idea(idea, run_id)
        except IntegrityError:
            return False  # its event was being applied at the same moment: the idea is in the inbox once


def _created_at(summary: dict) -> datetime:
    created = summary.get("created_at")
    return aware(datetime.fromisoformat(created)) if created else datetime.min.replace(tzinfo=timezone.utc)


class Schedule:
    """When reconciliation is due: at the first tick after the service starts, then every `interval` seconds;
    after a failure (ideas not answering), again after `retry` seconds; when missing ideas were too young to
    recover, again once they are old enough (`grace`). One per process: nameko makes a new service instance
    for each worker."""

    def __init__(self, interval: float, retry: float, grace: float, monotonic=time.monotonic):
        self.interval, self.retry, self.grace, self.monotonic = interval, retry, grace, monotonic
        self.next_at = 0.0

    def due(self) -> bool:
        return self.monotonic() >= self.next_at

    def done(self, succeeded: bool, deferred: int = 0):
        wait = self.interval if succeeded else self.retry
        if succeeded and deferred:
            wait = min(self.interval, max(self.grace, self.retry))
        self.next_at = self.monotonic() + wait

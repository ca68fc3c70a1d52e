"""Reconciliation with the idea box: the open ideas whose `idea_submitted` never reached routing join the inbox.

A nameko topic exchange drops an event no queue is bound to yet: ideas submitted before routing's queue was
first declared (routing deployed after the idea box went live, or `make run` publishing the ideas demo seed
before routing started) would never reach the agents. The service runs this soon after it starts, then every
ROUTING_RECONCILE_SECONDS (and `python -m routing reconcile` runs it by hand). Each missing idea lands in the
inbox exactly as the event would have put it (`Receiving.recover_idea`: its author, the citizen's correlation id),
in its own transaction; the event, if it still comes, finds the idea there and adds nothing.

It reads the ideas service's internal `submissions` feed (every idea in submission order, behind a stable
cursor) from where the previous run stopped: the cursor is kept in routing's database
(`reconciliation_cursors`), so a run costs one call when nothing is missing, whatever the number of open
ideas; the first run reads the whole idea box once (500 ideas per call). The cursor never moves past an idea
submitted less than ROUTING_RECONCILE_GRACE_SECONDS ago: such an idea is left to its event (most likely on
its way) and looked at again by a later run, and so is an older one whose transaction committed late (the
grace is far longer than any submission's transaction). Ideas no longer open (decided, merged) are passed.
`reconcile --from-start` reads the whole feed again (the runs are idempotent).
"""
import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.correlation import new_id
from hubkit.errors import HubError, ServiceUnavailable

from hubkit.clock import aware, utcnow

from .. import business_metrics
from ..models import InboxItem, ReconciliationCursor
from ..settings import Settings
from .common import Context
from .receiving import Receiving

log = logging.getLogger(__name__)

OPEN_IDEA_STATUSES = ("submitted", "under_review")  # the ideas service's statuses of an idea still waiting
PAGE_SIZE = 500  # the most `submissions` returns at once
FEED = "ideas.submissions"


class Reconciliation:
    """`ideas`: the ideas service's RPC (a BoundedRpc, or a fake); `new_unit`: opens a unit of work on routing's
    database. No transaction is open while ideas is asked."""

    def __init__(self, ideas, new_unit, settings: Settings, clock=utcnow):
        self.ideas, self.new_unit, self.settings, self.clock = ideas, new_unit, settings, clock

    def run(self, from_start: bool = False) -> dict:
        """One pass: {"checked": submissions read, "recovered": ids, "deferred": missing ideas too young yet}.
        Raises what a peer not answering raises (the caller logs it and tries again later); what was
        recovered until then stays, and the next run starts after the last idea it finished with."""
        run_id = f"reconcile-{new_id()}"
        checked, recovered, deferred = 0, [], 0
        settled_before = self.clock() - timedelta(seconds=self.settings.reconcile_grace_seconds)
        cursor = None if from_start else self._cursor()
        while True:
            page = self.ideas.submissions({"since": None, "after": cursor, "limit": PAGE_SIZE})
            checked += len(page["items"])
            settled = [item for item in page["items"] if _submitted_at(item) <= settled_before]
            young = page["items"][len(settled):]  # the feed is in submission order
            missing = self._missing([item for item in page["items"] if item["status"] in OPEN_IDEA_STATUSES])
            deferred += sum(1 for item in young if item["idea_id"] in missing)
            for item in settled:
                if item["idea_id"] in missing and self._recover(item, run_id):
                    recovered.append(item["idea_id"])
            if settled:
                cursor = settled[-1]["cursor"]
                self._save(cursor)
            if young or not page["has_more"]:
                break
        if recovered:
            business_metrics.count_recovered(len(recovered))
            log.warning("ideas missing from the inbox were recovered from the idea box",
                        extra={"run_id": run_id, "recovered": len(recovered), "idea_ids": recovered[:20]})
        return {"run_id": run_id, "checked": checked, "recovered": recovered, "deferred": deferred}

    def _cursor(self) -> str | None:
        with self.new_unit() as uow:
            row = uow.session.get(ReconciliationCursor, FEED)
            return row.cursor if row else None

    def _save(self, cursor: str):
        try:
            with self.new_unit() as uow:
                row = uow.session.get(ReconciliationCursor, FEED, with_for_update=True)
                if row is None:
                    uow.session.add(ReconciliationCursor(feed=FEED, cursor=cursor, updated_at=self.clock()))
                else:
                    row.cursor, row.updated_at = cursor, self.clock()
        except IntegrityError:
            pass  # another run (the command line, another process) saved its first cursor at the same moment

    def _missing(self, items: list) -> set:
        ids = [str(item["idea_id"]) for item in items]
        if not ids:
            return set()
        with self.new_unit() as uow:
            known = set(uow.session.execute(sa.select(InboxItem.idea_id).where(InboxItem.idea_id.in_(ids))).scalars())
        return set(ids) - known

    def _recover(self, submission: dict, run_id: str) -> bool:
        idea_id = str(submission["idea_id"])
        try:
            idea = self.ideas.get_idea({"idea_id": idea_id})
        except ServiceUnavailable:
            raise  # not an answer: the run stops before its cursor passes the idea
        except HubError as error:  # gone meanwhile: nothing to route
            log.info("idea not recovered", extra={"idea_id": idea_id, "error": error.message})
            return False
        if idea.get("status") not in OPEN_IDEA_STATUSES:
            return False  # decided in the idea box meanwhile
        try:
            with self.new_unit() as uow:
                return Receiving(Context(uow, self.settings, clock=self.clock)).recover_idea(idea, submission, run_id)
        except IntegrityError:
            return False  # its event was being applied at the same moment: the idea is in the inbox once


def _submitted_at(item: dict) -> datetime:
    return aware(datetime.fromisoformat(item["submitted_at"]))


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

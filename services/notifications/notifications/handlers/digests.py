"""The weekly digest: once per person and ISO week, one e-mail listing their notifications of `digest` categories
not e-mailed yet; never an empty one.

Replica-safe twice over: the run holds a PostgreSQL advisory lock for its transaction (hubkit.leader.run_once: the
other replicas skip the run), and the `digests` table's key (account, week) refuses a second digest for the same
week whatever happens. accounts.notify is named by (event id derived from account and week, purpose), so a digest
asked again after a crash between the call and the commit is queued once."""
import logging
import uuid

import sqlalchemy as sa

from hubkit.leader import run_once
from hubkit.rpc import PeerUnavailable

from .. import domain
from ..business_metrics import count_deferred_digest_run
from ..models import Digest, Notification
from .common import UseCases
from .receiving import unsubscribe_url

log = logging.getLogger(__name__)

LOCK = "notifications.digest"
DIGEST_PURPOSE = "notifications.digest"
_DIGEST_NAMESPACE = uuid.UUID("6f1c2a8e-3d4b-4c5e-9f70-81a2b3c4d5e6")


def digest_event_id(account_id: str, period: str) -> str:
    return str(uuid.uuid5(_DIGEST_NAMESPACE, f"{account_id}:{period}"))


class Digests(UseCases):
    def send_due_digests(self, send) -> int:
        """Sends the digests due now, at most `settings.digest_batch`; `send(message)` calls accounts.notify and
        raises if it does not answer (the digests not yet sent wait for the next run). How many were sent."""
        now = self.context.clock()
        if not domain.digest_due(now, self.context.settings.digest_weekday) or not run_once(self.session, LOCK):
            return 0
        period, before = domain.period_of(now), domain.week_start(now)
        sent = 0
        for account_id in self._waiting_accounts(period, before):
            try:
                with self.session.begin_nested():  # one person's digest: recorded only with its e-mail asked for
                    message = self._digest(account_id, period, before, now)
                    if message is not None:
                        send(message)
                        sent += 1
            except PeerUnavailable as error:  # accounts is not answering: the others wait for the next run
                log.warning("digest not sent, accounts unavailable", extra={"error": str(error)})
                count_deferred_digest_run()
                break
        return sent

    def _waiting_accounts(self, period: str, before) -> list:
        """People with digest notifications from before this week not e-mailed yet, and no digest this week (a
        batch of them)."""
        done = sa.select(Digest.account_id).where(Digest.period == period)
        return list(self.session.execute(
            sa.select(Notification.account_id).where(
                Notification.channel == domain.DIGEST, Notification.emailed_at.is_(None),
                Notification.created_at < before,
                Notification.account_id.not_in(done))
            .group_by(Notification.account_id).order_by(Notification.account_id)
            .limit(self.context.settings.digest_batch)).scalars())

    def _digest(self, account_id: str, period: str, before, now) -> dict | None:
        rows = list(self.session.execute(
            sa.select(Notification).where(Notification.account_id == account_id,
                                          Notification.channel == domain.DIGEST,
                                          Notification.emailed_at.is_(None), Notification.created_at < before)
            .order_by(Notification.created_at, Notification.id)).scalars())
        mail = domain.compose_digest([{"title": row.title, "body": row.body, "link": row.link} for row in rows],
                                     self.context.hub_url)
        if mail is None:
            return None
        # the key (account, week) is taken before accounts is asked: a second digest this week fails here
        self.session.add(Digest(account_id=account_id, period=period, notifications_count=len(rows), sent_at=now))
        self.session.flush()
        self.session.execute(sa.update(Notification).where(Notification.id.in_([row.id for row in rows]))
                             .values(emailed_at=now).execution_options(synchronize_session=False))
        categories = {row.category for row in rows}
        category = categories.pop() if len(categories) == 1 else domain.WEEKLY_DIGEST
        return {"account_ids": [account_id], **mail, "event_id": digest_event_id(account_id, period),
                "purpose": DIGEST_PURPOSE, "list_unsubscribe_url": unsubscribe_url(self.context, account_id, category)}

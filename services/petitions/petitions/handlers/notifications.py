"""E-mails to a petition's author and the signers who opted in, from petitions' own events (accounts sends them)."""
import sqlalchemy as sa
from marshmallow import EXCLUDE

from hubkit.config import public_url
from hubkit.tables import infrastructure_tables
from hubkit.validation import load

from .. import domain, schemas
from ..models import Petition, Signature
from .common import Context, known_version

NOTIFY_FOLLOWERS = "petitions.notify_followers"  # the name under which the handler records the events it applied
NOTIFY_BATCH = 5000  # account ids per accounts.notify call (accounts takes at most 10,000)
_EVENT_PETITION = schemas.PetitionIdSchema(unknown=EXCLUDE)


class Notifications:
    def __init__(self, context: Context):
        self.context = context

    def notification(self, envelope: dict, send) -> bool:
        """`petition_threshold_reached`, `petition_scheduled_for_council`, `petition_answered`: e-mail the author
        and the signers who opted in, through `send({"account_ids", "subject", "body"})` (accounts.notify, which
        knows the addresses). Once per event: an event already applied is skipped.

        Nothing is written while accounts is called (no transaction waits on another service): the recipients are
        read, the read transaction ends, the e-mails are queued by accounts, then the event is recorded as applied.
        If accounts does not answer, nothing is recorded and the event is retried later. Accounts may have queued
        them already (its answer came too late, or the record here did not commit): each call names the event and
        its part of the recipients (`event_id`, `purpose`), and accounts queues a part once only."""
        if not known_version(envelope):
            return False
        session = self.context.session
        petition_id = str(load(_EVENT_PETITION, envelope["payload"])["petition_id"])
        processed = infrastructure_tables(Petition.metadata)["processed"]
        if session.execute(sa.select(processed.c.event_id).where(
                processed.c.event_id == str(envelope["event_id"]),
                processed.c.handler == NOTIFY_FOLLOWERS)).first():
            return False
        petition = session.get(Petition, petition_id)
        message = domain.notification_message(envelope["type"], petition.title,
                                              f"{public_url()}/petitions/{petition.id}", envelope["payload"]) \
            if petition is not None else None
        recipients = self._followers(petition) if message is not None else []
        session.rollback()  # only read so far: the connection is free while accounts is called
        for start in range(0, len(recipients), NOTIFY_BATCH):
            send({"account_ids": recipients[start:start + NOTIFY_BATCH], **message,
                  "event_id": str(envelope["event_id"]), "purpose": f"{NOTIFY_FOLLOWERS}#{start}"})
        return self.context.uow.first_delivery(envelope, NOTIFY_FOLLOWERS)

    def _followers(self, petition: Petition) -> list:
        """The author and the signers who opted in (valid signatures, accounts not deleted), each once."""
        signers = self.context.session.execute(sa.select(Signature.account_id).where(
            Signature.petition_id == petition.id, Signature.notify.is_(True), Signature.invalidated_at.is_(None),
            Signature.account_id.is_not(None)).order_by(Signature.id)).scalars()
        recipients = [petition.author_id] if petition.author_id else []
        recipients += [account_id for account_id in signers if account_id != petition.author_id]
        return recipients

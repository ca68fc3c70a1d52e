"""From the other services' events to notifications: who is told, what, how (their preference), once per event.

The e-mail of an `email` notification is asked of accounts by the entrypoint inside the same transaction (see
service.py): if accounts does not answer, nothing is recorded and the event comes back; named by the event, the
e-mail is queued once by accounts even if a first call answered too late."""
from urllib.parse import quote

import sqlalchemy as sa

from .. import domain
from ..business_metrics import count_notification
from ..models import IdeaAuthor, Notification, Preference
from .common import UseCases, known_version

RECEIVE = "notifications.receive"
EMAIL_PURPOSE = "notifications.email"


class Receiving(UseCases):
    def remember_author(self, idea_id: str, author_id: str | None):
        """Keep who wrote an idea (a later event may not say it); an anonymous or erased author stays NULL."""
        row = self.session.get(IdeaAuthor, idea_id)
        if row is None:
            self.session.add(IdeaAuthor(idea_id=idea_id, author_id=author_id))
        elif author_id and not row.author_id:
            row.author_id = author_id

    def author_of(self, idea_id: str) -> str | None:
        row = self.session.get(IdeaAuthor, idea_id)
        return row.author_id if row is not None else None

    def idea_submitted(self, envelope: dict, idea_id: str) -> bool:
        """A citizen's new idea: remember its author (their own account acted)."""
        if not known_version(envelope) or not self.uow.first_delivery(envelope, RECEIVE):
            return False
        actor = envelope.get("actor") or {}
        author_id = actor.get("account_id") if actor.get("role") == "citizen" else None
        self.remember_author(idea_id, str(author_id) if author_id else None)
        return True

    def author_event(self, envelope: dict, payload: dict, ideas: dict) -> dict | None:
        """Notifies the idea's author of a routing or ideas event; the e-mail to send at once (accounts.notify's
        arguments), if their preference says so; None otherwise (also for a redelivery).

        `payload`: loaded by the event's schema; `ideas`: {idea_id: the idea as ideas.get_idea gave it, or None}."""
        if not known_version(envelope) or not self.uow.first_delivery(envelope, RECEIVE):
            return None
        if payload["idea_id"] is None:  # a dossier a citizen asked for through « Agir »: they are told
            requester = str(payload["requester_id"]) if payload.get("requester_id") else None
            notice = domain.request_notice_for(envelope["type"], payload, requester)
            return self.write(notice, envelope["event_id"]) if notice is not None else None
        idea_id = str(payload["idea_id"])
        if "author_id" in payload:  # routing says who the author is (null: nobody to tell)
            author_id = str(payload["author_id"]) if payload["author_id"] else None
            self.remember_author(idea_id, author_id)
        else:
            author_id = self.author_of(idea_id)
        surviving = ideas.get(str(payload["merged_into"])) if payload.get("merged_into") else None
        notice = domain.notice_for(envelope["type"], payload, author_id, ideas.get(idea_id), surviving)
        if notice is None:
            return None
        return self.write(notice, envelope["event_id"])

    def write(self, notice: domain.Notice, event_id: str) -> dict | None:
        """Stores the notification on the person's channel for its category; the e-mail to send if `email`."""
        chosen = self.session.execute(sa.select(Preference.channel).where(
            Preference.account_id == notice.account_id, Preference.category == notice.category)).scalar()
        channel = domain.channel_of(notice.category, {notice.category: chosen} if chosen else {})
        if channel == domain.NEVER:
            return None
        now = self.context.clock()
        self.session.add(Notification(
            account_id=notice.account_id, category=notice.category, channel=channel, title=notice.title,
            body=notice.body, link=notice.link, source_event_id=event_id, created_at=now,
            emailed_at=now if channel == domain.EMAIL else None))
        self.uow.on_commit(lambda: count_notification(notice.category, channel))
        if channel != domain.EMAIL:
            return None
        return {"account_ids": [notice.account_id], "subject": notice.title[:150],
                "body": f"{notice.body}\n\nVoir dans le hub : {self.context.hub_url}{notice.link}\n",
                "event_id": event_id, "purpose": EMAIL_PURPOSE,
                "list_unsubscribe_url": unsubscribe_url(self.context, notice.account_id, notice.category)}


def unsubscribe_url(context, account_id: str, category: str) -> str:
    token = domain.sign_unsubscribe(context.settings.secret, account_id, category)
    return f"{context.hub_url}/notifications/desabonnement/{quote(token, safe='')}"

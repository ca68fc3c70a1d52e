"""The e-mail routing has accounts send to an agent an idea was confided to (a work message, not a preference).
What an idea's author is told is the notifications service's (it consumes routing's events). accounts' mail opens
with « Bonjour <pseudonyme>, »: the body below never greets again."""
from hubkit.clock import aware
from hubkit.config import public_url

from .. import events
from ..models import InboxItem
from .common import UseCases

NOTIFY_AUTHOR = "routing.notify_author"


class Notifications(UseCases):
    def notification(self, envelope: dict) -> dict | None:
        """The e-mail (for accounts.notify) telling an agent an idea was confided to them, once per event."""
        if not self.uow.first_delivery(envelope, NOTIFY_AUTHOR):
            return None
        payload = envelope["payload"]
        item = self.session.get(InboxItem, str(payload.get("idea_id")))
        if item is None:
            return None
        title = item.title
        if envelope["type"] == events.IDEA_ASSIGNED:
            if not payload.get("agent_id") or payload["agent_id"] == envelope["actor"]["account_id"]:
                return None  # nobody in particular, or taken by the agent themself
            deadline = aware(item.deadline_at).strftime("%d/%m/%Y")
            return {"account_ids": [payload["agent_id"]], "subject": "Une idée vous est confiée",
                    "body": f"L'idée « {title} » vous est confiée (direction {payload['direction']}), "
                            f"à traiter avant le {deadline}.\n\n"
                            f"La décider : {public_url()}/back-office/orientation/{item.idea_id}\n"}
        return None

"""The agent a colleague confided an idea to (routing's `idea_assigned`, moved here from the routing service, issue
15 §1), « Idées qui me sont confiées »: once per event (its own processed_events record), through Receiving.write
like every other notice (the person's channel, the unsubscribe link). The idea's title is the idea box's
(`reader`, ideas.get_idea), asked only when someone is to be told."""
from typing import Callable

from .. import domain
from .common import UseCases, known_version
from .receiving import Receiving

ASSIGNED = "notifications.assignments"
Reader = Callable[[str, str], "dict | None"]  # (kind, key) -> {"title", ...} from the owner, or None


class Assignments(UseCases):
    def idea_assigned(self, envelope: dict, payload: dict, reader: Reader) -> dict | None:
        """The e-mail to ask accounts for (None: a redelivery, nobody to tell, or not by e-mail). `payload`: loaded
        by schemas.IdeaAssignedSchema."""
        if not known_version(envelope) or not self.uow.first_delivery(envelope, ASSIGNED):
            return None
        agent_id = domain.agent_to_tell(payload["agent_id"], (envelope.get("actor") or {}).get("account_id"))
        if agent_id is None:
            return None
        idea_id = str(payload["idea_id"])
        idea = reader(domain.IDEA, idea_id) or {}
        notice = domain.assigned_notice(agent_id, idea_id, idea.get("title"), payload["direction"],
                                        payload["deadline_at"])
        return Receiving(self.context).write(notice, envelope["event_id"])

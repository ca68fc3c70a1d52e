"""Decisions of the routing service on ideas (docs/events.md, "Consumed"): an idea forwarded to a
scheme, answered, or not retained. Each decision is applied once: a redelivered event is skipped
(processed_events), and so is a second event carrying a decision already in the idea's history.

Decisions arrive in any order (several replicas, retries: docs/architecture.md, "Replica safety"): each is
recorded at the moment routing made it, and one older than a decision already applied changes nothing, so
the idea ends on routing's latest decision whichever event came last."""
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields, validate

from hubkit.validation import load

from .. import domain
from ..models import Idea, StatusChange
from .box import IdeaBox
from .common import UseCases, aware

log = logging.getLogger(__name__)

IDEA_FORWARDED, IDEA_ANSWERED, IDEA_NOT_RETAINED = "idea_forwarded", "idea_answered", "idea_not_retained"
# routing event type -> (the idea's new status, the name under which its application is recorded)
DECISIONS = {
    IDEA_FORWARDED: (domain.FORWARDED, "ideas.routing_idea_forwarded"),
    IDEA_ANSWERED: (domain.ANSWERED, "ideas.routing_idea_answered"),
    IDEA_NOT_RETAINED: (domain.NOT_RETAINED, "ideas.routing_idea_not_retained"),
}
KNOWN_VERSION = 1


class _DecisionSchema(Schema):
    """The payload of a routing decision, as far as ideas reads it (new optional fields are ignored)."""
    class Meta:
        unknown = EXCLUDE

    decision_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    idea_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    scheme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    message = fields.String(load_default=None, allow_none=True)
    dossier_reference = fields.String(load_default=None, allow_none=True)
    answer = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)


def decision_message(event_type: str, payload: dict) -> str:
    """The public message of the idea's history for this decision."""
    if event_type == IDEA_FORWARDED:
        scheme = domain.SCHEMES.get(payload["scheme"], payload["scheme"] or "un autre dispositif")
        parts = [f"Transmise au dispositif « {scheme} »."]
        if (payload.get("message") or "").strip():
            parts.append(domain.clean_text(payload["message"]))
        if payload.get("dossier_reference"):
            parts.append(f"Référence du dossier : {domain.one_line(payload['dossier_reference'])}")
        return "\n".join(parts)[:domain.MESSAGE_MAX]
    text = payload.get("answer") if event_type == IDEA_ANSWERED else payload.get("reason")
    return (domain.clean_text(text) or ("Une réponse a été apportée." if event_type == IDEA_ANSWERED
                                         else "L'idée n'est pas retenue."))[:domain.MESSAGE_MAX]


class RoutingEvents(UseCases):
    use_cases = ("apply_routing_decision",)

    def __init__(self, context):
        super().__init__(context)
        self.box = IdeaBox(context)

    def apply_routing_decision(self, envelope: dict) -> bool:
        """The idea takes the decided status; False when nothing was applied (a redelivery, the same
        decision again, an unknown idea, or a merged idea, which stays merged)."""
        if envelope["version"] != KNOWN_VERSION:
            log.warning("unknown event version ignored", extra={"event_type": envelope["type"],
                                                                "version": envelope["version"]})
            return False
        status, handler = DECISIONS[envelope["type"]]
        payload = load(_DecisionSchema(), envelope["payload"])
        if not self.uow.first_delivery(envelope, handler):
            return False
        idea = self.session.get(Idea, payload["idea_id"], with_for_update=True)
        if idea is None:
            log.warning("routing decision about an unknown idea ignored", extra={"idea_id": payload["idea_id"]})
            return False
        if idea.status == domain.MERGED:
            log.info("routing decision about a merged idea skipped", extra={"idea_id": idea.id})
            return False
        if self.session.execute(sa.select(StatusChange.id).where(
                StatusChange.idea_id == idea.id, StatusChange.decision_id == payload["decision_id"])).first():
            return False  # this decision is already in the history (sent again under a new event id)
        decided_at = decision_moment(envelope["occurred_at"])
        if self.session.execute(sa.select(StatusChange.id).where(
                StatusChange.idea_id == idea.id, StatusChange.decision_id.is_not(None),
                StatusChange.changed_at > decided_at)).first():
            log.info("routing decision older than one already applied, skipped",
                     extra={"idea_id": idea.id, "decision_id": payload["decision_id"]})
            return False  # it arrived after the decision that replaced it
        actor = envelope.get("actor") or {}
        self.box.move(idea, status, decision_message(envelope["type"], payload),
                      payload["scheme"] if status == domain.FORWARDED else None, None, actor.get("account_id"),
                      actor.get("role") or "agent", at=decided_at, decision_id=payload["decision_id"])
        idea.updated_at = self.clock()  # the idea changed now; its history step keeps the decision's moment
        return True


def decision_moment(occurred_at) -> datetime:
    """When routing made the decision (the event's `occurred_at`: parsed by `receive`, or ISO text), in UTC."""
    moment = occurred_at if isinstance(occurred_at, datetime) else datetime.fromisoformat(occurred_at)
    return aware(moment).astimezone(timezone.utc)

"""The agent's work on an idea: the checklist, assigning it, deciding on it, undoing a decision.

Only admins and the agents of the direction that owns an idea (its `direction`) act on it
(docs/security/directions.md). A decision takes effect only after the undo window (`Settings.undo_seconds`): it
is recorded `pending` here, and the service's sweep applies it once due (effects.py). One decision per
idempotency key (the form token or the API's Idempotency-Key): a double click returns the decision already
recorded; one pending decision per idea. The decision row itself keeps the key (scoped to the agent): its answer
is the decision as it is now (pending, effective or undone), not a stored copy, so routing needs no
`idempotency_keys` table.
"""
import hashlib
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.clock import aware
from hubkit.correlation import new_id
from hubkit.errors import Conflict, IdempotencyKeyReused, NotFound

from .. import domain, events
from ..models import Decision, InboxItem, Scheme, TraceEntry
from .common import UseCases, acting_on, request_id, rules
from .inbox import Inbox
from .views import decision_view


class Decisions(UseCases):
    """Answers with the idea as the inbox reads it (`Inbox.get_item`) or the decision recorded."""

    def __init__(self, context):
        super().__init__(context)
        self.inbox = Inbox(context)

    def _within_direction(self, actor: dict, item: InboxItem):
        """Refused (403 OUTSIDE_DIRECTION, or FORBIDDEN for a moderator) unless the caller acts for the idea's
        owning direction; checked before anything is written."""
        with rules():
            domain.check_owning_direction(actor, item.direction, self.directions.table)

    def update_checklist(self, actor: dict, command: dict) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(command["idea_id"], for_update=True)
        self._within_direction(actor, item)
        with rules():
            item.checklist = domain.check_checklist(command["values"], item.checklist or {})
        item.updated_at = self.clock()
        self.session.flush()
        return self.inbox.get_item(actor, item.idea_id)

    def assign(self, actor: dict, command: dict) -> dict:
        """To an agent (by account id), to a direction, or both; the idea's deadline does not move. The owning
        direction hands the idea over: once given to another direction, that direction owns it."""
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(command["idea_id"], for_update=True)
        self._within_direction(actor, item)
        agent_id = str(command["agent_id"]) if command.get("agent_id") else None
        direction = self._known_direction(command["direction"]) if command.get("direction") else item.direction
        if agent_id == item.assigned_agent_id and direction == item.direction:
            return self.inbox.get_item(actor, item.idea_id)
        item.assigned_agent_id, item.direction, item.updated_at = agent_id, direction, self.clock()
        role = domain.acting_role(actor["roles"])
        who = "un agent" if agent_id else "personne en particulier"
        with acting_on(item.correlation_id, request_id()):
            self.emit_traced(events.IDEA_ASSIGNED, item.idea_id,
                             {"idea_id": item.idea_id, "agent_id": agent_id, "direction": direction,
                              "deadline_at": aware(item.deadline_at).isoformat() if item.deadline_at else None},
                             events.actor(str(actor["account_id"]), role),
                             f"Idée confiée à la direction {direction}.",
                             agent_note=f"Assignée à {agent_id or who} (direction {direction}) par "
                                        f"{actor['account_id']}.")
        return self.inbox.get_item(actor, item.idea_id)

    def decide(self, actor: dict, command: dict) -> dict:
        """Forward, answer, not retain, or mark as duplicate; recorded now, in effect after the undo window."""
        with rules():
            domain.check_staff(actor["roles"])
        key = _scoped(actor, command.get("idempotency_key") or new_id())
        # The idea's row first: a double click's second request waits here for the first to commit, then finds
        # its decision by the key instead of refusing the idea's new state.
        item = self._item(command["idea_id"], for_update=True)
        self._within_direction(actor, item)
        earlier = self._decision_by_key(key, command)
        if earlier is not None:
            return earlier
        scheme = self.session.get(Scheme, command["scheme"]) if command.get("scheme") else None
        with rules():
            domain.check_can_decide(item.status, command["action"])
            decided = domain.check_decision(command["action"], command, _as_dict(scheme), item.idea_id)
            if item.status == domain.FORWARDED and decided["scheme"] == item.scheme:
                raise domain.RuleBroken("L'idée est déjà transmise à ce dispositif.", "scheme")
        replaces = None
        if item.status == domain.FORWARDED:
            replaces = self.session.execute(
                sa.select(Decision.id).where(Decision.idea_id == item.idea_id, Decision.state == "effective",
                                             Decision.action == domain.FORWARD)
                .order_by(Decision.applied_at.desc())).scalars().first()
        now = self.clock()
        decision = Decision(
            idea_id=item.idea_id, idempotency_key=key, action=decided["action"], scheme=decided["scheme"],
            direction=(scheme.direction if scheme else None) or actor.get("direction") or item.direction,
            message=decided["message"], reason_code=decided["reason_code"], duplicate_of=decided["duplicate_of"],
            state="pending", replaces=replaces, actor_id=str(actor["account_id"]),
            actor_role=domain.acting_role(actor["roles"]), request_id=request_id(), created_at=now,
            effective_at=now + timedelta(seconds=self.settings.undo_seconds))
        self.session.add(decision)
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            earlier = self._decision_by_key(key, command)  # the same click, committed meanwhile
            if earlier is not None:
                return earlier
            raise Conflict("Cette décision vient d'être enregistrée : rechargez la page.",
                           code="DECISION_PENDING") from None
        item.status, item.updated_at = domain.PENDING, now
        if decided["scheme"]:
            item.scheme = decided["scheme"]
        return decision_view(decision, self._scheme_names(), self.clock())

    def _decision_by_key(self, key: str, command: dict) -> dict | None:
        """The decision already recorded under this idempotency key, if any (refused if the key served another)."""
        earlier = self.session.execute(sa.select(Decision).where(Decision.idempotency_key == key)).scalar_one_or_none()
        if earlier is None:
            return None
        if earlier.idea_id != str(command["idea_id"]) or earlier.action != command["action"]:
            raise IdempotencyKeyReused("Cette clé d'idempotence a déjà servi pour une autre décision.")
        return decision_view(earlier, self._scheme_names(), self.clock())

    def undo(self, actor: dict, decision_id: str) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        decision = self.session.get(Decision, str(decision_id), with_for_update=True)
        if decision is None:
            raise NotFound("Décision introuvable.", code="DECISION_NOT_FOUND")
        item = self._item(decision.idea_id, for_update=True)
        self._within_direction(actor, item)
        with rules():
            domain.check_undo_by(decision.actor_id, str(actor["account_id"]), actor["roles"])
            domain.check_undo(decision.state != "pending", decision.state == "cancelled", self.settings.undo_seconds)
        now = self.clock()
        decision.state, decision.cancelled_at = "cancelled", now
        previous = self.session.get(Decision, decision.replaces) if decision.replaces else None
        item.status = domain.FORWARDED if previous is not None else domain.WAITING
        item.scheme = previous.scheme if previous is not None else item.suggested_scheme
        item.updated_at = now
        self.session.add(TraceEntry(
            idea_id=item.idea_id, event_id=new_id(), type="decision_undone", service="routing",
            actor_role=domain.acting_role(actor["roles"]), correlation_id=item.correlation_id,
            causation_id=request_id(), occurred_at=now, public=False,
            summary=f"Décision « {domain.ACTIONS[decision.action]} » annulée avant de prendre effet.",
            agent_note=f"Annulée par {actor['account_id']}."))
        return decision_view(decision, self._scheme_names(), self.clock())


def _scoped(actor: dict, key: str) -> str:
    """The key as the decision keeps it: scoped to the agent who sent it (hubkit.idempotency's rule: one person's
    key never reaches another's action), as a SHA-256 digest that fits the column whatever the key."""
    return hashlib.sha256(f"decide:{actor['account_id']}:{key}".encode()).hexdigest()


def _as_dict(scheme: Scheme | None) -> dict | None:
    return None if scheme is None else {"code": scheme.code, "active": scheme.active, "kind": scheme.kind}

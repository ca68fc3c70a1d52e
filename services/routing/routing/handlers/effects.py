"""Decisions taking effect once their undo window passed (the service's sweep): the idea's status, the events,
the dossier and its delivery, then and never before, so an undone decision left no trace outside routing."""
import json

import sqlalchemy as sa

from hubkit.clock import aware
from hubkit.correlation import new_id

from .. import domain, events
from ..models import PENDING_DECISIONS, Decision, Dossier, InboxItem, Scheme, TraceEntry, WebhookDelivery
from .common import UseCases, acting_on
from .views import mail_body


class DecisionEffects(UseCases):
    def due_decisions(self, limit: int = 100) -> list:
        """Pending decisions whose undo window passed, oldest first: (id, action)."""
        return [tuple(row) for row in self.session.execute(
            sa.select(Decision.id, Decision.action).where(sa.text(PENDING_DECISIONS),  # its partial index
                                                          Decision.effective_at <= self.clock())
            .order_by(Decision.effective_at).limit(limit))]

    def merge_plan(self, decision_id: str) -> dict | None:
        """What `ideas.merge_ideas` needs for a due duplicate decision (called before `apply_decision`)."""
        decision = self.session.get(Decision, decision_id)
        if decision is None or decision.state != "pending" or decision.action != domain.DUPLICATE:
            return None
        item = self._item(decision.idea_id)
        return {"actor": {"account_id": decision.actor_id, "roles": [decision.actor_role]},
                "correlation_id": item.correlation_id, "request_id": decision.request_id,
                "command": {"idea_id": decision.idea_id, "into": decision.duplicate_of,
                            "message": decision.message}}

    def apply_decision(self, decision_id: str, merge_error: str = None) -> dict | None:
        """The decision takes effect: the idea's status, the events, the dossier and its delivery, once.
        Returns what took effect (for the metrics), None if nothing did.

        `merge_error`: for a duplicate, what the ideas service refused (the decision fails, the idea waits)."""
        decision = self.session.get(Decision, decision_id, with_for_update=True)
        if decision is None or decision.state != "pending":
            return None  # undone meanwhile, or applied by another worker
        item = self._item(decision.idea_id, for_update=True)
        now = self.clock()
        with acting_on(item.correlation_id, decision.request_id):
            if merge_error:
                decision.state, item.status, item.updated_at = "failed", domain.WAITING, now
                self.session.add(TraceEntry(
                    idea_id=item.idea_id, event_id=new_id(), type="decision_failed", service="routing",
                    actor_role="system", correlation_id=item.correlation_id, causation_id=decision.request_id,
                    occurred_at=now, public=False, summary="La fusion demandée n'a pas pu être faite.",
                    agent_note=merge_error[:2000]))
                return None
            if decision.replaces:
                replaced = self.session.get(Decision, decision.replaces)
                if replaced is not None and replaced.state == "effective":
                    replaced.state = "superseded"
            self._effects(decision, item)
        decision.state, decision.applied_at = "effective", now
        item.status = domain.OUTCOME_OF[decision.action]
        item.decided_at = item.updated_at = now
        first_response = None
        if item.first_response_at is None:
            item.first_response_at = now
            first_response = (now - aware(item.received_at)).total_seconds()
        return {"action": decision.action, "scheme": decision.scheme, "first_response_seconds": first_response}

    def _effects(self, decision: Decision, item: InboxItem):
        actor = events.actor(decision.actor_id, decision.actor_role)
        note = f"Décision de {decision.actor_id} : {decision.message}" if decision.message else None
        base = {"decision_id": decision.id, "idea_id": item.idea_id, "author_id": item.author_id}
        if decision.action == domain.FORWARD:
            scheme = self._scheme(decision.scheme)
            reference = self._open_dossier(decision, item, scheme) if scheme.kind == domain.EXTERNAL else None
            rerouted = " (réorientation)" if decision.replaces else ""
            self.emit_traced(events.IDEA_FORWARDED, item.idea_id,
                             {**base, "scheme": scheme.code, "scheme_kind": scheme.kind, "message": decision.message,
                              "dossier_reference": reference}, actor,
                             f"Idée transmise au dispositif « {scheme.name} »{rerouted}"
                             + (f", dossier {reference}" if reference else "") + ".", agent_note=note)
        elif decision.action == domain.ANSWER:
            self.emit_traced(events.IDEA_ANSWERED, item.idea_id,
                             {**base, "answer": decision.message, "direction": decision.direction}, actor,
                             f"Réponse de la Ville (direction {decision.direction}).", agent_note=note)
        elif decision.action == domain.NOT_RETAIN:
            self.emit_traced(events.IDEA_NOT_RETAINED, item.idea_id,
                             {**base, "reason_code": decision.reason_code, "reason": decision.message}, actor,
                             "Idée non retenue : "
                             f"{domain.NOT_RETAINED_REASONS[decision.reason_code].lower()}.", agent_note=note)
        # a duplicate: ideas.merge_ideas already ran; its idea_merged event comes back on the timeline

    def _open_dossier(self, decision: Decision, item: InboxItem, scheme: Scheme) -> str:
        """The external scheme's dossier (one per decision) and its delivery, in this transaction."""
        now = self.clock()
        dossier = Dossier(decision_id=decision.id, idea_id=item.idea_id, scheme=scheme.code,
                          delivery=scheme.delivery, status="sent", created_at=now)
        self.session.add(dossier)
        self.session.flush()
        dossier.reference = domain.dossier_reference(scheme.direction, now.year, dossier.id)
        document = {"reference": dossier.reference, "scheme": scheme.code, "idea_id": item.idea_id,
                    "title": item.title, "summary": item.excerpt, "arrondissement": item.arrondissement,
                    "message": decision.message, "submitted_at": aware(item.submitted_at).isoformat(),
                    "answer_deadline": (now + self._days(scheme.deadline_days)).isoformat()}
        if scheme.delivery == domain.WEBHOOK:
            self.session.add(WebhookDelivery(dossier_id=dossier.id, url=scheme.webhook_url, attempts=0,
                                             body=json.dumps(document, ensure_ascii=False, sort_keys=True),
                                             next_attempt_at=now))
        else:
            self.uow.queue_mail(scheme.email, f"[Hub de la participation] Dossier {dossier.reference}",
                                mail_body(document))
            dossier.status, dossier.delivered_at = "delivered", now
        self.emit_traced(events.DOSSIER_CREATED, item.idea_id,
                         {"dossier_reference": dossier.reference, "decision_id": decision.id, "idea_id": item.idea_id,
                          "scheme": scheme.code, "delivery": scheme.delivery, "subject_kind": "idea"},
                         events.actor(decision.actor_id, decision.actor_role),
                         f"Dossier {dossier.reference} ouvert auprès de « {scheme.name} ».")
        return dossier.reference

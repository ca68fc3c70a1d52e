"""Use cases of the agents' inbox: each runs in one unit of work (one transaction).

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles", "direction"}. Staff read
the inbox; only admins and the agents of the direction that owns an idea (its `direction`) tick its checklist,
assign it, decide on it or undo a decision (docs/security/directions.md).

A decision takes effect only after the undo window (`Settings.undo_seconds`): it is recorded `pending`, and
the service's sweep applies it once due (`apply_decision`): events, dossier and webhook then, never before, so
an undone decision left no trace outside routing. One decision per idempotency key (the form token or the
API's Idempotency-Key): a double click returns the decision already recorded; one pending decision per idea.
"""
import json
import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.correlation import new_id
from hubkit.errors import Conflict, NotFound, PermissionDenied
from hubkit.validation import load

from . import domain, events, schemas
from .base import UseCases, acting_on, aware, request_id, rules, settings_from_env  # noqa: F401
from .models import Decision, Dossier, InboxItem, Scheme, TraceEntry, WebhookDelivery

log = logging.getLogger(__name__)

RECEIVE_IDEA = "routing.receive_idea"
RECORD_EVENT = "routing.record_event"
NOTIFY_AUTHOR = "routing.notify_author"
FORGET_ACCOUNT = "routing.forget_account"
KNOWN_EVENT_VERSION = 1
# The correlation id reconciliation gives an idea whose submission event routing never received, when the idea
# box does not know the original one either (an imported idea).
RECOVERED_PREFIX = "recovered-"
RECOVERED_NOTE = ("Retrouvée par le rapprochement avec la boîte à idées : l'événement de dépôt n'était pas parvenu "
                  "au routage (service arrêté, ou sa file pas encore créée).")
CHAIN_KEPT_NOTE = " Auteur et identifiant de corrélation d'origine repris de la boîte à idées."
CHAIN_UNKNOWN_NOTE = " Identifiant de corrélation d'origine inconnu : un nouveau a été attribué."
ADOPTED_NOTE = " L'événement de dépôt est arrivé depuis : identifiant de corrélation d'origine rétabli."
EXCERPT_LENGTH = 280
DECISION_STATES = {"pending": "En attente (annulable)", "effective": "Appliquée", "cancelled": "Annulée",
                   "superseded": "Remplacée par une réorientation", "failed": "Échec"}


def excerpt(text: str) -> str:
    text = domain.one_line(text)
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


class Inbox(UseCases):
    # --- receiving ideas ----------------------------------------------------------------------------

    def receive_idea(self, envelope: dict, idea: dict) -> bool:
        """`idea_submitted`: the idea lands in the inbox with a suggestion, a checklist and a deadline.
        `idea` is what `ideas.get_idea` answered (asked before the transaction)."""
        if not self.uow.first_delivery(envelope, RECEIVE_IDEA):
            return False
        payload = load(schemas.IdeaSubmittedSchema(), envelope["payload"])
        idea_id = str(payload["idea_id"])
        item = self.session.get(InboxItem, idea_id, with_for_update=True)
        if item is not None:
            self._adopt_submission(item, envelope)
            return False
        self._admit(idea_id, idea, payload.get("theme"), payload.get("arrondissement"),
                    envelope["actor"]["account_id"], envelope)
        return True

    def recover_idea(self, idea: dict, submission: dict, run_id: str) -> bool:
        """An open idea of the idea box whose `idea_submitted` never reached routing (routing stopped, or its
        queue not declared yet: a topic exchange drops what no queue is bound to) lands in the inbox as the
        event would have put it. `idea` is what `ideas.get_idea` answered, `submission` what the ideas
        `submissions` feed told of it: the author and the citizen's correlation id, so the idea's chain is
        the one of the click. When the idea box does not know that id (an imported idea), a fresh
        `recovered-…` id starts the chain, and the event, if it ever comes, restores it
        (`_adopt_submission`). False if the idea is already in the inbox."""
        idea_id = str(idea["id"])
        if self.session.get(InboxItem, idea_id) is not None:
            return False
        correlation_id = submission.get("correlation_id")
        author_id = submission.get("author_id")
        envelope = {"event_id": new_id(), "type": "idea_submitted", "producer": "ideas",
                    "actor": events.actor(author_id, "citizen"),
                    "correlation_id": correlation_id or RECOVERED_PREFIX + new_id(), "causation_id": run_id,
                    "occurred_at": submission.get("submitted_at") or idea.get("created_at")
                    or self.clock().isoformat()}
        self._admit(idea_id, idea, idea.get("theme"), idea.get("arrondissement"), author_id, envelope,
                    agent_note=RECOVERED_NOTE + (CHAIN_KEPT_NOTE if correlation_id else CHAIN_UNKNOWN_NOTE))
        return True

    def _admit(self, idea_id: str, idea: dict, theme, arrondissement, author_id, submission: dict,
               agent_note: str = None):
        """The inbox item, its `idea_submitted` step and the suggestion (event and step), caused by `submission`
        (the event, or what reconciliation made in its place)."""
        schemes = [{"code": s.code, "name": s.name, "direction": s.direction, "keywords": s.keywords}
                   for s in self.session.execute(sa.select(Scheme).where(Scheme.active.is_(True))).scalars()]
        suggestion = domain.suggest(idea["title"], idea.get("description") or "", theme, schemes)
        scheme = self.session.get(Scheme, suggestion.scheme)
        now = self.clock()
        item = InboxItem(
            idea_id=idea_id, title=domain.one_line(idea["title"])[:200], excerpt=excerpt(idea.get("description")),
            theme=theme, arrondissement=arrondissement, author_id=author_id,
            correlation_id=submission["correlation_id"], status=domain.WAITING, suggested_scheme=suggestion.scheme,
            suggestion_reason=suggestion.reason, suggestion_keywords=list(suggestion.keywords),
            checklist=domain.checklist(idea["title"], idea.get("description") or ""),
            scheme=suggestion.scheme, direction=suggestion.direction, submitted_at=aware(_when(submission)),
            received_at=now, deadline_at=now + self._days(scheme.deadline_days if scheme else 15), updated_at=now)
        self.session.add(item)
        self.session.flush()
        self.trace(submission, idea_id, domain.trace_summary("idea_submitted", {}), agent_note)
        with acting_on(item.correlation_id, str(submission["event_id"])):
            self.emit_traced(events.IDEA_ROUTING_SUGGESTED, idea_id,
                             {"idea_id": idea_id, "scheme": suggestion.scheme, "direction": suggestion.direction,
                              "keywords": list(suggestion.keywords), "deadline_at": item.deadline_at.isoformat()},
                             events.SYSTEM, f"Orientation suggérée : {scheme.name if scheme else suggestion.scheme}.",
                             agent_note=suggestion.reason)

    def _adopt_submission(self, item: InboxItem, envelope: dict):
        """The `idea_submitted` of an idea reconciliation recovered, arriving late: the idea's later steps carry
        the citizen's correlation id again, and the author is known (to be told what became of the idea)."""
        if not item.correlation_id.startswith(RECOVERED_PREFIX):
            return
        recovered_id = item.correlation_id
        item.correlation_id = envelope["correlation_id"]
        item.author_id = item.author_id or envelope["actor"]["account_id"]
        self.session.execute(sa.update(TraceEntry).where(
            TraceEntry.idea_id == item.idea_id, TraceEntry.type == "idea_submitted",
            TraceEntry.correlation_id == recovered_id).values(
            correlation_id=envelope["correlation_id"], agent_note=RECOVERED_NOTE + CHAIN_UNKNOWN_NOTE + ADOPTED_NOTE))

    def _days(self, days: int) -> timedelta:
        return timedelta(seconds=days * self.settings.day_seconds)

    # --- reading ------------------------------------------------------------------------------------

    def _item(self, idea_id: str, for_update=False) -> InboxItem:
        item = self.session.get(InboxItem, str(idea_id), with_for_update=for_update)
        if item is None:
            raise NotFound("Cette idée n'est pas (encore) dans la boîte de réception.", code="NOT_IN_INBOX")
        return item

    def item_view(self, item: InboxItem, names: dict) -> dict:
        now = self.clock()
        deadline_at = aware(item.deadline_at)
        return {"idea_id": item.idea_id, "title": item.title, "excerpt": item.excerpt, "theme": item.theme,
                "arrondissement": item.arrondissement, "status": item.status,
                "status_label": domain.STATUSES[item.status], "suggested_scheme": item.suggested_scheme,
                "suggested_scheme_name": names.get(item.suggested_scheme, item.suggested_scheme),
                "suggestion_reason": item.suggestion_reason, "suggestion_keywords": item.suggestion_keywords or [],
                "scheme": item.scheme, "scheme_name": names.get(item.scheme, item.scheme), "direction": item.direction,
                "assigned_agent_id": item.assigned_agent_id, "correlation_id": item.correlation_id,
                "submitted_at": aware(item.submitted_at), "received_at": aware(item.received_at),
                "deadline_at": deadline_at, "countdown": domain.countdown(deadline_at, now),
                "overdue": domain.is_overdue(deadline_at, item.status, now),
                "age_days": max(0, (now - aware(item.received_at)).days)}

    def inbox(self, actor: dict, query: dict) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        now = self.clock()
        conditions = []
        if query["status"] == "open":
            conditions.append(InboxItem.status.in_(domain.OPEN_STATUSES))
        elif query["status"] != "all":
            conditions.append(InboxItem.status == query["status"])
        for name in ("direction", "scheme", "arrondissement"):
            if query.get(name) is not None:
                conditions.append(getattr(InboxItem, name) == query[name])
        if query.get("min_age_days") is not None:
            conditions.append(InboxItem.received_at <= now - timedelta(days=query["min_age_days"]))
        if query.get("max_age_days") is not None:
            conditions.append(InboxItem.received_at >= now - timedelta(days=query["max_age_days"]))
        if query.get("assigned") == "me":
            conditions.append(InboxItem.assigned_agent_id == str(actor["account_id"]))
        elif query.get("assigned") == "nobody":
            conditions.append(InboxItem.assigned_agent_id.is_(None))
        overdue_condition = sa.and_(InboxItem.status.in_(domain.OPEN_STATUSES), InboxItem.deadline_at < now)
        if query.get("overdue"):
            conditions.append(overdue_condition)
        total = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem).where(*conditions)).scalar_one()
        overdue = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem)
                                       .where(*conditions, overdue_condition)).scalar_one()
        rows = self.session.execute(
            sa.select(InboxItem).where(*conditions).order_by(InboxItem.deadline_at, InboxItem.received_at)
            .offset((query["page"] - 1) * query["per_page"]).limit(query["per_page"])).scalars()
        names = self._scheme_names()
        return {"items": [self.item_view(item, names) for item in rows], "total": total, "overdue": overdue,
                "page": query["page"], "per_page": query["per_page"]}

    def get_item(self, actor: dict, idea_id: str) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(idea_id)
        names = self._scheme_names()
        decisions = self.session.execute(sa.select(Decision).where(Decision.idea_id == item.idea_id)
                                         .order_by(Decision.created_at)).scalars().all()
        dossiers = {d.decision_id: d for d in self.session.execute(
            sa.select(Dossier).where(Dossier.idea_id == item.idea_id)).scalars()}
        deliveries = {w.dossier_id: w for w in self.session.execute(
            sa.select(WebhookDelivery).where(WebhookDelivery.dossier_id.in_([d.id for d in dossiers.values()])))
            .scalars()}
        views = [self.decision_view(d, names, dossiers.get(d.id), deliveries) for d in decisions]
        trace = self.session.execute(sa.select(TraceEntry).where(TraceEntry.idea_id == item.idea_id)
                                     .order_by(TraceEntry.occurred_at, TraceEntry.id)).scalars()
        checklist = [{"code": code, "label": label, "value": (item.checklist or {}).get(code, {}).get("value", "unknown"),
                      "value_label": domain.CHECK_VALUES[(item.checklist or {}).get(code, {}).get("value", "unknown")],
                      "why": (item.checklist or {}).get(code, {}).get("why", "")}
                     for code, label in domain.CHECKS.items()]
        if item.status in domain.OPEN_STATUSES and item.status != domain.PENDING:
            next_actions = list(domain.ACTIONS)
        elif item.status == domain.FORWARDED:
            next_actions = [domain.FORWARD]
        else:
            next_actions = []
        return {**self.item_view(item, names), "checklist": checklist, "decisions": views,
                "pending_decision": next((v for v in views if v["state"] == "pending"), None),
                "dossiers": [v["dossier"] for v in views if v["dossier"]],
                "trace": [trace_view(entry) for entry in trace], "next_actions": next_actions}

    def decision_view(self, decision: Decision, names: dict, dossier: Dossier = None, deliveries=None) -> dict:
        left = 0
        if decision.state == "pending":
            left = max(0, int((aware(decision.effective_at) - self.clock()).total_seconds()))
        return {"id": decision.id, "idea_id": decision.idea_id, "action": decision.action,
                "action_label": domain.ACTIONS[decision.action], "scheme": decision.scheme,
                "scheme_name": names.get(decision.scheme) if decision.scheme else None,
                "direction": decision.direction, "message": decision.message, "reason_code": decision.reason_code,
                "duplicate_of": decision.duplicate_of, "state": decision.state,
                "state_label": DECISION_STATES[decision.state], "replaces": decision.replaces,
                "actor_id": decision.actor_id, "actor_role": decision.actor_role,
                "created_at": aware(decision.created_at), "effective_at": aware(decision.effective_at),
                "applied_at": aware(decision.applied_at), "cancelled_at": aware(decision.cancelled_at),
                "undo_seconds_left": left,
                "dossier": dossier_view(dossier, names, (deliveries or {}).get(dossier.id)) if dossier else None}

    # --- the agent's work ---------------------------------------------------------------------------

    @staticmethod
    def _within_direction(actor: dict, item: InboxItem):
        """Refused (403 OUTSIDE_DIRECTION, or FORBIDDEN for a moderator) unless the caller acts for the idea's
        owning direction; checked before anything is written."""
        try:
            domain.check_owning_direction(actor, item.direction)
        except domain.OutsideDirection as refused:
            raise PermissionDenied(refused.message, details={"direction": refused.direction},
                                   code=refused.code) from None

    def update_checklist(self, actor: dict, command: dict) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(command["idea_id"], for_update=True)
        self._within_direction(actor, item)
        with rules():
            item.checklist = domain.check_checklist(command["values"], item.checklist or {})
        item.updated_at = self.clock()
        self.session.flush()
        return self.get_item(actor, item.idea_id)

    def assign(self, actor: dict, command: dict) -> dict:
        """To an agent (by account id), to a direction, or both; the idea's deadline does not move. The owning
        direction hands the idea over: once given to another direction, that direction owns it."""
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(command["idea_id"], for_update=True)
        self._within_direction(actor, item)
        agent_id = str(command["agent_id"]) if command.get("agent_id") else None
        direction = command.get("direction") or item.direction
        if agent_id == item.assigned_agent_id and direction == item.direction:
            return self.get_item(actor, item.idea_id)
        item.assigned_agent_id, item.direction, item.updated_at = agent_id, direction, self.clock()
        role = domain.acting_role(actor["roles"])
        who = "un agent" if agent_id else "personne en particulier"
        with acting_on(item.correlation_id, request_id()):
            self.emit_traced(events.IDEA_ASSIGNED, item.idea_id,
                             {"idea_id": item.idea_id, "agent_id": agent_id, "direction": direction},
                             events.actor(str(actor["account_id"]), role),
                             f"Idée confiée à la direction {direction}.",
                             agent_note=f"Assignée à {agent_id or who} (direction {direction}) par "
                                        f"{actor['account_id']}.")
        return self.get_item(actor, item.idea_id)

    def decide(self, actor: dict, command: dict) -> dict:
        """Forward, answer, not retain, or mark as duplicate; recorded now, in effect after the undo window."""
        with rules():
            domain.check_staff(actor["roles"])
        key = command.get("idempotency_key") or new_id()
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
        return self.decision_view(decision, self._scheme_names())

    def _decision_by_key(self, key: str, command: dict) -> dict | None:
        """The decision already recorded under this idempotency key, if any (refused if the key served another)."""
        earlier = self.session.execute(sa.select(Decision).where(Decision.idempotency_key == key)).scalar_one_or_none()
        if earlier is None:
            return None
        if earlier.idea_id != str(command["idea_id"]) or earlier.action != command["action"]:
            raise Conflict("Cette clé d'idempotence a déjà servi pour une autre décision.",
                           code="IDEMPOTENCY_KEY_REUSED")
        return self.decision_view(earlier, self._scheme_names())

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
        return self.decision_view(decision, self._scheme_names())

    # --- decisions taking effect -----------------------------------------------------------------------

    def due_decisions(self, limit: int = 100) -> list:
        """Pending decisions whose undo window passed, oldest first: (id, action)."""
        return [tuple(row) for row in self.session.execute(
            sa.select(Decision.id, Decision.action).where(Decision.state == "pending",
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
                decision.state, item.status = "failed", domain.WAITING
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
                          "scheme": scheme.code, "delivery": scheme.delivery},
                         events.actor(decision.actor_id, decision.actor_role),
                         f"Dossier {dossier.reference} ouvert auprès de « {scheme.name} ».")
        return dossier.reference

    # --- the citizen's e-mail ---------------------------------------------------------------------------

    def notification(self, envelope: dict) -> dict | None:
        """The e-mail (for accounts.notify) telling the author what became of their idea, once per event."""
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
                    "body": f"Bonjour,\n\nL'idée « {title} » vous est confiée (direction {payload['direction']}), "
                            f"à traiter avant le {deadline}.\n\n"
                            f"La décider : {_public_url()}/back-office/orientation/{item.idea_id}\n"}
        if not item.author_id:
            return None
        link = f"{_public_url()}/idees/{item.idea_id}"
        if envelope["type"] == events.IDEA_FORWARDED:
            scheme = self.session.get(Scheme, payload["scheme"])
            subject = "Votre idée a été transmise"
            body = (f"Votre idée « {title} » a été transmise au dispositif « {scheme.name if scheme else ''} ».")
            if payload.get("dossier_reference"):
                body += f"\nRéférence du dossier : {payload['dossier_reference']}."
            if payload.get("message"):
                body += f"\n\nMessage de la Ville :\n{payload['message']}"
        elif envelope["type"] == events.IDEA_ANSWERED:
            subject, body = "La Ville a répondu à votre idée", f"Réponse à votre idée « {title} » :\n\n{payload['answer']}"
        elif envelope["type"] == events.IDEA_NOT_RETAINED:
            subject = "Votre idée n'a pas été retenue"
            body = (f"Votre idée « {title} » n'a pas été retenue "
                    f"({domain.NOT_RETAINED_REASONS.get(payload['reason_code'], '').lower()}).\n\n{payload['reason']}")
        elif envelope["type"] == events.DOSSIER_ANSWERED:
            dossier = self.session.execute(sa.select(Dossier).where(
                Dossier.reference == payload["dossier_reference"])).scalar_one_or_none()
            subject = f"Réponse au dossier {payload['dossier_reference']}"
            body = f"Le dossier ouvert pour votre idée « {title} » a reçu une réponse :\n\n{dossier.answer if dossier else ''}"
        else:
            return None
        return {"account_ids": [item.author_id], "subject": subject,
                "body": f"Bonjour,\n\n{body}\n\nSuivre votre idée : {link}\n"}

    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: the inbox keeps the idea, no longer linked to the person."""
        if not self.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        account_id = str(envelope["payload"].get("account_id"))
        self.session.execute(sa.update(InboxItem).where(InboxItem.author_id == account_id).values(author_id=None))
        self.session.execute(sa.update(InboxItem).where(InboxItem.assigned_agent_id == account_id)
                             .values(assigned_agent_id=None))
        # an agent's decisions stay (the history is the City's), no longer linked to the person
        self.session.execute(sa.update(Decision).where(Decision.actor_id == account_id).values(actor_id=None))
        self.session.execute(sa.update(TraceEntry).where(TraceEntry.agent_note.contains(account_id)).values(
            agent_note=sa.func.replace(TraceEntry.agent_note, account_id, "(compte supprimé)")))
        return True

    def export_personal_data(self, account_id: str) -> dict:
        """What routing holds about a person: how their ideas were routed (with dossiers and answers), the ideas
        assigned to them and the decisions they took as an agent."""
        names = self._scheme_names()
        ideas = self.session.execute(sa.select(InboxItem).where(InboxItem.author_id == account_id)
                                     .order_by(InboxItem.received_at)).scalars().all()
        dossiers = self.session.execute(sa.select(Dossier).where(Dossier.idea_id.in_([i.idea_id for i in ideas]))
                                        .order_by(Dossier.id)).scalars().all()
        assigned = self.session.execute(sa.select(InboxItem.idea_id).where(
            InboxItem.assigned_agent_id == account_id)).scalars().all()
        decisions = self.session.execute(sa.select(Decision).where(Decision.actor_id == account_id)
                                         .order_by(Decision.created_at)).scalars().all()
        return {
            "ideas": [{"idea_id": item.idea_id, "title": item.title, "status": item.status,
                       "suggested_scheme": item.suggested_scheme, "scheme": names.get(item.scheme, item.scheme),
                       "received_at": _iso(item.received_at), "deadline_at": _iso(item.deadline_at)}
                      for item in ideas],
            "dossiers": [{"reference": d.reference, "idea_id": d.idea_id, "scheme": d.scheme, "status": d.status,
                          "answer": d.answer, "answered_at": _iso(d.answered_at)} for d in dossiers],
            "assigned_ideas": list(assigned),
            "decisions_taken": [{"decision_id": d.id, "idea_id": d.idea_id, "action": d.action, "scheme": d.scheme,
                                 "state": d.state, "message": d.message, "created_at": _iso(d.created_at)}
                                for d in decisions]}

    # --- gauges -----------------------------------------------------------------------------------------

    def waiting_counts(self) -> tuple:
        """({(scheme, direction): ideas waiting}, overdue count), for the service's gauges."""
        rows = self.session.execute(sa.select(InboxItem.scheme, InboxItem.direction, sa.func.count())
                                    .where(InboxItem.status.in_(domain.OPEN_STATUSES))
                                    .group_by(InboxItem.scheme, InboxItem.direction)).all()
        overdue = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem).where(
            InboxItem.status.in_(domain.OPEN_STATUSES), InboxItem.deadline_at < self.clock())).scalar_one()
        return {(scheme, direction): count for scheme, direction, count in rows}, overdue


def _when(envelope: dict):
    from datetime import datetime
    occurred = envelope["occurred_at"]
    return datetime.fromisoformat(occurred) if isinstance(occurred, str) else occurred


def _iso(moment) -> str | None:
    return aware(moment).isoformat() if moment is not None else None


def _as_dict(scheme: Scheme | None) -> dict | None:
    return None if scheme is None else {"code": scheme.code, "active": scheme.active, "kind": scheme.kind}


def _public_url() -> str:
    from hubkit.config import public_url
    return public_url()


DOSSIER_STATUSES = {"sent": "En cours de transmission", "delivered": "Transmis", "answered": "Réponse reçue"}


def dossier_view(dossier: Dossier, names: dict, delivery: WebhookDelivery = None) -> dict:
    return {"reference": dossier.reference, "scheme": dossier.scheme, "scheme_name": names.get(dossier.scheme, ""),
            "delivery": dossier.delivery, "status": dossier.status, "status_label": DOSSIER_STATUSES[dossier.status],
            "answer": dossier.answer, "answer_status": dossier.answer_status, "created_at": aware(dossier.created_at),
            "delivered_at": aware(dossier.delivered_at), "answered_at": aware(dossier.answered_at),
            "attempts": delivery.attempts if delivery else None, "last_error": delivery.last_error if delivery else None}


def trace_view(entry: TraceEntry) -> dict:
    return {"idea_id": entry.idea_id, "event_id": entry.event_id, "type": entry.type, "service": entry.service,
            "actor_role": entry.actor_role, "correlation_id": entry.correlation_id,
            "causation_id": entry.causation_id, "occurred_at": aware(entry.occurred_at), "summary": entry.summary,
            "agent_note": entry.agent_note}


def mail_body(document: dict) -> str:
    lines = [f"Dossier {document['reference']} transmis par le Hub de la participation de la Ville de Paris.", "",
             f"Idée : {document['title']}", f"Résumé : {document['summary']}"]
    if document.get("arrondissement"):
        lines.append(f"Arrondissement : {document['arrondissement']}")
    if document.get("message"):
        lines += ["", f"Message de l'agent : {document['message']}"]
    lines += ["", f"Réponse attendue avant le {document['answer_deadline'][:10]}.",
              "Répondez au hub par son API (réponse signée) en rappelant la référence du dossier."]
    return "\n".join(lines)

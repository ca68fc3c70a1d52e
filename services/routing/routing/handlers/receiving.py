"""Ideas arriving in the inbox: from their `idea_submitted` event, or recovered by reconciliation when the event
never reached routing. Each lands with a suggested scheme (and why), a checklist and a deadline."""
import sqlalchemy as sa

from hubkit.correlation import new_id
from hubkit.validation import load

from .. import domain, events, schemas
from ..models import InboxItem, Scheme, TraceEntry
from .common import UseCases, acting_on, occurred
from .history import CLOSED_BY_IDEAS
from .views import excerpt

RECEIVE_IDEA = "routing.receive_idea"
# The correlation id reconciliation gives an idea whose submission event routing never received, when the idea
# box does not know the original one either (an imported idea).
RECOVERED_PREFIX = "recovered-"
RECOVERED_NOTE = ("Retrouvée par le rapprochement avec la boîte à idées : l'événement de dépôt n'était pas parvenu "
                  "au routage (service arrêté, ou sa file pas encore créée).")
CHAIN_KEPT_NOTE = " Auteur et identifiant de corrélation d'origine repris de la boîte à idées."
CHAIN_UNKNOWN_NOTE = " Identifiant de corrélation d'origine inconnu : un nouveau a été attribué."
ADOPTED_NOTE = " L'événement de dépôt est arrivé depuis : identifiant de corrélation d'origine rétabli."


class Receiving(UseCases):
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
        self._closed_meanwhile(idea_id, idea.get("status"))
        return True

    def _closed_meanwhile(self, idea_id: str, status: str | None):
        """The idea box closed the idea (a moderator merged it...) before this `idea_submitted` was applied: its
        `idea_status_changed`, on another queue, overtook it and found no inbox item to close. What `ideas.get_idea`
        answered says so; the idea joins the inbox closed, as that event would have left it."""
        closed = CLOSED_BY_IDEAS.get(status or "")
        if closed:
            item, now = self.session.get(InboxItem, idea_id), self.clock()
            item.status, item.updated_at, item.first_response_at = closed, now, now

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
            scheme=suggestion.scheme, direction=suggestion.direction, submitted_at=occurred(submission),
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

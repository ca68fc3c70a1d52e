"""The one history of an idea: the other services' events about it, kept once each, and read back as the
citizen's timeline (public entries, no agent, no note) or as an agent's trace by correlation id."""
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import NotFound

from .. import domain
from ..models import Dossier, InboxItem, Link, TraceEntry, WebhookDelivery
from .common import UseCases, rules
from .views import dossier_view

log = logging.getLogger(__name__)

RECORD_EVENT = "routing.record_event"
KNOWN_EVENT_VERSION = 1

# Which payload field names the thing an event is about, and the kind of link it makes.
SUBJECT_FIELDS = (("project_id", "budget_project"), ("petition_id", "petition"), ("source_project_id", "budget_project"))
CLOSED_BY_IDEAS = {"forwarded": domain.FORWARDED, "answered": domain.ANSWERED, "not_retained": domain.NOT_RETAINED,
                   "merged": domain.MERGED}


class History(UseCases):
    def record_event(self, envelope: dict) -> bool:
        """An event of ideas, budget or petitions about an idea becomes a step of its timeline (once)."""
        if envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                                  "version": envelope["version"]})
            return False
        if not self.uow.first_delivery(envelope, RECORD_EVENT):
            return False
        payload = envelope["payload"]
        ideas = self._ideas_of(envelope)
        summary = domain.trace_summary(envelope["type"], payload)
        for idea_id in ideas:
            if self.session.execute(sa.select(TraceEntry.id).where(
                    TraceEntry.event_id == str(envelope["event_id"]), TraceEntry.idea_id == idea_id)).first():
                continue
            try:
                with self.session.begin_nested():
                    self.trace(envelope, idea_id, summary)
            except IntegrityError:
                continue  # written by a concurrent delivery of the same event
            if envelope["producer"] == "ideas":
                self._follow_idea(idea_id, payload)
        return bool(ideas)

    def _ideas_of(self, envelope: dict) -> list:
        """The ideas an event is about: its idea, its `origin_idea_id`, or what the links know of its subject."""
        payload, found = envelope["payload"], []
        if envelope["producer"] == "ideas":
            return [str(payload.get("idea_id") or envelope["subject"]["id"])]
        origin = payload.get("origin_idea_id")
        subject = envelope["subject"]
        kinds = [(str(payload[field]), kind) for field, kind in SUBJECT_FIELDS if payload.get(field)]
        kinds.append((str(subject["id"]), "petition" if subject["kind"] == "petition" else "budget_project"))
        if origin:
            for external_id, kind in kinds[:1]:
                self._link(kind, external_id, str(origin))
            found.append(str(origin))
        for part in (payload.get("winners") or []) + (payload.get("sources") or []):  # results, merged projects
            if isinstance(part, dict) and part.get("origin_idea_id"):
                found.append(str(part["origin_idea_id"]))
                if part.get("project_id"):
                    self._link("budget_project", str(part["project_id"]), str(part["origin_idea_id"]))
        project_ids = [str(p) for p in payload.get("winner_project_ids") or payload.get("source_project_ids") or []]
        candidates = [external_id for external_id, _ in kinds] + project_ids
        if candidates:
            found += self.session.execute(sa.select(Link.idea_id).where(Link.external_id.in_(candidates))).scalars()
        known = set(self.session.execute(sa.select(InboxItem.idea_id).where(InboxItem.idea_id.in_(found))).scalars())
        return sorted({idea_id for idea_id in found if idea_id in known})

    def _link(self, kind: str, external_id: str, idea_id: str):
        if self.session.get(Link, (kind, external_id)) is None:
            with self.session.begin_nested():
                self.session.add(Link(kind=kind, external_id=external_id, idea_id=idea_id))

    def _follow_idea(self, idea_id: str, payload: dict):
        """An idea closed in the ideas service itself (a moderator merged it...) leaves the open inbox."""
        item = self.session.get(InboxItem, idea_id)
        status = CLOSED_BY_IDEAS.get(payload.get("status") or ("merged" if payload.get("merged_into") else ""))
        if item is not None and status and item.status == domain.WAITING:
            item.status, item.updated_at = status, self.clock()
            item.first_response_at = item.first_response_at or self.clock()

    # --- reading ---------------------------------------------------------------------------------------

    def idea_timeline(self, idea_id: str) -> dict:
        """What the author and every citizen may see: the public steps, with role and service, no agent."""
        item = self.session.get(InboxItem, idea_id)
        entries = self.session.execute(sa.select(TraceEntry).where(TraceEntry.idea_id == idea_id,
                                                                   TraceEntry.public.is_(True))
                                       .order_by(TraceEntry.occurred_at, TraceEntry.id)).scalars()
        names = self._scheme_names()
        dossiers = self.session.execute(sa.select(Dossier).where(Dossier.idea_id == idea_id)
                                        .order_by(Dossier.id)).scalars().all()
        # a dossier's webhook call: one failing shows as delayed (with its next try), not « en cours » forever
        deliveries = {delivery.dossier_id: delivery for delivery in self.session.execute(
            sa.select(WebhookDelivery).where(WebhookDelivery.dossier_id.in_([d.id for d in dossiers]))).scalars()}
        # what the idea became in another service (a budget project, a petition): its page may say where it went
        continued = self.session.execute(sa.select(Link.kind, Link.external_id).where(Link.idea_id == idea_id)
                                         .order_by(Link.kind, Link.external_id)).all()
        return {"idea_id": idea_id, "status": item.status if item else None,
                "status_label": domain.STATUSES[item.status] if item else None,
                "dossiers": [dossier_view(d, names, deliveries.get(d.id), self.settings.webhook_max_attempts,
                                          public=True) for d in dossiers],
                "entries": self.named_traces(entries, agent_view=False),
                "continued_as": [{"kind": kind, "id": external_id} for kind, external_id in continued]}

    def lookup(self, actor: dict, correlation_id: str) -> dict:
        """Every step (agents' notes included) that carries a correlation id, across ideas and services."""
        with rules():
            domain.check_staff(actor["roles"])
        entries = self.session.execute(sa.select(TraceEntry).where(TraceEntry.correlation_id == correlation_id)
                                       .order_by(TraceEntry.occurred_at, TraceEntry.id).limit(1000)).scalars().all()
        if not entries:
            raise NotFound("Aucune trace ne porte cet identifiant de corrélation.", code="TRACE_NOT_FOUND")
        return {"correlation_id": correlation_id, "entries": self.named_traces(entries)}

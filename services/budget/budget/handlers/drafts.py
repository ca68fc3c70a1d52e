"""Ideas forwarded by the routing service to the budget scheme become draft projects (docs/events.md, routing).

`idea_forwarded` with scheme `budget` → a draft in the cycle currently taking submissions (the latest one);
when no cycle takes submissions, the idea waits (budget_pending_ideas) and the next cycle created drafts it.
Exactly one draft per decision and per idea (a redelivery, or a second decision on the same idea, changes
nothing). The draft is carried by the idea's author, linked to the idea (`origin_idea_id`), invisible to the
public; the notifications service invites the author (from `project_drafted`) to complete and confirm it,
which submits it like any project (during the submission stage).
"""
import logging

import sqlalchemy as sa
from hubkit.errors import InvalidInput, NotFound, PermissionDenied
from hubkit.validation import load
from marshmallow import EXCLUDE, Schema, fields

from .. import domain, events
from ..models import Carrier, Cycle, PendingIdea, Project
from . import project_index
from .common import UseCases
from .projects import emit_submitted, submission_fields

log = logging.getLogger(__name__)

DEFAULT_THEME = "Cadre de vie"
BUDGET_SCHEME = "budget"  # routing's code for the participatory budget
DRAFT_FORWARDED_IDEA = "budget.draft_forwarded_idea"  # the handler's name in processed_events


class _ForwardedSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    decision_id = fields.UUID(required=True)
    idea_id = fields.UUID(required=True)
    scheme = fields.String(required=True)
    author_id = fields.UUID(load_default=None, allow_none=True)


def draft_fields(idea: dict) -> dict:
    """What a draft takes from its idea: title, text, theme (when it is one of the budget's), place."""
    title = " ".join((idea.get("title") or "").split())[:domain.TITLE_MAX]
    if len(title) < domain.TITLE_MIN:
        title = f"Projet issu d'une idée : {title}".strip()[:domain.TITLE_MAX]
    theme = idea.get("theme_label") if idea.get("theme_label") in domain.THEMES else DEFAULT_THEME
    arrondissement = idea.get("arrondissement")
    sector = domain.sector_of_arrondissement(arrondissement) if arrondissement else None
    return {"title": title, "description": (idea.get("description") or idea.get("excerpt") or title)[
        :domain.DESCRIPTION_MAX], "theme": theme, "scale": domain.ARRONDISSEMENT if sector else domain.PARIS,
            "sector": sector, "arrondissement": arrondissement, "address": (idea.get("address_line") or None)}


class Drafts(UseCases):
    """Drafts from forwarded ideas, and their carriers completing them."""

    def draft_forwarded_idea(self, envelope: dict, ideas) -> bool:
        """False when the event is not for the budget, unreadable, or already applied."""
        try:
            payload = load(_ForwardedSchema(), envelope["payload"])
        except InvalidInput:
            log.warning("idea_forwarded without valid ids, ignored", extra={"event_id": envelope["event_id"]})
            return False
        if payload["scheme"] != BUDGET_SCHEME:
            return False
        decision_id, idea_id = str(payload["decision_id"]), str(payload["idea_id"])
        # The idea is read before the database is touched: no transaction waits on ideas.
        idea = ideas.get_idea({"idea_id": idea_id})
        if not self.uow.first_delivery(envelope, DRAFT_FORWARDED_IDEA):
            return False
        if self._idea_already_drafted(decision_id, idea_id):
            log.info("forwarded idea already drafted, skipped", extra={"idea_id": idea_id})
            return False
        author_id = str(payload["author_id"]) if payload["author_id"] else None
        cycle = self.session.execute(sa.select(Cycle).where(Cycle.stage == domain.SUBMISSION)
                                     .order_by(Cycle.created_at.desc(), Cycle.id).limit(1)).scalar_one_or_none()
        if cycle is None:
            self.session.add(PendingIdea(decision_id=decision_id, idea_id=idea_id, author_id=author_id,
                                         draft=draft_fields(idea), received_at=self.clock()))
            log.info("forwarded idea waits for the next cycle", extra={"idea_id": idea_id})
            return True
        self._make_draft(cycle, decision_id, idea_id, author_id, draft_fields(idea))
        return True

    def _idea_already_drafted(self, decision_id: str, idea_id: str) -> bool:
        project = self.session.execute(sa.select(Project.id).where(sa.or_(
            Project.origin_decision_id == decision_id,
            sa.and_(Project.origin_idea_id == idea_id, Project.origin_decision_id.is_not(None))))).first()
        pending = self.session.execute(sa.select(PendingIdea.decision_id).where(sa.or_(
            PendingIdea.decision_id == decision_id, PendingIdea.idea_id == idea_id))).first()
        return project is not None or pending is not None

    def _make_draft(self, cycle: Cycle, decision_id: str, idea_id: str, author_id: str | None, fields_: dict):
        now = self.clock()
        project = Project(cycle_id=cycle.id, position=self._next_position(cycle.id), title=fields_["title"],
                          description=fields_["description"], theme=fields_["theme"], scale=fields_["scale"],
                          sector=fields_["sector"], arrondissement=fields_.get("arrondissement"),
                          address=fields_.get("address"), origin_idea_id=idea_id, origin_decision_id=decision_id,
                          selected=False, draft=True, submitted_at=now, updated_at=now)
        self.session.add(project)
        self.session.flush()
        if author_id:
            self.session.add(Carrier(project_id=project.id, account_id=author_id))
        self.uow.emit(events.PROJECT_DRAFTED, events.project_subject(project.id),
                      {"project_id": project.id, "cycle_id": cycle.id, "origin_idea_id": idea_id,
                       "decision_id": decision_id}, actor=events.actor(None, "system"))
        return project

    def draft_pending_ideas(self, cycle: Cycle):
        """A new cycle takes the ideas that waited for one (oldest first)."""
        for pending in self.session.execute(sa.select(PendingIdea).order_by(PendingIdea.received_at)).scalars():
            self._make_draft(cycle, pending.decision_id, pending.idea_id, pending.author_id, pending.draft)
            self.session.delete(pending)
        self.session.flush()

    def confirm_draft_project(self, actor: dict, command: dict) -> dict:
        """The carrier completes the draft and submits it (during submission), like a new project."""
        project = self._project(command["project_id"], for_update=True)
        carriers = self.session.execute(sa.select(Carrier.account_id).where(
            Carrier.project_id == project.id)).scalars().all()
        if str(actor["account_id"]) not in carriers:
            if project.draft:
                raise NotFound("Projet introuvable.")
            raise PermissionDenied("Seul le porteur du projet le complète.")
        if not project.draft:
            raise PermissionDenied("Ce projet est déjà déposé.", code="NOT_A_DRAFT")
        cycle = self._cycle(project.cycle_id, lock="share")
        title, description, sector = submission_fields(cycle, command)
        now = self.clock()
        project.title, project.description, project.theme = title, description, command["theme"]
        project.scale, project.sector = command["scale"], sector
        project.address = " ".join((command.get("address") or "").split()) or None
        project.estimated_cost, project.draft = command.get("estimated_cost"), False
        project.submitted_at = project.updated_at = now
        self.session.flush()
        project_index.put(self.session, project)  # a draft was not findable; a submitted project is
        emit_submitted(self.uow, project, actor)
        return self.project_view(project, actor, cycle)

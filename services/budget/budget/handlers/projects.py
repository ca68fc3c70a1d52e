"""Projects: a citizen submits one (during the submission stage), the owning direction's agents study it
(admissibility, feasibility, the City's cost; they may hand it to the delivering direction) and select it for the
vote.

What a submission must pass besides its form: the idea it names as its origin is the citizen's, and they submit
at most BUDGET_SUBMISSIONS_PER_DAY projects a day (docs/security/abuse.md). The idea's author is known to the ideas
service only: budget asks `ideas.get_idea` with the citizen as the reader (`viewer.is_author`). An idea an agent
forwarded to the budget for this citizen (routing's `idea_forwarded`, recorded here as their draft or as a pending
idea) needs no call.
"""
import sqlalchemy as sa
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited, ServiceUnavailable

from .. import domain, events
from ..models import Carrier, Cycle, PendingIdea, Project
from . import project_index
from .common import FieldChecks, UseCases, rules

SUBMISSIONS_BUCKET = "budget:submissions"
SUBMISSIONS_WINDOW = 24 * 60 * 60
NOT_YOUR_IDEA = ("Vous ne pouvez rattacher votre projet qu'à une idée que vous avez proposée, ou qu'un agent de la "
                 "Ville a transmise au budget participatif pour vous.")


def submission_fields(cycle: Cycle, command: dict) -> tuple:
    """A project is submitted during the submission stage, with a title, a text, a theme and a place that hold
    (every broken field reported at once): (title, description, sector)."""
    with rules():
        domain.require_stage(cycle.stage, domain.SUBMISSION, action="déposer un projet")
    checks = FieldChecks()
    title = checks(domain.clean_text, command["title"], "title", domain.TITLE_MIN, domain.TITLE_MAX)
    description = checks(domain.clean_text, command["description"], "description", domain.DESCRIPTION_MIN,
                         domain.DESCRIPTION_MAX)
    checks(domain.check_theme, command["theme"])
    sector = checks(domain.check_location, command["scale"], command.get("sector"))
    checks.raise_if_broken()
    return title, description, sector


def emit_submitted(uow, project: Project, actor: dict):
    uow.emit(events.PROJECT_SUBMITTED, events.project_subject(project.id),
             {"cycle_id": project.cycle_id, "project_id": project.id, "scale": project.scale,
              "sector": project.sector, "theme": project.theme, "origin_idea_id": project.origin_idea_id},
             actor=events.actor(str(actor["account_id"]), "citizen"))


class Projects(UseCases):
    """Submitting, studying and selecting projects."""

    def submit_project(self, actor: dict, command: dict) -> dict:
        """The origin idea, if any, is checked first (it may ask ideas); the day's limit is counted once the form
        holds, before anything is written."""
        origin_idea_id = str(command["origin_idea_id"]) if command.get("origin_idea_id") else None
        if origin_idea_id:
            self.check_origin_idea(actor, origin_idea_id)
        cycle = self._cycle(command["cycle_id"], lock="share")
        title, description, sector = submission_fields(cycle, command)
        self.consume_submission(actor)
        now = self.clock()
        project = Project(cycle_id=cycle.id, position=self._next_position(cycle.id), title=title,
                          description=description, theme=command["theme"], scale=command["scale"], sector=sector,
                          address=(" ".join((command.get("address") or "").split()) or None),
                          origin_idea_id=origin_idea_id,
                          estimated_cost=command.get("estimated_cost"), selected=False, submitted_at=now,
                          updated_at=now)
        self.session.add(project)
        self.session.flush()
        self.session.add(Carrier(project_id=project.id, account_id=str(actor["account_id"])))
        self.session.flush()
        project_index.put(self.session, project)
        emit_submitted(self.uow, project, actor)
        return self.project_view(project, actor, cycle)

    def _live_project(self, project_id) -> Project:
        """A project the City works on: not a draft (its carrier's), not merged into another one."""
        project = self._project(project_id, for_update=True)
        if project.draft:
            raise NotFound("Projet introuvable.")
        if project.merged_into:
            raise Conflict("Ce projet a été fusionné dans un projet co-construit : c'est ce dernier qui est suivi.",
                           code="ALREADY_MERGED", details={"merged_into": project.merged_into})
        return project

    def decide_study(self, actor: dict, command: dict) -> dict:
        """Admissibility with its public reason; for an admissible project, feasibility and the City's cost.
        The owning direction may hand the project to the direction that will deliver it (`direction`)."""
        self._check_direction(command.get("direction"))
        actor = self._with_direction(actor)
        project = self._live_project(command["project_id"])
        self._require_owning_direction(actor, project.direction)
        cycle = self._cycle(project.cycle_id, lock="share")
        with rules():
            domain.require_stage(cycle.stage, domain.STUDY, action="rendre un avis d'étude")
            domain.check_study(command["admissible"], command.get("feasible"), command.get("cost"))
            reason = domain.clean_text(command["admissibility_reason"], "admissibility_reason", domain.REASON_MIN,
                                       domain.REASON_MAX)
            feasibility_reason = (domain.clean_text(command["feasibility_reason"], "feasibility_reason",
                                                    domain.REASON_MIN, domain.REASON_MAX)
                                  if command.get("feasibility_reason") else None)
        now = self.clock()
        project.admissible, project.admissibility_reason = command["admissible"], reason
        project.feasible, project.feasibility_reason = command.get("feasible"), feasibility_reason
        project.cost = command.get("cost")
        project.direction = command.get("direction") or project.direction
        project.studied_by, project.studied_at, project.updated_at = str(actor["account_id"]), now, now
        self.session.flush()
        self.uow.emit(events.PROJECT_STUDY_DECIDED, events.project_subject(project.id),
                      {"cycle_id": cycle.id, "project_id": project.id, "admissible": project.admissible,
                       "feasible": project.feasible, "cost": project.cost,
                       "origin_idea_id": project.origin_idea_id},
                      actor=events.actor(str(actor["account_id"]), "agent"))
        return self.project_view(project, actor, cycle)

    def select_project(self, actor: dict, command: dict) -> dict:
        """Put a feasible project on the ballot paper (or take it off, until the selection stage ends)."""
        actor = self._with_direction(actor)
        project = self._live_project(command["project_id"])
        self._require_owning_direction(actor, project.direction)
        cycle = self._cycle(project.cycle_id, lock="share")
        with rules():
            domain.require_stage(cycle.stage, domain.SELECTION, action="sélectionner un projet pour le vote")
            if command["selected"]:
                domain.check_selectable(project.admissible, project.feasible)
        if project.selected != command["selected"]:
            now = self.clock()
            project.selected, project.selected_at, project.updated_at = command["selected"], now, now
            self.session.flush()
            if project.selected:
                self.uow.emit(events.PROJECT_SELECTED, events.project_subject(project.id),
                              {"cycle_id": cycle.id, "project_id": project.id, "scale": project.scale,
                               "sector": project.sector, "cost": project.cost,
                               "origin_idea_id": project.origin_idea_id},
                              actor=events.actor(str(actor["account_id"]), "agent"))
        return self.project_view(project, actor, cycle)

    # --- what a submission must pass besides its form ------------------------------------------------

    def check_origin_idea(self, actor: dict, idea_id: str):
        """PermissionDenied (IDEA_NOT_YOURS) unless the citizen wrote the idea or it was forwarded to them; ends
        the read transaction before asking ideas, so that no transaction waits on another service."""
        account_id = str(actor["account_id"])
        if self._forwarded_to(account_id, idea_id):
            return
        self.session.rollback()  # only read so far
        if self.ideas is None:
            raise ServiceUnavailable("La boîte à idées ne répond pas : impossible de vérifier l'idée d'origine.")
        try:
            idea = self.ideas.get_idea({"idea_id": idea_id}, actor)
        except NotFound:
            raise InvalidInput(details={"origin_idea_id": ["Cette idée n'existe pas."]}) from None
        if not (idea.get("viewer") or {}).get("is_author"):
            raise PermissionDenied(NOT_YOUR_IDEA, code="IDEA_NOT_YOURS")

    def _forwarded_to(self, account_id: str, idea_id: str) -> bool:
        drafted = self.session.execute(sa.select(Project.id).join(Carrier, Carrier.project_id == Project.id).where(
            Project.origin_idea_id == idea_id, Project.origin_decision_id.is_not(None),
            Carrier.account_id == account_id).limit(1)).first()
        waiting = self.session.execute(sa.select(PendingIdea.decision_id).where(
            PendingIdea.idea_id == idea_id, PendingIdea.author_id == account_id).limit(1)).first()
        return drafted is not None or waiting is not None

    def consume_submission(self, actor: dict):
        """One submission of the citizen's day; the one past the limit is refused (429) before anything is
        written. Without a throttle (the command line's use cases) nothing is limited."""
        if self.context.throttle is None:
            return
        limit = self.settings.submissions_per_day
        try:
            self.context.throttle.consume(SUBMISSIONS_BUCKET, str(actor["account_id"]), limit, SUBMISSIONS_WINDOW)
        except RateLimited as limited:
            hours = max(1, -(-limited.retry_after // 3600))
            raise RateLimited(f"Vous avez déposé {limit} projets en 24 heures : c'est la limite par compte. "
                              f"Réessayez dans {hours} heure{'s' if hours > 1 else ''}.",
                              details=limited.details) from None

"""Implementation tracking of winning projects, and citizens who follow projects.

A winner starts « non démarré »; agents of its owning direction (or admins) move it through the statuses of the
City's planning timeline (études et conception, lancement des procédures, réalisation des travaux, en cours de
livraison, réalisé, non réalisable), each change dated (`effective_date`, not in the future) and justified (for
« non réalisable », the justification is the public reason). « Réalisé » and « non réalisable » are final: only
an admin changes them afterwards (a correction). A project without an owning direction yet belongs to the
organising direction (BUDGET_ORGANISING_DIRECTION); an agent of any other direction gets 403 OUTSIDE_DIRECTION.
Each change emits `project_status_changed`; the notifications service tells the project's carriers and followers
(favorites and associates).

Following: « ajouter à mes favoris » (favorite) and « je m'associe au projet » (associate), each once per account;
following again or unfollowing what one does not follow changes nothing (idempotent). The personal events
`project_followed` / `project_unfollowed` (events.PERSONAL_EVENTS) say when the account starts following the project
(its first kind) and stops (its last kind goes): a person's space knows followers, not kinds, so a second kind, a
second follow or an unfollow of what one does not follow emits nothing.
"""
import sqlalchemy as sa
from hubkit.errors import Conflict, NotFound
from sqlalchemy.dialects import postgresql, sqlite

from .. import domain, events
from ..models import Follow, Project, StatusChange
from .common import UseCases, rules
from .presenting import PUBLISHED


class Tracking(UseCases):
    """Implementation statuses of winners, and following projects."""

    def change_project_status(self, actor: dict, command: dict) -> dict:
        actor = self._with_direction(actor)
        admin = domain.is_admin(actor["roles"])
        project = self._project(command["project_id"], for_update=True)
        cycle = self._cycle(project.cycle_id, lock="share")
        self._require_owning_direction(actor, project.direction)
        if cycle.stage not in PUBLISHED or not project.won:
            raise Conflict("Seul un projet lauréat, une fois les résultats publiés, a un suivi de réalisation.",
                           code="NOT_A_WINNER")
        current = project.implementation_status or domain.NOT_STARTED
        with rules():
            justification = domain.clean_text(command["justification"], "justification", domain.REASON_MIN,
                                              domain.REASON_MAX)
            domain.check_status_change(current, command["status"], command["effective_date"], self.clock().date(),
                                       admin)
        now = self.clock()
        project.implementation_status, project.updated_at = command["status"], now
        self.session.add(StatusChange(project_id=project.id, status=command["status"], justification=justification,
                                      effective_date=command["effective_date"], actor_id=str(actor["account_id"]),
                                      source="agent", recorded_at=now))
        self.session.flush()
        self.uow.emit(events.PROJECT_STATUS_CHANGED, events.project_subject(project.id),
                      {"cycle_id": cycle.id, "project_id": project.id, "from_status": current,
                       "status": command["status"], "effective_date": command["effective_date"].isoformat(),
                       "origin_idea_id": project.origin_idea_id},
                      actor=events.actor(str(actor["account_id"]), "admin" if admin else "agent"))
        return self.project_view(project, actor, cycle)

    def follow_project(self, actor: dict, command: dict) -> dict:
        project = self._followable(command["project_id"])
        account_id, kind = str(actor["account_id"]), command["kind"]
        kinds = self._kinds_followed(project.id, account_id)
        if kind not in kinds:
            inserted = self._inserted(project.id, account_id, kind)
            if inserted and not kinds:  # the account's first kind of follow: it now follows the project
                self._emit_follow(events.PROJECT_FOLLOWED, project, account_id)
        return self._follow_state(project.id, kind, True)

    def unfollow_project(self, actor: dict, command: dict) -> dict:
        project = self._followable(command["project_id"])
        account_id, kind = str(actor["account_id"]), command["kind"]
        kinds = self._kinds_followed(project.id, account_id)
        if kind in kinds:
            deleted = self.session.execute(sa.delete(Follow).where(
                Follow.project_id == project.id, Follow.kind == kind, Follow.account_id == account_id)).rowcount
            if deleted and kinds == {kind}:  # the account's last kind of follow went: it no longer follows
                self._emit_follow(events.PROJECT_UNFOLLOWED, project, account_id)
        return self._follow_state(project.id, kind, False)

    def _kinds_followed(self, project_id: str, account_id: str) -> set:
        """The kinds of follow the account has on the project, its rows locked (PostgreSQL): of two changes of one
        account's follows at once, the second sees what the first left, so « the last kind went » is said once."""
        return set(self.session.execute(sa.select(Follow.kind).where(
            Follow.project_id == project_id, Follow.account_id == account_id).with_for_update()).scalars())

    def _inserted(self, project_id: str, account_id: str, kind: str) -> bool:
        """The follow row, unless the same account's same follow is being written at the same moment (a double
        click): that one is kept and its request emits the event; no error either way."""
        dialect = postgresql if self._postgresql() else sqlite
        table = Follow.__table__
        return self.session.execute(dialect.insert(table).values(
            project_id=project_id, account_id=account_id, kind=kind, created_at=self.clock()).on_conflict_do_nothing(
            index_elements=["project_id", "account_id", "kind"]).returning(table.c.kind)).first() is not None

    def _emit_follow(self, event_type: str, project: Project, account_id: str):
        """A personal event (events.PERSONAL_EVENTS): only the notifications service may read it on the broker."""
        self.uow.emit(event_type, events.project_subject(project.id),
                      {"cycle_id": project.cycle_id, "project_id": project.id},
                      actor=events.actor(account_id, "citizen"))

    def _followable(self, project_id) -> Project:
        project = self.session.get(Project, str(project_id))
        if project is None or project.draft:
            raise NotFound("Projet introuvable.")
        return project

    def _follow_state(self, project_id: str, kind: str, following: bool) -> dict:
        counts = dict(self.session.execute(sa.select(Follow.kind, sa.func.count()).where(
            Follow.project_id == project_id).group_by(Follow.kind)).all())
        return {"project_id": project_id, "kind": kind, "following": following,
                "favorites_count": int(counts.get(domain.FAVORITE, 0)),
                "associates_count": int(counts.get(domain.ASSOCIATE, 0))}

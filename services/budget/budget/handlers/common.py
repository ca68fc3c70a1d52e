"""What every use-case group of the budget service shares: its context, broken rules as hub errors (one way,
hubkit.rules), field checks, and the lookups of cycles, projects and who acts on them.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles", "direction"}. Study,
selection, merges, paper ballots and implementation statuses are for admins and the agents of the owning direction
only (`_require_owning_direction`, docs/security/directions.md).
"""
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Callable

import sqlalchemy as sa
from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow
from hubkit.errors import InvalidInput, NotFound, PermissionDenied, ServiceUnavailable
from hubkit.sqllists import one_of

from .. import domain
from ..models import Cycle, Project
from ..peers import CityReference
from ..settings import Settings
from . import presenting

DEFAULT_ELIGIBILITY = {"email_verified": True, "lives_in_paris": True, "min_age": None, "certification": None}


@dataclass(frozen=True)
class Context:
    """What a use-case group works with: the unit of work (one transaction), the settings read at start, accounts
    (eligibility, accounts, the directions' table; bounded RPC or a fake) and ideas (`get_idea`), the throttle
    (None: nothing is limited, as on the command line), accounts' reference data (cached), the clock and the
    shuffle."""
    uow: object
    settings: Settings
    accounts: object = None
    ideas: object = None
    throttle: object = None
    reference: CityReference = field(default_factory=CityReference)
    clock: Callable = utcnow
    shuffle: Callable = random.shuffle


def as_error(broken: domain.RuleBroken):
    """A broken rule as the hub error hubkit.rules names (403 a refusal, 400 bad input, else 409), keeping the
    details budget's rules carry: a refusal's and a conflict's own, `_context` next to a field error."""
    error = hub_rules.as_error(broken, domain.NotAllowed)
    if isinstance(error, InvalidInput):
        return InvalidInput(details={**error.details, "_context": broken.details} if broken.details else error.details)
    return type(error)(error.message, details=broken.details, code=error.code)


@contextmanager
def rules():
    """Inside, a broken business rule leaves as the hub error `as_error` names (without the domain traceback)."""
    try:
        yield
    except domain.RuleBroken as broken:
        raise as_error(broken) from None


FieldChecks = partial(hub_rules.FieldChecks, domain.RuleBroken)


def iso(value):
    """A date as ISO text; a moment with its offset (SQLite hands stored UTC moments back naive)."""
    if isinstance(value, datetime):
        return aware(value).isoformat()
    return value.isoformat() if isinstance(value, date) else value


class UseCases:
    """The base of the use-case groups: each use case runs in the context's unit of work (one transaction)."""

    def __init__(self, context: Context):
        self.context, self.uow, self.settings, self.clock = context, context.uow, context.settings, context.clock
        self.accounts, self.ideas = context.accounts, context.ideas

    @property
    def session(self):
        return self.uow.session

    def directions(self) -> dict:
        """The City's directions, code → label (accounts' table, cached; 503 while accounts cannot say)."""
        return self.context.reference.directions(self.accounts)

    # --- lookups -------------------------------------------------------------------------------------

    def _cycle(self, cycle_id, lock=None) -> Cycle:
        with_for_update = {"read": True} if lock == "share" else (True if lock == "update" else None)
        cycle = self.session.get(Cycle, str(cycle_id), with_for_update=with_for_update)
        if cycle is None:
            raise NotFound("Cycle de budget participatif introuvable.")
        return cycle

    def _project(self, project_id, for_update=False) -> Project:
        project = self.session.get(Project, str(project_id), with_for_update=True if for_update else None)
        if project is None:
            raise NotFound("Projet introuvable.")
        return project

    def _next_position(self, cycle_id: str) -> int:
        return self.session.execute(sa.select(sa.func.coalesce(sa.func.max(Project.position), 0)).where(
            Project.cycle_id == cycle_id)).scalar_one() + 1

    def _candidates(self, cycle_id: str, only=None) -> dict:
        """The projects on the ballot paper (`only`: just these ids, what a ballot names)."""
        statement = sa.select(Project.id, Project.scale, Project.sector, Project.cost, Project.position).where(
            Project.cycle_id == cycle_id, Project.selected.is_(True), Project.merged_into.is_(None))
        if only is not None:  # on PostgreSQL one array parameter, not one parameter per id
            statement = statement.where(one_of(Project.id, list(only), self._postgresql()))
        rows = self.session.execute(statement)
        return {row.id: domain.Candidate(row.id, row.scale, row.sector, int(row.cost or 0), row.position)
                for row in rows}

    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # --- who acts ------------------------------------------------------------------------------------

    @staticmethod
    def _require_admin(actor: dict):
        if not domain.is_admin(actor["roles"]):
            raise PermissionDenied("Réservé aux administrateurs.")

    @staticmethod
    def _require_staff(actor: dict):
        if not domain.is_staff(actor["roles"]):
            raise PermissionDenied("Réservé aux agents de la Ville et aux administrateurs.")

    def _with_direction(self, actor: dict) -> dict:
        """The staff member with their direction: as the gateway asserted it, or, for a caller that did not send
        it, as accounts (the authority) says, asked before the database is touched (no transaction waits)."""
        self._require_staff(actor)
        if domain.is_admin(actor["roles"]) or actor.get("direction"):
            return actor
        return {**actor, "direction": self.accounts.get_account(str(actor["account_id"])).get("direction")}

    def _require_owning_direction(self, actor: dict, project_direction: str | None):
        """403 OUTSIDE_DIRECTION unless an admin or an agent of the direction owning the project (the organising
        direction while none is named); checked before anything is written. Admins act without asking accounts."""
        if domain.is_admin(actor.get("roles") or ()):
            return
        organiser = self.settings.organising_direction
        owner = domain.owning_direction(project_direction, organiser)
        labels = self.directions()
        if owner == organiser and organiser not in labels:  # a misconfiguration would lock every agent out
            raise ServiceUnavailable(f"BUDGET_ORGANISING_DIRECTION={organiser!r} : direction inconnue du service "
                                     f"des comptes ({', '.join(labels)}).")
        with rules():
            domain.check_owning_direction(actor, owner, labels)

    def _check_direction(self, direction: str | None):
        """A direction a command names for a project exists (accounts' table); 400 on the field otherwise."""
        if direction is not None:
            with rules():
                domain.check_direction(direction, self.directions())

    # --- views ---------------------------------------------------------------------------------------

    def project_view(self, project: Project, viewer: dict | None = None, cycle: Cycle = None,
                     timeline: bool = True) -> dict:
        return presenting.project_view(self.session, project, viewer, cycle, timeline, self.directions)

    def project_views(self, projects: list, viewer: dict | None = None, cycles: dict | None = None) -> list:
        return presenting.project_views(self.session, projects, viewer, cycles, self.directions)

"""Use cases of the budget service: each runs in one unit of work (one transaction).

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles", "direction"}. Admins
create cycles, move their stages forward and import .pb files; agents and admins see live counts during the vote;
study, selection, merges, paper ballots and implementation statuses are for admins and the agents of the owning
direction only (`_require_owning_direction`, docs/security/directions.md). What the service needs to know
about a voter (eligibility attributes) it asks accounts over a bounded RPC before it touches its database.

The ballot path (`cast_ballot`): accounts' attributes are fetched first; then, in one transaction, the cycle
row is read with a share lock (closing the vote takes it exclusively, so no ballot commits after the tally
on PostgreSQL; SQLite has one writer at a time), the cycle's rules are checked (each refusal names its rule),
the choices are checked against the projects selected for the vote, and the voter's one ballot (unique
constraint on cycle and account) is written or replaced in place; the receipt shown to the voter is stored
as a digest only, and a replaced ballot's receipt then reads « replaced ».
"""
import logging
import random
import secrets
from datetime import datetime

import sqlalchemy as sa
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hubkit.sqllists import one_of
from hubkit.validation import load
from marshmallow import EXCLUDE, Schema, fields

from . import domain, events, pabulib
from .common import ORGANISING_DIRECTION, FieldChecks, iso, rules, utcnow  # noqa: F401  (utcnow: the default clock, for tests)
from .co_construction import CoConstruction
from .drafts import Drafts
from .notifications import Notifications
from .paper import PaperBallots
from .paris_data import ParisData
from .submission_guards import SubmissionGuards
from .tracking import Tracking
from .views import DIRECTION_LABELS, ProjectViews
from .voting import Voting
from .models import (
    Ballot,
    BallotChoice,
    Carrier,
    Cycle,
    Follow,
    MergeInvitation,
    PaperBallot,
    PendingIdea,
    Project,
    ReplacedReceipt,
    StageChange,
    StatusChange,
    new_id,
)

log = logging.getLogger(__name__)

FORGET_ACCOUNT = "budget.forget_account"
DEFAULT_ELIGIBILITY = {"email_verified": True, "lives_in_paris": True, "min_age": None, "certification": None}


class _AccountEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(required=True)


class Budget(ProjectViews, Voting, CoConstruction, Tracking, PaperBallots, Drafts, Notifications, ParisData,
             SubmissionGuards):
    def __init__(self, uow, accounts=None, clock=utcnow, shuffle=random.shuffle, ideas=None, throttle=None):
        """`accounts`: something with `eligibility_attributes(data)`, the accounts service's RPC (or a fake);
        `ideas`: something with `get_idea(data, actor)`; `throttle`: hubkit's Throttle (None: no limits)."""
        self.uow, self.accounts, self.clock, self.shuffle = uow, accounts, clock, shuffle
        self.ideas, self.throttle = ideas, throttle

    @property
    def session(self):
        return self.uow.session

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

    @staticmethod
    def _require_owning_direction(actor: dict, project_direction: str | None):
        """403 OUTSIDE_DIRECTION unless an admin or an agent of the direction owning the project (the organising
        direction while none is named); checked before anything is written."""
        with rules():
            domain.check_owning_direction(actor, domain.owning_direction(project_direction, ORGANISING_DIRECTION))

    # --- reference and cycles ------------------------------------------------------------------------

    @staticmethod
    def reference_data() -> dict:
        return {"stages": [{"code": code, "label": label} for code, label in domain.STAGES.items()],
                "themes": list(domain.THEMES),
                "scales": [{"code": code, "label": label} for code, label in domain.SCALES.items()],
                "sectors": [{"code": s.code, "label": s.label, "insee": s.insee} for s in domain.SECTORS],
                "project_statuses": [{"code": c, "label": label} for c, label in domain.PROJECT_STATUSES.items()],
                "eligibility_rules": [{"code": c, "label": label} for c, label in domain.ELIGIBILITY_RULES.items()],
                "implementation_statuses": [{"code": c, "label": label, "settable": c in domain.SETTABLE_STATUSES}
                                            for c, label in domain.IMPLEMENTATION_STATUSES.items()],
                "follow_kinds": [{"code": c, "label": label} for c, label in domain.FOLLOW_KINDS.items()],
                "directions": [{"code": c, "label": DIRECTION_LABELS[c]} for c in domain.DIRECTIONS],
                "id_document_kinds": [{"code": c, "label": label} for c, label in domain.ID_DOCUMENT_KINDS.items()],
                "channels": [{"code": c, "label": label} for c, label in domain.CHANNELS.items()],
                "default_max_choices": domain.DEFAULT_MAX_CHOICES}

    def create_cycle(self, actor: dict, command: dict, cycle_id: str | None = None) -> dict:
        """`cycle_id`: a fixed id (the demo cycle), else a new one."""
        self._require_admin(actor)
        with rules():
            title = domain.clean_text(command["title"], "title", domain.TITLE_MIN, domain.CYCLE_TITLE_MAX)
            sectors = domain.check_envelopes(command["paris_envelope"], command["sector_envelopes"])
        cycle = self._new_cycle(actor, title, command["paris_envelope"], sectors, command["max_choices"],
                                {**DEFAULT_ELIGIBILITY, **command["eligibility"]}, command.get("vote_day"),
                                domain.SUBMISSION, cycle_id=cycle_id)
        self.draft_pending_ideas(cycle)
        return self.cycle_view(cycle)

    def _new_cycle(self, actor, title, paris_envelope, sectors, max_choices, eligibility, vote_day, stage,
                   source=None, cycle_id=None) -> Cycle:
        now = self.clock()
        cycle = Cycle(id=cycle_id or new_id(), title=title, edition=domain.edition_of(title), stage=stage,
                      paris_envelope=paris_envelope, sector_envelopes=sectors, max_choices=max_choices,
                      eligibility=eligibility, vote_day=vote_day, source=source, created_at=now, updated_at=now,
                      identity_salt=secrets.token_hex(32))
        self.session.add(cycle)
        self.session.flush()
        self.session.add(StageChange(cycle_id=cycle.id, stage=stage, actor_id=str(actor["account_id"]), at=now))
        return cycle

    def list_cycles(self) -> list:
        cycles = self.session.execute(sa.select(Cycle).order_by(Cycle.created_at.desc(), Cycle.id)).scalars().all()
        return [self.cycle_view(cycle) for cycle in cycles]

    def get_cycle(self, cycle_id) -> dict:
        return self.cycle_view(self._cycle(cycle_id))

    def advance_stage(self, actor: dict, command: dict) -> dict:
        """The next stage, named by the admin; leaving the vote closes it, tallies and publishes the results."""
        self._require_admin(actor)
        cycle = self._cycle(command["cycle_id"], lock="update")
        with rules():
            domain.check_advance(cycle.stage, command["stage"])
        now = self.clock()
        if cycle.stage == domain.VOTE:
            self._close_and_tally(cycle, actor, now)
        cycle.stage, cycle.updated_at = command["stage"], now
        self.session.add(StageChange(cycle_id=cycle.id, stage=cycle.stage, actor_id=str(actor["account_id"]), at=now))
        self.session.flush()
        return self.cycle_view(cycle)

    # --- projects ------------------------------------------------------------------------------------

    def submit_project(self, actor: dict, command: dict) -> dict:
        """The origin idea, if any, is checked first (it may ask ideas); the day's limit is counted once the form
        holds, before anything is written."""
        origin_idea_id = str(command["origin_idea_id"]) if command.get("origin_idea_id") else None
        if origin_idea_id:
            self.check_origin_idea(actor, origin_idea_id)
        cycle = self._cycle(command["cycle_id"], lock="share")
        title, description, sector = self.submission_fields(cycle, command)
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
        self.emit_submitted(project, actor)
        return self.project_view(project, actor, cycle)

    @staticmethod
    def submission_fields(cycle: Cycle, command: dict) -> tuple:
        """A project is submitted during the submission stage, with a title, a text, a theme and a place that
        hold (every broken field reported at once): (title, description, sector)."""
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

    def emit_submitted(self, project: Project, actor: dict):
        self.uow.emit(events.PROJECT_SUBMITTED, events.project_subject(project.id),
                      {"cycle_id": project.cycle_id, "project_id": project.id, "scale": project.scale,
                       "sector": project.sector, "theme": project.theme, "origin_idea_id": project.origin_idea_id},
                      actor=events.actor(str(actor["account_id"]), "citizen"))

    def _live_project(self, project_id) -> Project:
        """A project the City works on: not a draft (its carrier's), not merged into another one."""
        project = self._project(project_id, for_update=True)
        if project.draft:
            raise NotFound("Projet introuvable.")
        if project.merged_into:
            raise Conflict("Ce projet a été fusionné dans un projet co-construit : c'est ce dernier qui est suivi.",
                           code="ALREADY_MERGED", details={"merged_into": project.merged_into})
        return project

    def _next_position(self, cycle_id: str) -> int:
        return self.session.execute(sa.select(sa.func.coalesce(sa.func.max(Project.position), 0)).where(
            Project.cycle_id == cycle_id)).scalar_one() + 1

    def decide_study(self, actor: dict, command: dict) -> dict:
        """Admissibility with its public reason; for an admissible project, feasibility and the City's cost.
        The owning direction may hand the project to the direction that will deliver it (`direction`)."""
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

    # --- the vote ------------------------------------------------------------------------------------

    def _candidates(self, cycle_id: str, only=None) -> dict:
        """The projects on the ballot paper (`only`: just these ids, what a ballot names)."""
        statement = sa.select(Project.id, Project.scale, Project.sector, Project.cost, Project.position).where(
            Project.cycle_id == cycle_id, Project.selected.is_(True), Project.merged_into.is_(None))
        if only is not None:  # on PostgreSQL one array parameter, not one parameter per id
            statement = statement.where(one_of(Project.id, list(only), self._postgresql()))
        rows = self.session.execute(statement)
        return {row.id: domain.Candidate(row.id, row.scale, row.sector, int(row.cost or 0), row.position)
                for row in rows}

    def my_ballot(self, actor: dict, cycle_id) -> dict:
        """The voter's own current ballot (never anyone else's); 404 if they have not voted."""
        cycle = self._cycle(cycle_id)
        ballot = self.session.execute(sa.select(Ballot).where(
            Ballot.cycle_id == cycle.id, Ballot.account_id == str(actor["account_id"]))).scalar_one_or_none()
        if ballot is None:
            raise NotFound("Vous n'avez pas voté pour ce budget participatif.")
        chosen = self.session.execute(sa.select(Project.id, Project.scale).join(
            BallotChoice, BallotChoice.project_id == Project.id).where(BallotChoice.ballot_id == ballot.id)
            .order_by(Project.position)).all()
        return {"cycle_id": cycle.id, "paris_projects": [p.id for p in chosen if p.scale == domain.PARIS],
                "sector": ballot.sector, "sector_projects": [p.id for p in chosen if p.scale != domain.PARIS],
                "cast_at": ballot.cast_at, "changes": ballot.changes}

    def check_receipt(self, command: dict) -> dict:
        """Anyone holding a receipt learns whether that ballot counts; nothing about its choices."""
        cycle = self._cycle(command["cycle_id"])
        digest = domain.receipt_digest(command["receipt"])
        current = self.session.execute(sa.select(Ballot.id, Ballot.counted).where(
            Ballot.cycle_id == cycle.id, Ballot.receipt_digest == digest)).first()
        if current is not None and not current.counted:  # a paper ballot its voter's online ballot beats
            return {"cycle_id": cycle.id, "counted": False, "status": "superseded_by_online"}
        if current is not None:
            tallied = cycle.stage in (domain.RESULTS, domain.IMPLEMENTATION)
            return {"cycle_id": cycle.id, "counted": True, "status": "counted" if tallied else "recorded"}
        if self.session.get(ReplacedReceipt, digest) is not None:
            return {"cycle_id": cycle.id, "counted": False, "status": "replaced"}
        raise NotFound("Aucun bulletin ne correspond à ce reçu.", code="UNKNOWN_RECEIPT")

    def _vote_counts(self, cycle_id: str) -> dict:
        """Votes per project and channel, from counted ballots, in one aggregate query: {project_id: (all, paper)}."""
        rows = self.session.execute(sa.select(BallotChoice.project_id, Ballot.channel, sa.func.count()).join(
            Ballot, Ballot.id == BallotChoice.ballot_id).where(Ballot.cycle_id == cycle_id, Ballot.counted.is_(True))
            .group_by(BallotChoice.project_id, Ballot.channel))
        counts = {}
        for project_id, channel, count in rows:
            total, paper = counts.get(project_id, (0, 0))
            counts[project_id] = (total + int(count), paper + (int(count) if channel == domain.PAPER else 0))
        return counts

    def _ballots_count(self, cycle_id: str) -> dict:
        """Counted ballots per channel: {"online": n, "paper": n}."""
        rows = self.session.execute(sa.select(Ballot.channel, sa.func.count()).where(
            Ballot.cycle_id == cycle_id, Ballot.counted.is_(True)).group_by(Ballot.channel)).all()
        counts = {domain.ONLINE: 0, domain.PAPER: 0}
        counts.update({channel: int(count) for channel, count in rows})
        return counts

    def live_counts(self, actor: dict, cycle_id) -> dict:
        """During the vote (and after), agents and admins follow the counts; the public waits for the results."""
        self._require_staff(actor)
        cycle = self._cycle(cycle_id)
        with rules():
            domain.require_stage(cycle.stage, domain.VOTE, domain.RESULTS, domain.IMPLEMENTATION,
                                 action="consulter les décomptes")
        votes = self._vote_counts(cycle.id)
        ballots = self._ballots_count(cycle.id)
        projects = self.session.execute(sa.select(Project).where(Project.cycle_id == cycle.id,
                                                                 Project.selected.is_(True))
                                        .order_by(Project.position)).scalars().all()
        return {"cycle_id": cycle.id, "stage": cycle.stage, "ballots_count": sum(ballots.values()),
                "ballots_online": ballots[domain.ONLINE], "ballots_paper": ballots[domain.PAPER],
                "projects": [{"project_id": p.id, "title": p.title, "scale": p.scale, "sector": p.sector,
                              "votes": votes.get(p.id, (0, 0))[0],
                              "votes_online": votes.get(p.id, (0, 0))[0] - votes.get(p.id, (0, 0))[1],
                              "votes_paper": votes.get(p.id, (0, 0))[1]} for p in projects]}

    def _close_and_tally(self, cycle: Cycle, actor: dict, now: datetime):
        candidates = list(self._candidates(cycle.id).values())
        counts = self._vote_counts(cycle.id)
        votes = {project_id: total for project_id, (total, _paper) in counts.items()}
        outcome = domain.tally(candidates, votes, cycle.paris_envelope, cycle.sector_envelopes)
        winners = {project_id for scope in outcome.values() for project_id in scope["winners"]}
        rows = [{"p_id": c.id, "p_votes": votes.get(c.id, 0), "p_paper": counts.get(c.id, (0, 0))[1],
                 "p_won": c.id in winners} for c in candidates]
        if rows:  # one executemany, not one statement per project
            table = Project.__table__
            self.session.connection().execute(sa.update(table).where(table.c.id == sa.bindparam("p_id")).values(
                votes=sa.bindparam("p_votes"), votes_paper=sa.bindparam("p_paper"), won=sa.bindparam("p_won")), rows)
        cycle.results, cycle.vote_closed_at = outcome, now
        cycle.ballots_count = sum(self._ballots_count(cycle.id).values())
        self.forget_paper_identities(cycle)
        admin = events.actor(str(actor["account_id"]), "admin")
        origins = dict(self.session.execute(sa.select(Project.id, Project.origin_idea_id).where(
            Project.id.in_(winners))).all()) if winners else {}
        self.uow.emit(events.VOTE_CLOSED, events.cycle_subject(cycle.id),
                      {"cycle_id": cycle.id, "ballots_count": cycle.ballots_count}, actor=admin)
        self.uow.emit(events.RESULTS_PUBLISHED, events.cycle_subject(cycle.id),
                      {"cycle_id": cycle.id, "winner_project_ids": sorted(winners),
                       "winners": [{"project_id": project_id, "origin_idea_id": origins.get(project_id)}
                                   for project_id in sorted(winners)],
                       "envelope_used": sum(scope["used"] for scope in outcome.values()),
                       "ballots_count": cycle.ballots_count}, actor=admin)

    def results(self, cycle_id) -> dict:
        cycle = self._cycle(cycle_id)
        if cycle.stage not in (domain.RESULTS, domain.IMPLEMENTATION):
            raise PermissionDenied(f"Les résultats ne sont pas encore publiés (étape « {domain.STAGES[cycle.stage]} »).",
                                   code="RESULTS_NOT_PUBLISHED", details={"stage": cycle.stage})
        projects = {p.id: p for p in self.session.execute(sa.select(Project).where(
            Project.cycle_id == cycle.id, Project.selected.is_(True), Project.merged_into.is_(None))).scalars()}
        labels = {s.code: s.label for s in domain.SECTORS}
        scopes = []
        for scope, outcome in cycle.results.items():
            in_scope = [p for p in projects.values()
                        if (p.scale == domain.PARIS and scope == domain.PARIS) or p.sector == scope]
            if not in_scope and not outcome["envelope"]:
                continue
            ranked = sorted(in_scope, key=lambda p: (-(p.votes or 0), p.cost or 0, p.position, p.id))
            scopes.append({"scope": scope, "label": "Tout Paris" if scope == domain.PARIS else labels[scope],
                           "envelope": outcome["envelope"], "used": outcome["used"],
                           "projects": [{"project_id": p.id, "title": p.title, "cost": p.cost, "votes": p.votes,
                                         "votes_paper": (p.votes_paper or 0) if p.votes is not None else None,
                                         "votes_online": p.votes - (p.votes_paper or 0) if p.votes is not None
                                         else None, "won": bool(p.won), "external_id": p.external_id,
                                         "implementation_status": (p.implementation_status or domain.NOT_STARTED)
                                         if p.won else None} for p in ranked]})
        ballots = self._ballots_count(cycle.id) if cycle.ballots_count is not None else None
        return {"cycle_id": cycle.id, "title": cycle.title, "ballots_count": cycle.ballots_count,
                "ballots_online": ballots[domain.ONLINE] if ballots else None,
                "ballots_paper": ballots[domain.PAPER] if ballots else None,
                "envelope_used": sum(o["used"] for o in cycle.results.values()),
                "tie_break": "À égalité de voix : le coût le plus bas, puis le dépôt le plus ancien.",
                "scopes": scopes}

    # --- pabulib -------------------------------------------------------------------------------------

    def import_pabulib(self, actor: dict, command: dict) -> dict:
        """A .pb file becomes a cycle at the vote stage: every project Paris-wide, studied, selected, at its cost;
        the whole `budget` is the Paris-wide envelope, `max_length` (or the longest ballot) the ballot size."""
        self._require_admin(actor)
        try:
            parsed = pabulib.parse(command["content"])
            costs = [pabulib.cost_of(row["cost"]) for row in parsed["projects"]]
            budget = int(float(parsed["meta"].get("budget", "0")))
        except (pabulib.PabulibError, ValueError) as error:
            raise InvalidInput(details={"content": [f"Fichier .pb illisible : {error}"]}) from None
        if budget <= 0:
            raise InvalidInput(details={"content": ["Fichier .pb illisible : budget absent ou nul (META)."]})
        ids = [row["project_id"] for row in parsed["projects"]]
        if len(set(ids)) != len(ids):
            raise InvalidInput(details={"content": ["Fichier .pb illisible : project_id en double."]})
        longest = max((len(pabulib.choices_of(v.get("vote", ""))) for v in parsed["votes"]), default=0)
        max_choices = max(int(parsed["meta"].get("max_length") or domain.DEFAULT_MAX_CHOICES), longest, 1)
        title = (command.get("title") or f"{parsed['meta'].get('unit', 'Import')} "
                                         f"{parsed['meta'].get('instance', '')}").strip()[:domain.CYCLE_TITLE_MAX]
        eligibility = {**DEFAULT_ELIGIBILITY, "email_verified": True}
        cycle = self._new_cycle(actor, title, budget, {code: 0 for code in domain.SECTOR_CODES}, max_choices,
                                eligibility, None, domain.VOTE, source=f"pabulib:{command.get('filename') or ''}"[:200])
        now = self.clock()
        rows = []
        for position, (row, cost) in enumerate(zip(parsed["projects"], costs), start=1):
            name = (row.get("name") or f"Projet {row['project_id']}")[:300]
            rows.append({"id": new_id(), "cycle_id": cycle.id, "position": position,
                         "external_id": row["project_id"][:64], "title": name, "description": name,
                         "theme": (row.get("category") or "Non précisée")[:120], "scale": domain.PARIS,
                         "sector": None, "address": None, "origin_idea_id": None, "estimated_cost": cost,
                         "admissible": True, "admissibility_reason": "Importé d'un fichier pabulib.",
                         "feasible": True, "feasibility_reason": None, "cost": cost, "studied_by": None,
                         "studied_at": now, "selected": True, "selected_at": now, "votes": None, "won": None,
                         "submitted_at": now, "updated_at": now})
        self.session.execute(sa.insert(Project), rows)
        return {**self.cycle_view(cycle), "projects_count": len(rows)}

    def export_pabulib(self, cycle_id) -> dict:
        """The anonymised ballots (shuffled, numbered 1..n, no account, no time) and the results, once published."""
        cycle = self._cycle(cycle_id)
        with rules():
            domain.require_stage(cycle.stage, domain.RESULTS, domain.IMPLEMENTATION,
                                 action="exporter les bulletins")
        projects = self.session.execute(sa.select(Project).where(
            Project.cycle_id == cycle.id, Project.selected.is_(True)).order_by(Project.position)).scalars().all()
        label = {p.id: p.external_id or str(p.position) for p in projects}
        choices = {}
        for ballot_id, project_id in self.session.execute(sa.select(BallotChoice.ballot_id, BallotChoice.project_id)
                                                          .join(Ballot, Ballot.id == BallotChoice.ballot_id)
                                                          .where(Ballot.cycle_id == cycle.id,
                                                                 Ballot.counted.is_(True))):
            choices.setdefault(ballot_id, []).append(label[project_id])
        ballots = [sorted(chosen) for chosen in choices.values()]
        self.shuffle(ballots)
        meta = {"description": f"Budget participatif : {cycle.title}", "country": "France", "unit": "Paris",
                "instance": cycle.title, "num_projects": len(projects), "num_votes": len(ballots),
                "budget": cycle.paris_envelope + sum(cycle.sector_envelopes.values()), "vote_type": "approval",
                "rule": "greedy", "min_length": 1, "max_length": 2 * cycle.max_choices, "currency": "EUR"}
        content = pabulib.dump(meta, [
            {"project_id": label[p.id], "cost": p.cost, "votes": p.votes or 0, "name": p.title,
             "category": p.theme, "district": p.sector or domain.PARIS, "selected": 1 if p.won else 0}
            for p in projects], [{"voter_id": n, "vote": ",".join(b)} for n, b in enumerate(ballots, start=1)])
        return {"cycle_id": cycle.id, "filename": f"budget-{cycle.id}.pb", "content": content}

    # --- accounts' events ----------------------------------------------------------------------------

    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: the account no longer carries any project (pseudonymised carriers) and its ballot
        stays counted, unlinked from it. False if this event was already applied."""
        try:
            payload = load(_AccountEventSchema(), envelope["payload"])
        except InvalidInput:
            log.warning("account event without a valid account id, ignored", extra={"event_id": envelope["event_id"]})
            return False
        if not self.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        account_id = str(payload["account_id"])
        self.session.execute(sa.update(Carrier).where(Carrier.account_id == account_id).values(account_id=None))
        self.session.execute(sa.update(Ballot).where(Ballot.account_id == account_id).values(account_id=None))
        self.session.execute(sa.update(StageChange).where(StageChange.actor_id == account_id).values(actor_id=None))
        self.session.execute(sa.update(Project).where(Project.studied_by == account_id).values(studied_by=None))
        self.session.execute(sa.update(PaperBallot).where(PaperBallot.account_id == account_id).values(account_id=None))
        self.session.execute(sa.update(PaperBallot).where(PaperBallot.recorded_by == account_id)
                             .values(recorded_by=None))
        self.session.execute(sa.update(MergeInvitation).where(MergeInvitation.account_id == account_id)
                             .values(account_id=None))
        self.session.execute(sa.update(StatusChange).where(StatusChange.actor_id == account_id).values(actor_id=None))
        self.session.execute(sa.update(PendingIdea).where(PendingIdea.author_id == account_id).values(author_id=None))
        self.session.execute(sa.delete(Follow).where(Follow.account_id == account_id))
        return True

    def export_personal_data(self, account_id) -> dict:
        account_id = str(account_id)
        carried = self.session.execute(sa.select(Project.id, Project.cycle_id, Project.title).join(
            Carrier, Carrier.project_id == Project.id).where(Carrier.account_id == account_id)).all()
        ballots = self.session.execute(sa.select(Ballot.cycle_id, Ballot.cast_at).where(
            Ballot.account_id == account_id)).all()
        follows = self.session.execute(sa.select(Follow.project_id, Follow.kind, Follow.created_at).where(
            Follow.account_id == account_id)).all()
        invitations = self.session.execute(sa.select(MergeInvitation.project_id, MergeInvitation.answer).where(
            MergeInvitation.account_id == account_id)).all()
        return {"projects_carried": [{"project_id": p.id, "cycle_id": p.cycle_id, "title": p.title} for p in carried],
                "ballots": [{"cycle_id": b.cycle_id, "cast_at": iso(b.cast_at)} for b in ballots],
                "projects_followed": [{"project_id": f.project_id, "kind": f.kind, "since": iso(f.created_at)}
                                      for f in follows],
                "merge_invitations": [{"project_id": i.project_id, "answer": i.answer} for i in invitations]}

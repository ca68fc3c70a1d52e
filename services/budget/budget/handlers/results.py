"""The vote's outcome: a voter's own ballot, receipts, the live counts for agents, the close of the vote with its
tally (domain.tally: greedy winners per envelope) and the published results.

The live counts and the results' ballots per channel read the counts the ballots' writes keep (vote_counts.py),
not every ballot; the tally alone recounts every counted ballot, once, and the published figures are its own."""
from datetime import datetime

import sqlalchemy as sa
from hubkit.errors import NotFound, PermissionDenied

from .. import domain, events
from ..models import Ballot, BallotChoice, Cycle, Project, ReplacedReceipt
from . import vote_counts
from .common import UseCases, rules
from .paper import forget_paper_identities


class Results(UseCases):
    """Ballots and receipts as voters check them, counts and results."""

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

    def live_counts(self, actor: dict, cycle_id) -> dict:
        """During the vote (and after), agents and admins follow the counts; the public waits for the results."""
        self._require_staff(actor)
        cycle = self._cycle(cycle_id)
        with rules():
            domain.require_stage(cycle.stage, domain.VOTE, domain.RESULTS, domain.IMPLEMENTATION,
                                 action="consulter les décomptes")
        votes, ballots = vote_counts.live(self.session, cycle.id)  # kept by the ballots' writes: no recount
        projects = self.session.execute(sa.select(Project).where(Project.cycle_id == cycle.id,
                                                                 Project.selected.is_(True))
                                        .order_by(Project.position)).scalars().all()
        return {"cycle_id": cycle.id, "stage": cycle.stage, "ballots_count": sum(ballots.values()),
                "ballots_online": ballots[domain.ONLINE], "ballots_paper": ballots[domain.PAPER],
                "projects": [{"project_id": p.id, "title": p.title, "scale": p.scale, "sector": p.sector,
                              "votes": votes.get(p.id, (0, 0))[0],
                              "votes_online": votes.get(p.id, (0, 0))[0] - votes.get(p.id, (0, 0))[1],
                              "votes_paper": votes.get(p.id, (0, 0))[1]} for p in projects]}

    def close_and_tally(self, cycle: Cycle, actor: dict, now: datetime):
        candidates = list(self._candidates(cycle.id).values())
        counted = vote_counts.recount(self.session, cycle.id)  # the tally counts every ballot, once
        vote_counts.replace(self.session, cycle.id, counted)  # what the results show from now on
        counts, ballots = counted
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
        cycle.ballots_count = sum(ballots.values())
        forget_paper_identities(self.session, cycle)
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
            stage = domain.STAGES[cycle.stage]
            raise PermissionDenied(f"Les résultats ne sont pas encore publiés (étape « {stage} »).",
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
        ballots = vote_counts.live_ballots(self.session, cycle.id) if cycle.ballots_count is not None else None
        return {"cycle_id": cycle.id, "title": cycle.title, "ballots_count": cycle.ballots_count,
                "ballots_online": ballots[domain.ONLINE] if ballots else None,
                "ballots_paper": ballots[domain.PAPER] if ballots else None,
                "envelope_used": sum(o["used"] for o in cycle.results.values()),
                "tie_break": "À égalité de voix : le coût le plus bas, puis le dépôt le plus ancien.",
                "scopes": scopes}


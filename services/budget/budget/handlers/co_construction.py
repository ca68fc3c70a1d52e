"""Co-construction: agents merge similar projects of a cycle into one, during the co-construction stage.

The merged project is new: it keeps its lineage (« élaboré à partir de ... », the sources, each marked merged and
pointing to it), is admissible and feasible at the City's cost (by default the sum of the sources' costs), and
has no carrier at first. Every carrier of a source is invited (the notifications service tells them, from
the `projects_merged` event) and answers once: accepting makes them a carrier of the merged project; refusing leaves
the merge standing — the merge is the City's decision after the study — they simply do not carry it (their
source project stays visible in the lineage). Answers are taken until the vote opens.
"""
import sqlalchemy as sa
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .. import domain, events
from ..models import Carrier, MergeInvitation, Project
from . import project_index
from .common import FieldChecks, UseCases, rules

PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"
ANSWERABLE_STAGES = (domain.CO_CONSTRUCTION, domain.SELECTION, domain.CAMPAIGN)


class CoConstruction(UseCases):
    """Merging projects, and the carriers' answers."""

    def merge_projects(self, actor: dict, command: dict) -> dict:
        """Only an admin, or an agent of the direction owning every source project, merges them."""
        self._check_direction(command.get("direction"))
        actor = self._with_direction(actor)
        cycle = self._cycle(command["cycle_id"], lock="share")
        with rules():
            domain.require_stage(cycle.stage, domain.CO_CONSTRUCTION, action="fusionner des projets")
        ids = [str(project_id) for project_id in command["project_ids"]]
        if len(set(ids)) != len(ids):
            raise InvalidInput(details={"project_ids": ["Un même projet est nommé deux fois."]})
        sources = {p.id: p for p in self.session.execute(sa.select(Project).where(Project.id.in_(ids))
                                                         .with_for_update()).scalars()}
        for project_id in ids:
            source = sources.get(project_id)
            if source is None or source.cycle_id != cycle.id or source.draft:
                raise NotFound("Projet introuvable dans ce cycle.", details={"project_id": project_id})
            if source.merged_into:
                raise Conflict("Ce projet a déjà été fusionné dans un autre projet.", code="ALREADY_MERGED",
                               details={"project_id": project_id, "merged_into": source.merged_into})
            if source.admissible is not True:
                raise Conflict("Seuls des projets jugés recevables à l'étude peuvent être fusionnés.",
                               code="PROJECT_NOT_ADMISSIBLE", details={"project_id": project_id})
            self._require_owning_direction(actor, source.direction)
        first = sources[ids[0]]
        checks = FieldChecks()
        title = checks(domain.clean_text, command["title"], "title", domain.TITLE_MIN, domain.TITLE_MAX)
        description = checks(domain.clean_text, command["description"], "description", domain.DESCRIPTION_MIN,
                             domain.DESCRIPTION_MAX)
        theme = checks(domain.check_theme, command.get("theme") or first.theme)
        scale = command.get("scale") or first.scale
        sector = checks(domain.check_location, scale,
                        command.get("sector") if command.get("scale") else first.sector)
        cost = command.get("cost")
        if cost is None:
            costs = [source.cost if source.cost is not None else source.estimated_cost for source in sources.values()]
            cost = sum(costs) if None not in costs else None
        if not cost:
            checks.details.setdefault("cost", []).append("Indiquez le coût du projet fusionné (en euros, plus de 0).")
        checks.raise_if_broken()
        now = self.clock()
        merged = Project(cycle_id=cycle.id, position=self._next_position(cycle.id), title=title,
                         description=description, theme=theme, scale=scale, sector=sector,
                         arrondissement=first.arrondissement if sector == first.sector else None,
                         address=" ".join((command.get("address") or first.address or "").split()) or None,
                         direction=command.get("direction") or first.direction,
                         origin_idea_id=next((s.origin_idea_id for s in sources.values() if s.origin_idea_id), None),
                         estimated_cost=cost, admissible=True,
                         admissibility_reason=f"Projet co-construit à partir de {len(ids)} projets recevables.",
                         feasible=True, cost=cost, studied_by=str(actor["account_id"]), studied_at=now,
                         selected=False, draft=False, submitted_at=now, updated_at=now)
        self.session.add(merged)
        self.session.flush()
        for source in sources.values():
            source.merged_into, source.selected, source.updated_at = merged.id, False, now
        project_index.put(self.session, merged)  # the merged project stands for its sources
        project_index.remove(self.session, *ids)
        carriers = self.session.execute(sa.select(Carrier.account_id).where(
            Carrier.project_id.in_(ids), Carrier.account_id.is_not(None)).order_by(Carrier.id)).scalars().all()
        invited = list(dict.fromkeys(carriers))
        for account_id in invited:
            self.session.add(MergeInvitation(project_id=merged.id, account_id=account_id, answer=PENDING,
                                             invited_at=now))
        self.session.flush()
        self.uow.emit(events.PROJECTS_MERGED, events.project_subject(merged.id),
                      {"cycle_id": cycle.id, "project_id": merged.id, "origin_idea_id": merged.origin_idea_id,
                       "sources": [{"project_id": project_id, "origin_idea_id": sources[project_id].origin_idea_id}
                                   for project_id in ids],
                       "invited_count": len(invited)},
                      actor=events.actor(str(actor["account_id"]), "agent"))
        return self.project_view(merged, actor, cycle)

    def answer_merge_invitation(self, actor: dict, command: dict) -> dict:
        account_id = str(actor["account_id"])
        project = self._project(command["project_id"], for_update=True)
        cycle = self._cycle(project.cycle_id, lock="share")
        invitation = self.session.execute(sa.select(MergeInvitation).where(
            MergeInvitation.project_id == project.id, MergeInvitation.account_id == account_id)
            .with_for_update()).scalar_one_or_none()
        if invitation is None:
            raise PermissionDenied("Vous n'êtes pas invité·e à porter ce projet co-construit.", code="NOT_INVITED")
        if invitation.answer != PENDING:
            raise Conflict("Vous avez déjà répondu à cette invitation.", code="ALREADY_ANSWERED",
                           details={"answer": invitation.answer})
        with rules():
            domain.require_stage(cycle.stage, *ANSWERABLE_STAGES, action="répondre à l'invitation")
        now = self.clock()
        invitation.answer, invitation.answered_at = (ACCEPTED if command["accept"] else REFUSED), now
        if command["accept"]:
            self.session.add(Carrier(project_id=project.id, account_id=account_id))
        project.updated_at = now
        self.session.flush()
        return self.project_view(project, actor, cycle)

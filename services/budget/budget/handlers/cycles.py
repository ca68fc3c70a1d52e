"""Cycles of the participatory budget: the reference data of the forms, creating a cycle (admins) and moving
it to its next stage, one at a time; leaving the vote closes it, tallies and publishes the results (results.py)."""
import secrets

import sqlalchemy as sa

from .. import domain
from ..models import Cycle, StageChange, new_id
from .common import DEFAULT_ELIGIBILITY, UseCases, rules
from .drafts import Drafts
from .presenting import cycle_view
from .results import Results


class Cycles(UseCases):
    """Reading, creating and advancing cycles."""

    def reference_data(self) -> dict:
        """Codes and labels for the forms; the directions are accounts' (its table, its labels)."""
        directions = self.directions()
        return {"stages": [{"code": code, "label": label} for code, label in domain.STAGES.items()],
                "themes": list(domain.THEMES),
                "scales": [{"code": code, "label": label} for code, label in domain.SCALES.items()],
                "sectors": [{"code": s.code, "label": s.label, "insee": s.insee} for s in domain.SECTORS],
                "project_statuses": [{"code": c, "label": label} for c, label in domain.PROJECT_STATUSES.items()],
                "eligibility_rules": [{"code": c, "label": label} for c, label in domain.ELIGIBILITY_RULES.items()],
                "implementation_statuses": [{"code": c, "label": label, "settable": c in domain.SETTABLE_STATUSES}
                                            for c, label in domain.IMPLEMENTATION_STATUSES.items()],
                "follow_kinds": [{"code": c, "label": label} for c, label in domain.FOLLOW_KINDS.items()],
                "directions": [{"code": code, "label": label} for code, label in directions.items()],
                "id_document_kinds": [{"code": c, "label": label} for c, label in domain.ID_DOCUMENT_KINDS.items()],
                "channels": [{"code": c, "label": label} for c, label in domain.CHANNELS.items()],
                "default_max_choices": domain.DEFAULT_MAX_CHOICES}

    def create_cycle(self, actor: dict, command: dict, cycle_id: str | None = None) -> dict:
        """`cycle_id`: a fixed id (the demo cycle), else a new one."""
        self._require_admin(actor)
        with rules():
            title = domain.clean_text(command["title"], "title", domain.TITLE_MIN, domain.CYCLE_TITLE_MAX)
            sectors = domain.check_envelopes(command["paris_envelope"], command["sector_envelopes"])
        cycle = self.new_cycle(actor, title, command["paris_envelope"], sectors, command["max_choices"],
                                {**DEFAULT_ELIGIBILITY, **command["eligibility"]}, command.get("vote_day"),
                                domain.SUBMISSION, cycle_id=cycle_id)
        Drafts(self.context).draft_pending_ideas(cycle)
        return cycle_view(cycle)

    def new_cycle(self, actor, title, paris_envelope, sectors, max_choices, eligibility, vote_day, stage,
                  source=None, cycle_id=None) -> Cycle:
        """A cycle written as it is given (checked by the caller: a new cycle, an imported one)."""
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
        return [cycle_view(cycle) for cycle in cycles]

    def get_cycle(self, cycle_id) -> dict:
        return cycle_view(self._cycle(cycle_id))

    def advance_stage(self, actor: dict, command: dict) -> dict:
        """The next stage, named by the admin; leaving the vote closes it, tallies and publishes the results."""
        self._require_admin(actor)
        cycle = self._cycle(command["cycle_id"], lock="update")
        with rules():
            domain.check_advance(cycle.stage, command["stage"])
        now = self.clock()
        if cycle.stage == domain.VOTE:
            Results(self.context).close_and_tally(cycle, actor, now)
        cycle.stage, cycle.updated_at = command["stage"], now
        self.session.add(StageChange(cycle_id=cycle.id, stage=cycle.stage, actor_id=str(actor["account_id"]), at=now))
        self.session.flush()
        return cycle_view(cycle)

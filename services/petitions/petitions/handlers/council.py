"""The Council of Paris: the agenda of petitions past their threshold, placing one at a session, the City's
official response, and closing an answered petition."""
import sqlalchemy as sa

from .. import domain, events
from ..models import Petition
from . import records
from .common import Context, FieldChecks, aware, require_admin, require_moderator, rules
from .views import Views


class Council:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views

    def council_agenda(self, actor: dict) -> dict:
        require_moderator(actor)
        summaries = self.views.summaries

        def of(status, *order):
            return self.context.session.execute(sa.select(Petition).where(Petition.status == status)
                                                .order_by(*order, Petition.id)).scalars().all()
        return {"awaiting_placement": summaries(of(domain.THRESHOLD_REACHED, Petition.threshold_reached_at)),
                "scheduled": summaries(of(domain.SCHEDULED, Petition.council_session_date)),
                "answered": summaries(of(domain.ANSWERED, Petition.answered_at.desc()))}

    def schedule_for_council(self, actor: dict, command: dict) -> dict:
        require_admin(actor)
        petition = records.petition(self.context, command["petition_id"], for_update=True)
        with rules():
            domain.check_can_schedule(petition.status)
            domain.check_council_date(command["session_date"], aware(petition.opened_at).date())
        now = self.context.clock()
        petition.status, petition.council_session_date = domain.SCHEDULED, command["session_date"]
        petition.council_agenda_url, petition.scheduled_at, petition.updated_at = command["agenda_url"], now, now
        records.history(self.context, petition, "scheduled_for_council", actor)
        records.emit(self.context, events.PETITION_SCHEDULED_FOR_COUNCIL, petition,
                     {"session_date": command["session_date"].isoformat()}, actor)
        return self.views.petition_view(petition, actor)

    def record_response(self, actor: dict, command: dict) -> dict:
        require_admin(actor)
        petition = records.petition(self.context, command["petition_id"], for_update=True)
        check = FieldChecks()
        response = check(domain.check_response, command["response"])
        check(domain.check_decision, command["decision"])
        check.raise_if_broken()
        with rules():
            domain.check_can_answer(petition.status)
        now = self.context.clock()
        petition.status, petition.decision, petition.response = domain.ANSWERED, command["decision"], response
        petition.answered_at = petition.updated_at = now
        records.history(self.context, petition, "answered", actor, code=command["decision"])
        records.emit(self.context, events.PETITION_ANSWERED, petition, {"decision": command["decision"]}, actor)
        return self.views.petition_view(petition, actor)

    def close(self, actor: dict, petition_id) -> dict:
        require_admin(actor)
        petition = records.petition(self.context, petition_id, for_update=True)
        with rules():
            domain.check_can_close(petition.status)
        records.close(self.context, petition, domain.CLOSED_AFTER_ANSWER, actor)
        return self.views.petition_view(petition, actor)

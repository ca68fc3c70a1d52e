"""Moderation: the queue of submitted petitions, and publishing (open to signatures) or rejecting each one."""
import sqlalchemy as sa

from .. import domain, events
from ..models import Petition, SignatureCounter
from . import records
from .common import Context, FieldChecks, require_moderator, rules
from .indexing import index_petition
from .views import Views


class Moderation:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views

    def moderation_queue(self, actor: dict) -> dict:
        require_moderator(actor)
        petitions = self.context.session.execute(sa.select(Petition).where(Petition.status == domain.SUBMITTED)
                                                 .order_by(Petition.submitted_at, Petition.id)).scalars().all()
        items = [self.views.petition_view(p, actor) for p in petitions]
        return {"items": items, "overdue_count": sum(item["overdue"] for item in items)}

    def publish(self, actor: dict, command: dict) -> dict:
        require_moderator(actor)
        settings = self.context.settings
        petition = records.petition(self.context, command["petition_id"], for_update=True)
        with rules():
            domain.check_awaiting_moderation(petition.status)
            threshold = settings.threshold if command.get("threshold") is None else domain.check_threshold(
                command["threshold"], settings.threshold, domain.is_admin(actor["roles"]))
        now = self.context.clock()
        petition.status, petition.threshold = domain.OPEN, threshold
        petition.eligibility = command.get("eligibility") or settings.eligibility
        petition.opened_at = petition.moderated_at = petition.updated_at = now
        petition.closes_at = domain.add_months(now, settings.open_months)
        petition.moderated_by = str(actor["account_id"])
        petition.sponsor_token = None  # the private link has served its purpose
        self.context.session.add_all(SignatureCounter(petition_id=petition.id, shard=shard, signatures=0)
                                     for shard in range(domain.COUNTER_SHARDS))
        index_petition(self.context, petition)
        records.history(self.context, petition, "published", actor)
        records.emit(self.context, events.PETITION_PUBLISHED, petition,
                     {"threshold": threshold, "eligibility": petition.eligibility,
                      "arrondissement": petition.arrondissement, "closes_at": petition.closes_at.isoformat()}, actor)
        return self.views.petition_view(petition, actor)

    def reject(self, actor: dict, command: dict) -> dict:
        require_moderator(actor)
        petition = records.petition(self.context, command["petition_id"], for_update=True)
        check = FieldChecks()
        reason = check(domain.check_reason, command["reason"])
        check(domain.check_rejection, command["code"], command["hidden"])
        check.raise_if_broken()
        with rules():
            domain.check_awaiting_moderation(petition.status)
        now = self.context.clock()
        petition.status, petition.rejection_code, petition.rejection_reason = domain.REJECTED, command["code"], reason
        petition.hidden = command["hidden"]
        petition.moderated_at = petition.updated_at = now
        petition.moderated_by = str(actor["account_id"])
        petition.sponsor_token = None
        index_petition(self.context, petition)
        records.history(self.context, petition, "rejected", actor, code=command["code"])
        records.emit(self.context, events.PETITION_REJECTED, petition,
                     {"code": command["code"], "hidden": command["hidden"]}, actor)
        return self.views.petition_view(petition, actor)

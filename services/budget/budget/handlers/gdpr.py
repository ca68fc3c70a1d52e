"""The personal data budget holds, for accounts' events and the citizen's export: an account deleted leaves its
projects carried by no one and its ballot counted, unlinked; the export lists what is linked to an account."""
import logging

import sqlalchemy as sa
from hubkit.errors import InvalidInput
from hubkit.idempotency import IdempotencyKeys
from hubkit.validation import load
from marshmallow import EXCLUDE, Schema, fields

from ..models import (Ballot, Base, Carrier, Follow, MergeInvitation, PaperBallot, PendingIdea, Project, StageChange,
                      StatusChange)
from .common import UseCases, iso

log = logging.getLogger(__name__)

FORGET_ACCOUNT = "budget.forget_account"


class _AccountEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(required=True)



class Gdpr(UseCases):
    """Forgetting an account, exporting its data."""

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
        IdempotencyKeys(self.uow, Base.metadata).forget_account(account_id)  # the receipts kept for retries
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

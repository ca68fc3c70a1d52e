"""A person's data in petitions: forgetting a deleted account, following a pseudonym change, and the GDPR export.

Petitions stay when their author goes, shown as the anonymous citizen; signatures and sponsorships stay counted,
with no link to the account. What accounts' events carry is ids and field names, never the data itself."""
from datetime import date, datetime

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields

from hubkit.idempotency import IdempotencyKeys
from hubkit.validation import load

from .. import domain
from ..models import HistoryEntry, Petition, Signature, SignatureCounter, Sponsor
from .common import Context, aware, known_version

# Names under which event handlers record the events they applied (processed_events).
FORGET_ACCOUNT = "petitions.forget_account"
REFRESH_PSEUDONYM = "petitions.refresh_author_pseudonym"


class _AccountEventSchema(Schema):
    """The payload of an accounts event, as far as petitions reads it (new optional fields are ignored)."""
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", load_default=list)


_ACCOUNT_EVENT = _AccountEventSchema()


class PersonalData:
    def __init__(self, context: Context):
        self.context = context

    def _account_event(self, envelope: dict) -> dict | None:
        return load(_ACCOUNT_EVENT, envelope["payload"]) if known_version(envelope) else None

    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: petitions stay, shown as the anonymous citizen; signatures and sponsorships stay
        counted, with no link to the account (and no client address). The account's unsubmitted drafts, which
        nobody else saw, are deleted. False if this event was already applied."""
        payload = self._account_event(envelope)
        if payload is None or not self.context.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        session, account_id = self.context.session, str(payload["account_id"])
        own_drafts = (Petition.author_id == account_id, Petition.status == domain.DRAFT)
        drafts = sa.select(Petition.id).where(*own_drafts)
        for model in (Sponsor, Signature, SignatureCounter, HistoryEntry):
            session.execute(sa.delete(model).where(model.petition_id.in_(drafts))
                            .execution_options(synchronize_session=False))
        session.execute(sa.delete(Petition).where(*own_drafts).execution_options(synchronize_session=False))
        session.execute(sa.update(Petition).where(Petition.author_id == account_id).values(
            author_id=None, author_pseudonym=domain.ANONYMOUS_PSEUDONYM))
        session.execute(sa.update(Sponsor).where(Sponsor.account_id == account_id).values(account_id=None))
        session.execute(sa.update(Signature).where(Signature.account_id == account_id).values(
            account_id=None, client_ip=None))
        session.execute(sa.update(HistoryEntry).where(HistoryEntry.actor_id == account_id).values(actor_id=None))
        IdempotencyKeys(self.context.uow, Petition.metadata).forget_account(account_id)  # answers kept for retries
        return True

    def refresh_author_pseudonym(self, envelope: dict) -> bool:
        """`account_profile_updated` naming `pseudonym`: the author's petitions take the account's current
        pseudonym, asked of accounts (events carry none). False if nothing to do or already applied."""
        payload = self._account_event(envelope)
        if payload is None or "pseudonym" not in payload["fields_"]:
            return False
        account_id = str(payload["account_id"])
        profiles = self.context.accounts.public_profiles({"account_ids": [account_id]})  # before anything is written
        if not self.context.uow.first_delivery(envelope, REFRESH_PSEUDONYM):
            return False
        pseudonym = next((p["pseudonym"] for p in profiles if p["account_id"] == account_id), None)
        if pseudonym is None:
            return True  # the account is gone: `account_deleted` anonymises its petitions
        self.context.session.execute(sa.update(Petition).where(Petition.author_id == account_id).values(
            author_pseudonym=domain.author_pseudonym(pseudonym)))
        return True

    def export_personal_data(self, account_id) -> dict:
        session, account_id = self.context.session, str(account_id)
        authored = session.execute(sa.select(Petition).where(Petition.author_id == account_id)
                                   .order_by(Petition.created_at)).scalars()
        sponsorships = session.execute(sa.select(Sponsor).where(Sponsor.account_id == account_id)
                                       .order_by(Sponsor.id)).scalars()
        signatures = session.execute(sa.select(Signature).where(Signature.account_id == account_id)
                                     .order_by(Signature.id)).scalars()
        return {
            "petitions": [{"id": p.id, "status": p.status, "title": p.title, "asks": p.asks,
                           "background": p.background, "arrondissement": p.arrondissement,
                           "author_pseudonym": p.author_pseudonym, "created_at": _iso(aware(p.created_at)),
                           "submitted_at": _iso(aware(p.submitted_at))} for p in authored],
            "sponsorships": [{"petition_id": s.petition_id, "created_at": _iso(aware(s.created_at))}
                             for s in sponsorships],
            "signatures": [{"petition_id": s.petition_id, "lives_in_paris": s.lives_in_paris,
                            "works_in_paris": s.works_in_paris, "studies_in_paris": s.studies_in_paris,
                            "arrondissement": s.arrondissement, "notify": s.notify, "client_ip": s.client_ip,
                            "created_at": _iso(aware(s.created_at))} for s in signatures],
        }


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value

"""What the timers do (idempotent, safe to run in several processes at once): close petitions past their
deadline, catch threshold crossings no signer saw, erase signers' client addresses past the retention."""
import logging
from datetime import timedelta

import sqlalchemy as sa

from .. import domain
from ..models import Petition, Signature, SignatureCounter
from . import records, signature_totals
from .common import Context, aware

log = logging.getLogger(__name__)

SWEEP_BATCH = 200


class Sweep:
    def __init__(self, context: Context):
        self.context = context

    def close_expired(self) -> int:
        """Close open petitions past their deadline (and answered ones); returns how many were closed."""
        session, now = self.context.session, self.context.clock()
        candidates = session.execute(sa.select(Petition.id).where(
            Petition.status.in_((domain.OPEN, domain.ANSWERED)), Petition.closes_at <= now)
            .order_by(Petition.closes_at).limit(SWEEP_BATCH)).scalars().all()
        closed = 0
        for petition_id in candidates:
            petition = session.get(Petition, petition_id, with_for_update={"key_share": True})
            session.refresh(petition)  # another process may have closed it since
            reason = domain.due_for_closing(petition.status, aware(petition.closes_at), now)
            if reason is None:
                continue
            records.close(self.context, petition, reason, None)
            closed += 1
        return closed

    def reach_missed_thresholds(self) -> int:
        """Open petitions whose count reached the threshold while no signing transaction saw it (two signers
        committing at once, each without the other's signature): they move to threshold reached now."""
        totals = (sa.select(SignatureCounter.petition_id, sa.func.sum(SignatureCounter.signatures).label("total"))
                  .join(Petition, Petition.id == SignatureCounter.petition_id).where(Petition.status == domain.OPEN)
                  .group_by(SignatureCounter.petition_id).subquery())  # the open petitions' counters only
        rows = self.context.session.execute(sa.select(Petition, totals.c.total).join(
            totals, totals.c.petition_id == Petition.id).where(
            Petition.status == domain.OPEN, totals.c.total >= Petition.threshold).limit(SWEEP_BATCH)).all()
        return sum(records.reach_threshold(self.context, petition, int(total)) for petition, total in rows)

    def refresh_signature_totals(self) -> int:
        """The signable petitions' totals (popular order) a signing write skipped: see signature_totals.py."""
        return signature_totals.refresh(self.context)

    def purge_signer_ips(self) -> int:
        """Erase the client address of the signatures older than the retention; returns how many were erased.
        One UPDATE that only clears: run by every replica's timer at once, it erases each address once and
        the others find nothing (idempotent). Only petitions opened before the cutoff can hold such signatures,
        which lets the database walk its (petition, signed at) index instead of the whole table."""
        retention_days = self.context.settings.signer_ip_retention_days
        cutoff = self.context.clock() - timedelta(days=retention_days)
        old_enough = sa.select(Petition.id).where(Petition.opened_at.is_not(None), Petition.opened_at < cutoff)
        erased = self.context.session.execute(sa.update(Signature).where(
            Signature.petition_id.in_(old_enough), Signature.created_at < cutoff, Signature.client_ip.is_not(None))
            .values(client_ip=None).execution_options(synchronize_session=False)).rowcount
        if erased:
            log.info("signers' client addresses erased after the retention",
                     extra={"erased": erased, "retention_days": retention_days})
        return erased

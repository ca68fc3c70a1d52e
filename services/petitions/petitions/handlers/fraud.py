"""Anti-fraud use cases (moderators): where a petition's signatures come from — client addresses, e-mail
domains, arrondissements, declarations — and bulk invalidation with an exact recount, a public reason and a log.

E-mail domains live in accounts, never here: petitions reads the signers' account ids, ends its read
transaction (no connection waits on another service), asks `accounts.email_domains` for the domains of
those accounts (never their addresses, 500 per call), and aggregates them in memory. Nothing e-mail-related
is stored in petitions, except the domain a moderator invalidated, in the moderation log.

Client addresses are kept only as long as this review needs: `Sweep.purge_signer_ips` (a timer) erases them
PETITIONS_SIGNER_IP_RETENTION_DAYS after signing. The moderation log keeps the one address a moderator
invalidated, as the record of that decision.
"""
import logging
from datetime import timedelta

import sqlalchemy as sa

from hubkit.errors import Conflict, InvalidInput, ServiceUnavailable

from .. import domain, events
from ..models import ModerationLogEntry, Signature, SignatureCounter
from . import records
from .common import Context, FieldChecks, aware, require_moderator, rules
from .views import Views, forget_chart

log = logging.getLogger(__name__)

TRENDS_TOP = 50
RECENT_SIGNATURES = 200
DOMAINS_PER_CALL = 500  # accounts.email_domains takes at most 500 account ids
DOMAIN_SCAN_MAX = 10_000  # signatures of a window whose domains are looked at (20 calls to accounts at most)


class AntiFraud:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views
        self.accounts, self.clock = context.accounts, context.clock

    @property
    def session(self):
        return self.context.session

    def signature_trends(self, actor: dict, query: dict) -> dict:
        """Where a petition's recent signatures come from: the client addresses and the e-mail domains that
        signed most in the window (count, share, first and last time, invalidated ones, accounts created just
        before signing, disposable domains), the arrondissements and what signers declared, and the latest
        signatures with their ids (to invalidate some). Never which account signed, nor an e-mail address."""
        require_moderator(actor)
        petition = records.petition(self.context, query["petition_id"])
        since = self.clock() - timedelta(hours=query["hours"])
        recent = (Signature.petition_id == petition.id, Signature.created_at >= since)
        valid = Signature.invalidated_at.is_(None)
        invalid_count = sa.func.sum(sa.case((Signature.invalidated_at.is_not(None), 1), else_=0))
        ips = self.session.execute(
            sa.select(Signature.client_ip, sa.func.count().label("signatures"), invalid_count.label("invalidated"),
                      sa.func.min(Signature.created_at), sa.func.max(Signature.created_at))
            .where(*recent, Signature.client_ip.is_not(None)).group_by(Signature.client_ip)
            .order_by(sa.func.count().desc(), Signature.client_ip).limit(TRENDS_TOP)).all()
        arrondissements = dict(self.session.execute(sa.select(Signature.arrondissement, sa.func.count()).where(
            *recent, valid).group_by(Signature.arrondissement)).all())
        declared = self.session.execute(sa.select(
            sa.func.count(), *(sa.func.sum(sa.case((column.is_(True), 1), else_=0)) for column in
                               (Signature.lives_in_paris, Signature.works_in_paris, Signature.studies_in_paris)))
            .where(*recent, valid)).one()
        latest = self.session.execute(sa.select(Signature).where(*recent).order_by(
            Signature.created_at.desc(), Signature.id.desc()).limit(RECENT_SIGNATURES)).scalars().all()
        signed = self._signers_in_window(petition.id, since, valid_only=False)
        view = {
            "petition_id": petition.id, "title": petition.title, "hours": query["hours"], "since": since,
            "signatures_count": records.count(self.context, petition.id),
            "window_signatures": int(declared[0] or 0),
            "ips": [{"ip": ip, "signatures": int(total), "invalidated": int(invalidated or 0),
                     "first_at": aware(first), "last_at": aware(last)}
                    for ip, total, invalidated, first, last in ips],
            "by_arrondissement": [{"arrondissement": number, "signatures": arrondissements.get(number, 0)}
                                  for number in [*range(1, 21), None] if arrondissements.get(number)],
            "declared": {"lives": int(declared[1] or 0), "works": int(declared[2] or 0),
                         "studies": int(declared[3] or 0)},
            "latest": [{"id": s.id, "client_ip": s.client_ip, "arrondissement": s.arrondissement,
                        "lives_in_paris": s.lives_in_paris, "works_in_paris": s.works_in_paris,
                        "studies_in_paris": s.studies_in_paris, "created_at": aware(s.created_at),
                        "invalidated": s.invalidated_at is not None} for s in latest],
            "invalidations": self.views.invalidations(petition.id),
        }
        self.session.rollback()  # only read so far: the connection is free while accounts is called
        view.update(self._domain_trends(signed[:DOMAIN_SCAN_MAX]))
        view["domains_truncated"] = len(signed) > DOMAIN_SCAN_MAX
        return view

    def _signers_in_window(self, petition_id: str, since, valid_only: bool) -> list:
        """(signature id, account id, signed at, invalidated) of the window's signatures whose account still
        exists, the most recent first, one more than DOMAIN_SCAN_MAX at most (to tell that there were more)."""
        conditions = [Signature.petition_id == petition_id, Signature.created_at >= since,
                      Signature.account_id.is_not(None)]
        if valid_only:
            conditions.append(Signature.invalidated_at.is_(None))
        return self.session.execute(sa.select(
            Signature.id, Signature.account_id, Signature.created_at, Signature.invalidated_at.is_not(None))
            .where(*conditions).order_by(Signature.created_at.desc(), Signature.id.desc())
            .limit(DOMAIN_SCAN_MAX + 1)).all()

    def _domains_of(self, account_ids: list) -> dict:
        """account id -> {"email_domain", "registered_at"}, asked of accounts 500 ids at a time."""
        unique = list(dict.fromkeys(account_ids))
        found = {}
        for start in range(0, len(unique), DOMAINS_PER_CALL):
            for entry in self.accounts.email_domains({"account_ids": unique[start:start + DOMAINS_PER_CALL]}):
                found[entry["account_id"]] = entry
        return found

    def _domain_trends(self, signed: list) -> dict:
        """The domains of the window's signers; if accounts does not answer, the rest of the view still shows
        (moderators act on addresses meanwhile) and says the domains are missing."""
        try:
            domains = self._domains_of([account_id for _, account_id, _, _ in signed])
        except ServiceUnavailable:
            log.warning("accounts.email_domains unavailable: fraud view without e-mail domains")
            return {"email_domains": [], "domains_scanned": 0, "domains_unavailable": True}
        rows = [domain.SignerDomain(domains[account_id]["email_domain"], aware(at), invalidated,
                                    domain.parse_moment(domains[account_id]["registered_at"]))
                for _, account_id, at, invalidated in signed if account_id in domains]
        return {"email_domains": domain.domain_trends(rows, TRENDS_TOP), "domains_scanned": len(rows),
                "domains_unavailable": False}

    def invalidate_signatures(self, actor: dict, command: dict) -> dict:
        """Invalidate the signatures of one client address, of one e-mail domain (within a window of hours),
        or a list of signatures by id, with a public reason.

        The signatures stay recorded (and their accounts cannot sign again); the counters are recounted
        exactly from the valid ones; the action is logged. The petition's status does not go back: a petition
        that reached its threshold keeps that step (moderators see the new count)."""
        require_moderator(actor)
        check = FieldChecks()
        reason = check(domain.check_invalidation_reason, command["reason"])
        email_domain = check(domain.check_email_domain, command["email_domain"]) if command.get("email_domain") \
            else None
        check.raise_if_broken()
        by_domain = None
        if email_domain is not None:  # reads, then asks accounts: before any lock is taken
            by_domain = self._signatures_of_domain(command["petition_id"], email_domain, command["hours"])
        petition = records.petition(self.context, command["petition_id"], for_update=True)
        with rules():
            domain.check_can_invalidate(petition.opened_at)
        targets = [Signature.petition_id == petition.id]
        if by_domain is not None:
            criterion = "email_domain"
            targets.append(Signature.id.in_(by_domain))
        elif command.get("ip"):
            criterion = "ip"
            targets.append(Signature.client_ip == command["ip"])
        else:
            criterion, wanted = "ids", set(command["signature_ids"])
            found = set(self.session.execute(sa.select(Signature.id).where(
                Signature.petition_id == petition.id, Signature.id.in_(wanted))).scalars())
            if wanted - found:
                raise InvalidInput(details={"signature_ids": [
                    "Signatures inconnues sur cette pétition : " + ", ".join(map(str, sorted(wanted - found)))]})
            targets.append(Signature.id.in_(wanted))
        struck = self.session.execute(sa.select(Signature.id, Signature.account_id).where(
            *targets, Signature.invalidated_at.is_(None)).with_for_update()).all()
        ids = [signature_id for signature_id, _ in struck]
        if not ids:
            raise Conflict("Aucune signature valide ne correspond : rien à invalider.", code="NOTHING_TO_INVALIDATE")
        now = self.clock()
        entry = ModerationLogEntry(petition_id=petition.id, action="signatures_invalidated",
                                   actor_id=str(actor["account_id"]), actor_role=domain.top_role(actor["roles"]),
                                   criterion=criterion, client_ip=command.get("ip") or None,
                                   email_domain=email_domain, affected=len(ids),
                                   signatures_count=0, reason=reason, at=now)
        self.session.add(entry)
        self.session.flush()
        for start in range(0, len(ids), 1000):  # bounded IN lists
            self.session.execute(sa.update(Signature).where(Signature.id.in_(ids[start:start + 1000])).values(
                invalidated_at=now, invalidation_id=entry.id).execution_options(synchronize_session=False))
        count = self.recount(petition.id)
        forget_chart(petition.id)
        entry.signatures_count = count
        petition.updated_at = now
        records.history(self.context, petition, "signatures_invalidated", actor, code=criterion)
        records.emit(self.context, events.SIGNATURES_INVALIDATED, petition,
                     {"count": len(ids), "signatures_count": count}, actor)
        # Its personal twin (events.PERSONAL_EVENTS): whose signatures these were, so that their « Mon espace »
        # no longer shows them as signers and the petition's steps are no longer told to them. Accounts since
        # erased (account_id null) are named by nobody.
        for named in events.account_id_chunks(account_id for _, account_id in struck if account_id is not None):
            records.emit(self.context, events.PETITION_SIGNATURES_INVALIDATED, petition,
                         {"account_ids": [str(account_id) for account_id in named]}, actor)
        return {"petition_id": petition.id, "invalidated": len(ids), "signatures_count": count,
                "threshold": petition.threshold, "status": petition.status}

    def _signatures_of_domain(self, petition_id, email_domain: str, hours: int) -> list:
        """Ids of the valid signatures of the window whose account's e-mail is at the domain. Too many
        signatures in the window to look at all of them: refused, a shorter window is asked for."""
        petition = records.petition(self.context, petition_id)
        since = self.clock() - timedelta(hours=hours)
        signed = self._signers_in_window(petition.id, since, valid_only=True)
        if len(signed) > DOMAIN_SCAN_MAX:
            raise InvalidInput(details={"hours": [
                f"Plus de {DOMAIN_SCAN_MAX} signatures dans cette fenêtre : choisissez une fenêtre plus courte "
                f"pour invalider par domaine."]})
        self.session.rollback()  # only read so far: no connection, nor lock, waits on accounts
        domains = self._domains_of([account_id for _, account_id, _, _ in signed])
        return [signature_id for signature_id, account_id, _, _ in signed
                if domains.get(account_id, {}).get("email_domain") == email_domain]

    def recount(self, petition_id) -> int:
        """Set the counters to the exact number of signatures, counted from the signatures themselves.

        The counter rows are locked first: a signer that already added to one of them has committed when
        the signatures are counted; one that has not yet adds to the recounted value after this commits."""
        session = self.context.session
        recounted = records.petition(self.context, petition_id)
        shards = set(session.execute(sa.select(SignatureCounter.shard).where(
            SignatureCounter.petition_id == recounted.id).with_for_update()).scalars())
        exact = session.execute(sa.select(sa.func.count()).select_from(Signature).where(
            Signature.petition_id == recounted.id, Signature.invalidated_at.is_(None))).scalar_one()
        for shard in range(domain.COUNTER_SHARDS):
            value = exact if shard == 0 else 0
            if shard in shards:
                session.execute(sa.update(SignatureCounter).where(
                    SignatureCounter.petition_id == recounted.id, SignatureCounter.shard == shard)
                    .values(signatures=value).execution_options(synchronize_session=False))
            else:
                session.add(SignatureCounter(petition_id=recounted.id, shard=shard, signatures=value))
        recounted.signatures_count = exact
        session.flush()
        return exact

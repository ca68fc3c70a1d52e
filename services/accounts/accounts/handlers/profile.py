"""The profile, its attributes (certified by agents), and what other services read about accounts."""
import sqlalchemy as sa

from hubkit.errors import Conflict
from hubkit.sqllists import one_of

from .. import domain, events, mails
from ..models import Account, OneTimeToken
from .common import UseCases, aware, rules


class Profile(UseCases):
    use_cases = ("account_view", "get_account", "update_profile", "certify_attributes", "notify", "public_profiles",
                 "eligibility_attributes", "eligibility_attributes_many", "email_domains")

    def account_view(self, account: Account) -> dict:
        pending = self.session.execute(sa.select(OneTimeToken.email).where(
            OneTimeToken.account_id == account.id, OneTimeToken.purpose == "change_email",
            OneTimeToken.used_at.is_(None), OneTimeToken.expires_at > self.clock())
            .order_by(OneTimeToken.id.desc()).limit(1)).scalar_one_or_none()
        return {
            "id": account.id, "email": account.email, "email_verified": account.email_verified_at is not None,
            "pending_email": pending, "pseudonym": account.pseudonym, "roles": self.roles_of(account.id),
            "direction": account.direction, "birth_date": account.birth_date,
            "lives_in_paris": account.lives_in_paris, "address_line": account.address_line,
            "postcode": account.postcode, "arrondissement": account.arrondissement,
            "sector": _sector(account.arrondissement),
            "certification": {"level": account.certification, "verified_at": aware(account.certified_at)},
            "created_at": aware(account.created_at),
        }

    def get_account(self, actor_id) -> dict:
        return self.account_view(self._account(actor_id))

    def update_profile(self, actor_id, changes: dict) -> dict:
        account = self._account(actor_id, for_update=True)
        before = (account.birth_date, account.lives_in_paris, account.address_line, account.postcode)
        with rules():
            if "pseudonym" in changes:
                pseudonym = domain.check_pseudonym(changes["pseudonym"])
                self._check_pseudonym_free(pseudonym, except_id=account.id)
                account.pseudonym, account.pseudonym_key = pseudonym, domain.pseudonym_key(pseudonym)
                self._forget_sessions(account.id)  # the cached principal shows the pseudonym
            if "birth_date" in changes:
                account.birth_date = changes["birth_date"] and domain.check_birth_date(
                    changes["birth_date"], self.clock().date())
            if {"lives_in_paris", "address_line", "postcode"} & set(changes):
                lives = changes.get("lives_in_paris", account.lives_in_paris)
                if lives is None:
                    raise domain.RuleBroken("Indiquez si vous habitez à Paris.", "lives_in_paris")
                place = domain.residence(lives, changes.get("address_line", account.address_line if lives else None),
                                         changes.get("postcode", account.postcode if lives else None))
                account.lives_in_paris, account.address_line = place.lives_in_paris, place.address_line
                account.postcode, account.arrondissement = place.postcode, place.arrondissement
        after = (account.birth_date, account.lives_in_paris, account.address_line, account.postcode)
        attributes_changed = before != after
        account.certification = domain.certification_after_change(account.certification, attributes_changed)
        if attributes_changed:
            account.certified_by = account.certified_at = None
        account.updated_at = self.clock()
        self.uow.emit(events.ACCOUNT_PROFILE_UPDATED, events.subject(account.id),
                      {"account_id": account.id, "fields": sorted(changes),
                       "certification": account.certification},
                      actor=events.actor(account.id, self._top_role(account.id)))
        return self.account_view(account)

    def certify_attributes(self, actor_id, account_id) -> dict:
        agent = self._require_role(actor_id, "agent", "admin")
        account = self._account(account_id, for_update=True)
        if account.birth_date is None or account.lives_in_paris is None:
            raise Conflict("Le profil doit indiquer une date de naissance et une résidence avant d'être vérifié.",
                           code="PROFILE_INCOMPLETE")
        account.certification, account.certified_by = domain.VERIFIED, agent.id
        account.certified_at = account.updated_at = self.clock()
        self.uow.emit(events.ACCOUNT_ATTRIBUTES_CERTIFIED, events.subject(account.id),
                      {"account_id": account.id, "level": domain.VERIFIED},
                      actor=events.actor(agent.id, self._top_role(agent.id)))
        return self.account_view(account)

    def notify(self, command: dict) -> int:
        """Queue an e-mail to each active, verified account among `account_ids`; returns how many.

        For services that hold no addresses (ideas, petitions...): they decide who wants the
        message (opt-ins, follows) and what it says; accounts only knows where to send it.

        With `event_id` and `purpose`, once only: recorded in `processed_events` in the transaction that queues the
        e-mails, so a caller retrying after its wait ran out (the first call may have queued them) queues nothing
        again, and two concurrent calls queue them once (the second waits for the first's row, then skips).

        With `list_unsubscribe_url` (the caller's one-click link for this recipient) each mail ends with the link and
        carries it in its List-Unsubscribe headers (RFC 8058).
        """
        if "event_id" in command and not self.uow.first_delivery({"event_id": command["event_id"]},
                                                                 f"notify:{command['purpose']}"):
            return 0
        rows = self.session.execute(sa.select(Account.email, Account.pseudonym).where(
            Account.id.in_([str(account_id) for account_id in command["account_ids"]]),
            Account.status == "active", Account.email_verified_at.is_not(None))).all()
        unsubscribe_url = command.get("list_unsubscribe_url")
        headers = mails.unsubscribe_headers(unsubscribe_url) if unsubscribe_url else None
        for row in rows:
            self._mail(row.email, mails.notification(row.pseudonym, command["subject"], command["body"],
                                                     unsubscribe_url), headers)
        return len(rows)

    def public_profiles(self, account_ids: list) -> list:
        """Pseudonyms of active accounts, for services that display authors (deleted accounts are absent), and
        when each was created (ideas: only accounts old enough hide an item by reporting it)."""
        rows = self.session.execute(sa.select(Account.id, Account.pseudonym, Account.created_at).where(
            Account.id.in_([str(account_id) for account_id in account_ids]), Account.status == "active"))
        return [{"account_id": row.id, "pseudonym": row.pseudonym, "registered_at": aware(row.created_at)}
                for row in rows]

    def eligibility_attributes(self, account_id) -> dict:
        account = self._account(account_id)
        return _eligibility(account.id, account.lives_in_paris, account.arrondissement, account.birth_date,
                            account.certification, account.email_verified_at is not None)

    def eligibility_attributes_many(self, account_ids: list) -> list:
        """The eligibility attributes of several accounts in one query (hot paths that check a batch of
        signers or voters at once); deleted and unknown accounts are absent.

        Only the columns the attributes need (no ORM objects, no timestamps to parse), and on PostgreSQL the ids
        as ONE array parameter: a list of hundreds of parameters (IN (...)) is a new query for the driver to parse
        every time (hubkit.sqllists)."""
        ids = [str(account_id) for account_id in account_ids]
        wanted = one_of(Account.id, ids, self.session.get_bind().dialect.name == "postgresql")
        rows = self.session.execute(sa.select(*ELIGIBILITY_COLUMNS).where(wanted, Account.status == "active"))
        return [_eligibility(*row) for row in rows.all()]

    def email_domains(self, account_ids: list) -> list:
        """The domain of each account's e-mail address, never the address, and when the account was created:
        for petitions' anti-fraud view (signatures in series from one domain, or from accounts created just
        to sign). Deleted and unknown accounts are absent."""
        rows = self.session.execute(sa.select(Account.id, Account.email, Account.created_at).where(
            Account.id.in_([str(account_id) for account_id in account_ids]), Account.status == "active",
            Account.email.is_not(None)))
        return [{"account_id": row.id, "email_domain": domain.email_domain(row.email),
                 "registered_at": aware(row.created_at)} for row in rows]


ELIGIBILITY_COLUMNS = (Account.id, Account.lives_in_paris, Account.arrondissement, Account.birth_date,
                       Account.certification, Account.email_verified_at.is_not(None))


def _eligibility(account_id, lives_in_paris, arrondissement, birth_date, certification, email_verified) -> dict:
    """What the budget's and petitions' eligibility rules read about an account (no address, no e-mail)."""
    return {"account_id": account_id, "lives_in_paris": lives_in_paris, "arrondissement": arrondissement,
            "sector": _sector(arrondissement), "birth_date": birth_date, "certification": certification,
            "email_verified": bool(email_verified)}


def _sector(arrondissement: int | None) -> dict | None:
    if arrondissement is None:
        return None
    sector = domain.sector_of(arrondissement)
    return {"code": sector.code, "label": sector.label, "insee": sector.insee}

"""Registration, e-mail verification and e-mail changes.

Nothing here tells whether an address has an account: a registration with a known address answers the same, costs
the same (a password hash), and holds the pseudonym the same way (a reservation for the address's owner, as a new
account would hold it); only the owner of the address is told, by e-mail."""
from hubkit.errors import Conflict, InvalidInput

from .. import business_metrics, domain, events, mails
from ..models import Account, PseudonymReservation
from . import passwords
from .common import UseCases, rules

REGISTER_WINDOW = 60 * 60  # the limit per client address: settings.registrations_per_ip
RESEND_LIMIT, RESEND_WINDOW = 3, 60 * 60
EMAIL_CHANGE_WINDOW = 60 * 60  # the limits: settings.email_changes_per_account, settings.email_changes_per_ip
TOO_MANY_EMAIL_CHANGES = "Trop de demandes de changement d'adresse : réessayez dans une heure."


class Registration(UseCases):
    use_cases = ("register", "verify_email", "resend_verification", "request_email_change", "confirm_email_change")

    def register(self, command: dict) -> dict:
        client_ip = command["client"].get("ip") or "unknown"
        self.throttle.consume("register-ip", client_ip, self.settings.registrations_per_ip, REGISTER_WINDOW)
        email = domain.normalise_email(command["email"])
        with rules():
            pseudonym = domain.check_pseudonym(command["pseudonym"])
            domain.check_password(command["password"], email, pseudonym)
        self._check_pseudonym_free(pseudonym)  # before the address is looked up: the answer cannot depend on it
        password_hash = passwords.hash_password(command["password"])  # either way: the same time
        existing = self._by_email(email)
        if existing is not None:
            self._reserve_pseudonym(pseudonym, existing)
            self._mail(email, mails.already_registered(existing.pseudonym))
            return {"status": "verification_sent"}
        now = self.clock()
        account = Account(email=email, password_hash=password_hash, pseudonym=pseudonym,
                          pseudonym_key=domain.pseudonym_key(pseudonym), status="active",
                          certification=domain.DECLARED, created_at=now, updated_at=now)
        self.session.add(account)
        self.session.flush()
        self._mail(email, mails.verify_email(pseudonym, self._issue_token(
            account, "verify_email", domain.VERIFY_EMAIL_TTL, email)))
        self.uow.emit(events.ACCOUNT_REGISTERED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, "citizen"))
        # a new account only (a known address answers the same but is not a registration), once committed
        self.uow.on_commit(business_metrics.count_registration)
        return {"status": "verification_sent"}

    def _reserve_pseudonym(self, pseudonym: str, owner: Account):
        """A registration with a known address holds its pseudonym as a new account would: otherwise registering
        the pseudonym again with another address would tell whether the first address had an account. The owner
        of the address may still take it."""
        key = domain.pseudonym_key(pseudonym)
        if self.session.get(PseudonymReservation, key) is None:
            self.session.add(PseudonymReservation(pseudonym_key=key, account_id=owner.id,
                                                  reserved_at=self.clock()))

    def verify_email(self, secret: str) -> Account:
        token = self._redeem_token(secret, "verify_email")
        account = self._account(token.account_id)
        if account.email != token.email:
            raise InvalidInput("Ce lien ne correspond plus à l'adresse du compte.",
                               details={"token": ["Lien périmé."]}, code="INVALID_TOKEN")
        if account.email_verified_at is None:
            account.email_verified_at = account.updated_at = self.clock()
            self.uow.emit(events.ACCOUNT_EMAIL_VERIFIED, events.subject(account.id), {"account_id": account.id},
                          actor=events.actor(account.id, "citizen"))
        return account

    def resend_verification(self, command: dict):
        email = domain.normalise_email(command["email"])
        self.throttle.consume("resend", domain.digest(email), RESEND_LIMIT, RESEND_WINDOW)
        account = self._by_email(email)
        if account is not None and account.email_verified_at is None:
            self._mail(email, mails.verify_email(account.pseudonym, self._issue_token(
                account, "verify_email", domain.VERIFY_EMAIL_TTL, email)))

    def request_email_change(self, actor_id, command: dict):
        account = self._account(actor_id)
        client_ip = command["client"].get("ip") or "unknown"
        self.throttle.consume_all([
            ("email-change-account", account.id, self.settings.email_changes_per_account, EMAIL_CHANGE_WINDOW,
             TOO_MANY_EMAIL_CHANGES),
            ("email-change-ip", client_ip, self.settings.email_changes_per_ip, EMAIL_CHANGE_WINDOW,
             TOO_MANY_EMAIL_CHANGES)])
        self._check_password(account, command["password"], command["client"])
        new_email = domain.normalise_email(command["new_email"])
        if new_email == account.email:
            raise InvalidInput(details={"new_email": ["C'est déjà l'adresse de votre compte."]})
        if self._by_email(new_email) is None:
            self._mail(new_email, mails.confirm_new_email(account.pseudonym, self._issue_token(
                account, "change_email", domain.CHANGE_EMAIL_TTL, new_email)))
        else:
            self._mail(new_email, mails.already_registered(account.pseudonym))
        self._mail(account.email, mails.email_change_notice(account.pseudonym))

    def confirm_email_change(self, secret: str) -> Account:
        token = self._redeem_token(secret, "change_email")
        account = self._account(token.account_id, for_update=True)
        if self._by_email(token.email) is not None:
            raise Conflict("Cette adresse est déjà utilisée par un autre compte.",
                           details={"token": ["Adresse déjà utilisée."]}, code="EMAIL_TAKEN")
        account.email = token.email
        account.email_verified_at = account.updated_at = self.clock()
        # links sent to the old address (password reset) or to other new ones no longer apply
        self._revoke_tokens(account.id, "reset_password", "change_email")
        self.uow.emit(events.ACCOUNT_EMAIL_CHANGED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, self._top_role(account.id)))
        return account

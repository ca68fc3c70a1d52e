"""Password resets and changes: each ends the other sessions and every reset link still pending."""
from hubkit.errors import InvalidInput

from .. import domain, events, mails
from ..models import Account
from . import passwords
from .common import UseCases
from .sessions import Sessions

RESET_LIMIT, RESET_WINDOW = 3, 60 * 60


class Credentials(UseCases):
    use_cases = ("request_password_reset", "reset_password", "change_password")

    def __init__(self, context):
        super().__init__(context)
        self.sessions = Sessions(context)

    def request_password_reset(self, command: dict):
        email = domain.normalise_email(command["email"])
        self.throttle.consume("reset", domain.digest(email), RESET_LIMIT, RESET_WINDOW)
        account = self._by_email(email)
        if account is not None:
            self._mail(email, mails.reset_password(account.pseudonym, self._issue_token(
                account, "reset_password", domain.RESET_PASSWORD_TTL)))

    def reset_password(self, command: dict):
        token = self._redeem_token(command["token"], "reset_password")
        account = self._account(token.account_id, for_update=True)
        self._set_password(account, command["password"])
        # whoever holds the mailbox proved it: the address counts as verified
        account.email_verified_at = account.email_verified_at or self.clock()
        self.sessions.revoke_all(account.id)

    def change_password(self, actor_id, session_id, command: dict):
        account = self._account(actor_id, for_update=True)
        self._check_password(account, command["current_password"], command["client"], field="current_password",
                             message="Mot de passe actuel incorrect.")
        self._set_password(account, command["new_password"], field="new_password")
        self.sessions.revoke_all(account.id, keep_session_id=session_id)

    def _set_password(self, account: Account, password: str, field: str = "password"):
        try:
            domain.check_password(password, account.email, account.pseudonym)
        except domain.RuleBroken as broken:
            raise InvalidInput(details={field: [broken.message]}) from None
        account.password_hash = passwords.hash_password(password)
        account.updated_at = self.clock()
        self._revoke_tokens(account.id, "reset_password")  # an older reset link must not undo this one
        self._mail(account.email, mails.password_changed(account.pseudonym))
        self.uow.emit(events.ACCOUNT_PASSWORD_CHANGED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, self._top_role(account.id)))

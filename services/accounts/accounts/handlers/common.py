"""What every use case of the accounts service shares: its context (unit of work, throttle, session cache, settings,
clock), lookups, pseudonyms taken, one-time tokens, mails, cached sessions to drop, and the limits on guessing a
password."""
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow  # noqa: F401  (re-exported for the use-case modules)
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .. import domain
from ..models import Account, OneTimeToken, PseudonymReservation, RoleAssignment, Session
from ..settings import AccountsSettings, settings
from . import passwords

log = logging.getLogger("accounts.handlers")

# Password guesses: at login, per client address and per (account, client address), so an attacker backs off their
# own client and never locks the owner out; at a re-check (password, e-mail, deletion), per (account, client) and
# per account (only someone already holding one of its sessions can spend that). Counted when tried, atomically,
# and given back when the password was right. Per-address limits are settable (settings.py): a library or town-hall
# kiosk puts many citizens behind one address.
GUESS_WINDOW = 15 * 60
RECHECK_ACCOUNT_LIMIT = 20
TOO_MANY_GUESSES = "Trop d'essais de mot de passe : réessayez dans quelques minutes."


def rules():
    """A broken business rule becomes a field-level validation error (or a conflict it names)."""
    return hub_rules.rules_as_errors(domain.RuleBroken)


@dataclass(frozen=True)
class Context:
    """What the use-case groups of one unit of work share. `session_cache`: the gateway's cache of resolved sessions
    (hubkit.sessions; None from the command line and tests that do not read it)."""
    uow: object
    throttle: object
    session_cache: object = None
    settings: AccountsSettings = field(default_factory=settings)
    clock: Callable[[], datetime] = utcnow


class UseCases:
    """The base of the use-case groups: each runs in one unit of work (one transaction), on one context."""

    def __init__(self, context: Context):
        self.context = context
        self.uow, self.throttle, self.clock = context.uow, context.throttle, context.clock
        self.session_cache, self.settings = context.session_cache, context.settings

    @property
    def session(self):
        return self.uow.session

    # --- lookups --------------------------------------------------------------------------

    def _account(self, account_id, for_update=False) -> Account:
        account = self.session.get(Account, str(account_id), with_for_update=for_update)
        if account is None or account.status != "active":
            raise NotFound("Compte introuvable.")
        return account

    def _by_email(self, email: str) -> Account | None:
        return self.session.execute(sa.select(Account).where(
            Account.email == domain.normalise_email(email), Account.status == "active")).scalar_one_or_none()

    def roles_of(self, account_id: str) -> list:
        granted = self.session.execute(sa.select(RoleAssignment.role).where(
            RoleAssignment.account_id == account_id)).scalars()
        return ["citizen", *sorted(set(granted) - {"citizen"}, key=domain.ROLES.index)]

    def _require_role(self, actor_id, *roles) -> Account:
        actor = self._account(actor_id)
        if not set(roles) & set(self.roles_of(actor.id)):
            raise PermissionDenied()
        return actor

    def _top_role(self, account_id: str) -> str:
        return self.roles_of(account_id)[-1]

    def _check_pseudonym_free(self, pseudonym: str, except_id: str = None):
        key = domain.pseudonym_key(pseudonym)
        holders = {self.session.execute(sa.select(Account.id).where(Account.pseudonym_key == key)).scalar_one_or_none(),
                   self.session.execute(sa.select(PseudonymReservation.account_id).where(
                       PseudonymReservation.pseudonym_key == key)).scalar_one_or_none()} - {None, except_id}
        if holders:
            raise Conflict("Ce pseudonyme est déjà pris.", details={"pseudonym": ["Ce pseudonyme est déjà pris."]},
                           code="PSEUDONYM_TAKEN")

    def _forget_sessions(self, account_id: str = None, digests=()):
        """After commit, drop cached principals: of the given sessions, or of every session of an account."""
        if self.session_cache is None:
            return
        digests = list(digests)
        if account_id is not None:
            digests += self.session.execute(sa.select(Session.token_digest).where(
                Session.account_id == account_id)).scalars().all()
        self.uow.on_commit(lambda: self.session_cache.drop(digests))

    # --- one-time tokens and mails ----------------------------------------------------------------

    def _issue_token(self, account: Account, purpose: str, ttl, email: str = None) -> str:
        secret = domain.new_secret()
        now = self.clock()
        self.session.add(OneTimeToken(account_id=account.id, purpose=purpose, token_digest=domain.digest(secret),
                                      email=email, created_at=now, expires_at=now + ttl))
        return secret

    def _redeem_token(self, secret: str, purpose: str) -> OneTimeToken:
        token = self.session.execute(sa.select(OneTimeToken).where(
            OneTimeToken.token_digest == domain.digest(secret), OneTimeToken.purpose == purpose)
            .with_for_update()).scalar_one_or_none()
        if token is None or token.used_at is not None or aware(token.expires_at) <= self.clock():
            raise InvalidInput("Ce lien n'est pas valide : il a expiré ou a déjà servi.",
                               details={"token": ["Lien invalide, expiré ou déjà utilisé."]}, code="INVALID_TOKEN")
        token.used_at = self.clock()
        return token

    def _revoke_tokens(self, account_id: str, *purposes: str):
        """The account's links of these purposes still unused stop working (marked used now)."""
        self.session.execute(sa.update(OneTimeToken).where(
            OneTimeToken.account_id == account_id, OneTimeToken.purpose.in_(purposes),
            OneTimeToken.used_at.is_(None)).values(used_at=self.clock()))

    def _mail(self, recipient: str, message: tuple, headers: dict = None):
        subject, body = message
        self.uow.queue_mail(recipient, subject, body, headers=headers)

    # --- passwords --------------------------------------------------------------------------

    def _password_matches(self, account: Account | None, password: str) -> bool:
        return passwords.matches(account.password_hash if account else None, password)

    def _guess_limits(self, account_key: str, client: dict, per_account: bool) -> list:
        ip = client.get("ip") or "unknown"
        limits = [("login-ip", ip, self.settings.login_failures_per_ip, GUESS_WINDOW, TOO_MANY_GUESSES),
                  ("guess-account-ip", f"{account_key}:{ip}", self.settings.login_failures_per_account_and_ip,
                   GUESS_WINDOW, TOO_MANY_GUESSES)]
        if per_account:
            limits.append(("recheck-account", account_key, RECHECK_ACCOUNT_LIMIT, GUESS_WINDOW, TOO_MANY_GUESSES))
        return limits

    def _guess(self, limits: list, account: Account | None, password: str) -> bool:
        """Count a password guess under `limits` (atomically; RateLimited when one is used up), then check it; a
        right password takes its guess back, and clears the failures of this client on this account."""
        self.throttle.consume_all(limits)
        if not self._password_matches(account, password):
            return False
        for bucket, key, *_ in limits:
            if bucket == "guess-account-ip":
                self.throttle.reset(bucket, key)
            else:
                self.throttle.refund(bucket, key)
        return True

    def _check_password(self, account: Account, password: str, client: dict, field: str = "password",
                        message: str = "Mot de passe incorrect."):
        """The password re-check of a sensitive change, limited like logins."""
        if not self._guess(self._guess_limits(account.id, client, per_account=True), account, password):
            raise InvalidInput(message, details={field: [message]}, code="WRONG_PASSWORD")


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value

"""Use cases of the accounts service: each runs in one unit of work (one transaction)."""
import logging
from datetime import date, datetime

import sqlalchemy as sa

from hubkit import rules as hub_rules
from hubkit.clock import aware, utcnow
from hubkit.config import env_int
from hubkit.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from hubkit.sqllists import one_of

from . import domain, events, mails, passwords
from .models import Account, OneTimeToken, RoleAssignment, RoleChange, Session
from .schemas import PrincipalSchema

log = logging.getLogger(__name__)

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
# Failed logins per account and per client address in 15 minutes; registrations per address per hour.
# Per-address limits are settable: a library or town-hall kiosk puts many citizens behind one address.
ACCOUNT_LIMIT, LOGIN_WINDOW = 5, 15 * 60
IP_LIMIT = env_int("ACCOUNTS_LOGIN_FAILURES_PER_IP", 50)
RESET_LIMIT, RESET_WINDOW = 3, 60 * 60
REGISTER_IP_LIMIT, REGISTER_WINDOW = env_int("ACCOUNTS_REGISTRATIONS_PER_IP", 30), 60 * 60


def rules():
    """A broken business rule becomes a field-level validation error (or a conflict it names)."""
    return hub_rules.rules_as_errors(domain.RuleBroken)


class Accounts:
    def __init__(self, uow, throttle, clock=utcnow, session_cache=None):
        self.uow, self.throttle, self.clock, self.session_cache = uow, throttle, clock, session_cache

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

    def _mail(self, recipient: str, message: tuple):
        subject, body = message
        self.uow.queue_mail(recipient, subject, body)

    # --- registration and e-mail --------------------------------------------------------------

    def register(self, command: dict) -> dict:
        client_ip = command["client"].get("ip") or "unknown"
        self.throttle.consume("register-ip", client_ip, REGISTER_IP_LIMIT, REGISTER_WINDOW)
        email = domain.normalise_email(command["email"])
        with rules():
            pseudonym = domain.check_pseudonym(command["pseudonym"])
            domain.check_password(command["password"], email, pseudonym)
        existing = self._by_email(email)
        if existing is not None:
            # Same answer as a new registration: the owner is told by e-mail, nobody else learns anything.
            self._mail(email, mails.already_registered(existing.pseudonym))
            return {"status": "verification_sent"}
        self._check_pseudonym_free(pseudonym)
        now = self.clock()
        password_hash = passwords.hash_password(command["password"])
        account = Account(email=email, password_hash=password_hash, pseudonym=pseudonym,
                          pseudonym_key=domain.pseudonym_key(pseudonym), status="active",
                          certification=domain.DECLARED, created_at=now, updated_at=now)
        self.session.add(account)
        self.session.flush()
        self._mail(email, mails.verify_email(pseudonym, self._issue_token(
            account, "verify_email", domain.VERIFY_EMAIL_TTL, email)))
        self.uow.emit(events.ACCOUNT_REGISTERED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, "citizen"))
        return {"status": "verification_sent"}

    def _check_pseudonym_free(self, pseudonym: str, except_id: str = None):
        taken = self.session.execute(sa.select(Account.id).where(
            Account.pseudonym_key == domain.pseudonym_key(pseudonym))).scalar_one_or_none()
        if taken is not None and taken != except_id:
            raise Conflict("Ce pseudonyme est déjà pris.", details={"pseudonym": ["Ce pseudonyme est déjà pris."]},
                           code="PSEUDONYM_TAKEN")

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
        self.throttle.consume("resend", domain.digest(email), RESET_LIMIT, RESET_WINDOW)
        account = self._by_email(email)
        if account is not None and account.email_verified_at is None:
            self._mail(email, mails.verify_email(account.pseudonym, self._issue_token(
                account, "verify_email", domain.VERIFY_EMAIL_TTL, email)))

    def request_email_change(self, actor_id, command: dict):
        account = self._account(actor_id)
        self._check_password(account, command["password"])
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
        self.uow.emit(events.ACCOUNT_EMAIL_CHANGED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, self._top_role(account.id)))
        return account

    # --- sessions -----------------------------------------------------------------------

    def login(self, command: dict) -> dict:
        email = domain.normalise_email(command["email"])
        email_key, ip = domain.digest(email), command["client"].get("ip") or "unknown"
        self.throttle.check("login-account", email_key, ACCOUNT_LIMIT)
        self.throttle.check("login-ip", ip, IP_LIMIT)
        account = self._by_email(email)
        if not self._password_matches(account, command["password"]):
            self.throttle.hit("login-account", email_key, LOGIN_WINDOW)
            self.throttle.hit("login-ip", ip, LOGIN_WINDOW)
            raise AuthenticationFailed(LOGIN_FAILED, code="INVALID_CREDENTIALS")
        self.throttle.reset("login-account", email_key)
        if account.email_verified_at is None:
            raise PermissionDenied("Confirmez d'abord votre adresse e-mail : nous vous avons envoyé un lien.",
                                   code="EMAIL_NOT_VERIFIED")
        if passwords.needs_rehash(account.password_hash):
            account.password_hash = passwords.hash_password(command["password"])
        secret = domain.new_secret()
        now = self.clock()
        session = Session(account_id=account.id, token_digest=domain.digest(secret), kind=command["session_kind"],
                          label=_label(command["client"].get("user_agent")), created_at=now, last_seen_at=now,
                          expires_at=now + domain.SESSION_TTL)
        self.session.add(session)
        self.session.flush()
        principal = self._principal(account, session)
        self._cache_principal(session, principal, now)  # the first signed-in request needs no RPC
        return {"token": secret, "principal": principal}

    def _password_matches(self, account: Account | None, password: str) -> bool:
        return passwords.matches(account.password_hash if account else None, password)

    def _check_password(self, account: Account, password: str):
        if not self._password_matches(account, password):
            raise InvalidInput("Mot de passe incorrect.", details={"password": ["Mot de passe incorrect."]},
                               code="WRONG_PASSWORD")

    def _principal(self, account: Account, session: Session) -> dict:
        return {"account_id": account.id, "session_id": session.id, "pseudonym": account.pseudonym,
                "roles": self.roles_of(account.id), "direction": account.direction,
                "expires_at": aware(session.expires_at)}

    def _live_session(self, secret: str) -> Session:
        session = self.session.execute(sa.select(Session).where(
            Session.token_digest == domain.digest(secret))).scalar_one_or_none()
        if session is None or session.revoked_at is not None or aware(session.expires_at) <= self.clock():
            raise AuthenticationFailed("Session expirée : reconnectez-vous.", code="SESSION_EXPIRED")
        return session

    def resolve_session(self, secret: str) -> dict:
        session = self._live_session(secret)
        account = self._account(session.account_id)
        now = self.clock()
        if (now - aware(session.last_seen_at)).total_seconds() > 300:  # bounded writes: once per 5 minutes
            session.last_seen_at = now
        principal = self._principal(account, session)
        self._cache_principal(session, principal, now)
        return principal

    def _cache_principal(self, session: Session, principal: dict, now):
        """After commit, let the gateway find who is behind this session without asking (hubkit.sessions)."""
        if self.session_cache is not None:
            ttl = int((aware(session.expires_at) - now).total_seconds())
            cached = PrincipalSchema().dump(principal)
            self.uow.on_commit(lambda: self.session_cache.put(session.token_digest, cached, ttl))

    def _forget_sessions(self, account_id: str = None, digests=()):
        """After commit, drop cached principals: of the given sessions, or of every session of an account."""
        if self.session_cache is None:
            return
        digests = list(digests)
        if account_id is not None:
            digests += self.session.execute(sa.select(Session.token_digest).where(
                Session.account_id == account_id)).scalars().all()
        self.uow.on_commit(lambda: self.session_cache.drop(digests))

    def logout(self, secret: str):
        try:
            self._live_session(secret).revoked_at = self.clock()
        except AuthenticationFailed:
            pass  # already gone: logging out is idempotent
        self._forget_sessions(digests=[domain.digest(secret)])

    def list_sessions(self, actor_id, current_session_id: str = None) -> list:
        account = self._account(actor_id)
        rows = self.session.execute(sa.select(Session).where(
            Session.account_id == account.id, Session.revoked_at.is_(None),
            Session.expires_at > self.clock()).order_by(Session.last_seen_at.desc())).scalars()
        return [{"id": s.id, "kind": s.kind, "label": s.label, "created_at": aware(s.created_at),
                 "last_seen_at": aware(s.last_seen_at), "expires_at": aware(s.expires_at),
                 "current": s.id == current_session_id} for s in rows]

    def revoke_session(self, actor_id, session_id):
        session = self.session.get(Session, str(session_id))
        if session is None or session.account_id != str(actor_id):
            raise NotFound("Session introuvable.")
        session.revoked_at = session.revoked_at or self.clock()
        self._forget_sessions(digests=[session.token_digest])

    def _revoke_all(self, account_id: str, keep_session_id: str = None):
        self._forget_sessions(account_id)
        self.session.execute(sa.update(Session).where(
            Session.account_id == account_id, Session.revoked_at.is_(None),
            Session.id != (keep_session_id or "")).values(revoked_at=self.clock()))

    # --- passwords ----------------------------------------------------------------------------

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
        self._revoke_all(account.id)

    def change_password(self, actor_id, session_id, command: dict):
        account = self._account(actor_id, for_update=True)
        try:
            self._check_password(account, command["current_password"])
        except InvalidInput:
            raise InvalidInput(details={"current_password": ["Mot de passe actuel incorrect."]},
                               code="WRONG_PASSWORD") from None
        self._set_password(account, command["new_password"], field="new_password")
        self._revoke_all(account.id, keep_session_id=session_id)

    def _set_password(self, account: Account, password: str, field: str = "password"):
        try:
            domain.check_password(password, account.email, account.pseudonym)
        except domain.RuleBroken as broken:
            raise InvalidInput(details={field: [broken.message]}) from None
        account.password_hash = passwords.hash_password(password)
        account.updated_at = self.clock()
        self._mail(account.email, mails.password_changed(account.pseudonym))
        self.uow.emit(events.ACCOUNT_PASSWORD_CHANGED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, self._top_role(account.id)))

    # --- profile and attributes -------------------------------------------------------------

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
        """
        rows = self.session.execute(sa.select(Account.email, Account.pseudonym).where(
            Account.id.in_([str(account_id) for account_id in command["account_ids"]]),
            Account.status == "active", Account.email_verified_at.is_not(None))).all()
        for row in rows:
            self._mail(row.email, mails.notification(row.pseudonym, command["subject"], command["body"]))
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

    # --- roles ------------------------------------------------------------------------------

    def grant_role(self, actor_id, command: dict) -> dict:
        admin = self._require_role(actor_id, "admin")
        account = self._account(command["account_id"], for_update=True)
        with rules():
            domain.check_grant(command["role"], command["direction"])
        self._grant(account, command["role"], command["direction"], by=admin.id)
        return self.account_view(account)

    def _grant(self, account: Account, role: str, direction: str | None, by: str | None):
        now = self.clock()
        if self.session.get(RoleAssignment, (account.id, role)) is None:
            self.session.add(RoleAssignment(account_id=account.id, role=role, granted_by=by, granted_at=now))
        if role == "agent":
            account.direction = direction
        self.session.add(RoleChange(account_id=account.id, role=role, direction=direction, action="granted",
                                    changed_by=by, changed_at=now))
        self._forget_sessions(account.id)
        self.session.flush()
        self.uow.emit(events.ROLE_GRANTED, events.subject(account.id),
                      {"account_id": account.id, "role": role, "direction": direction},
                      actor=events.actor(by, "admin" if by else "system"))

    def revoke_role(self, actor_id, command: dict) -> dict:
        admin = self._require_role(actor_id, "admin")
        account = self._account(command["account_id"], for_update=True)
        admins = self.session.execute(sa.select(sa.func.count()).select_from(RoleAssignment).where(
            RoleAssignment.role == "admin")).scalar_one()
        with rules():
            domain.check_revoke(command["role"], is_last_admin=admins <= 1)
        assignment = self.session.get(RoleAssignment, (account.id, command["role"]))
        if assignment is None:
            raise NotFound("Ce compte n'a pas ce rôle.")
        self.session.delete(assignment)
        if command["role"] == "agent":
            account.direction = None
        self.session.add(RoleChange(account_id=account.id, role=command["role"], action="revoked",
                                    changed_by=admin.id, changed_at=self.clock()))
        self._forget_sessions(account.id)
        self.session.flush()
        self.uow.emit(events.ROLE_REVOKED, events.subject(account.id),
                      {"account_id": account.id, "role": command["role"]}, actor=events.actor(admin.id, "admin"))
        return self.account_view(account)

    def search_accounts(self, actor_id, query: dict) -> list:
        self._require_role(actor_id, "admin", "agent")
        statement = sa.select(Account).where(Account.status == "active")
        if query["query"]:
            pattern = f"%{query['query'].strip().lower()}%"
            statement = statement.where(sa.or_(sa.func.lower(Account.pseudonym).like(pattern),
                                               Account.email.like(pattern)))
        if query["role"] and query["role"] != "citizen":
            statement = statement.join(RoleAssignment).where(RoleAssignment.role == query["role"])
        statement = statement.order_by(Account.created_at.desc()).limit(query["limit"]).offset(query["offset"])
        return [self.account_view(account) for account in self.session.execute(statement).scalars()]

    def create_verified_account(self, email: str, password: str, pseudonym: str) -> Account:
        """From the command line only (first admin, demo accounts): the e-mail counts as verified."""
        email = domain.normalise_email(email)
        account = self._by_email(email)
        if account is not None:
            return account
        with rules():
            pseudonym = domain.check_pseudonym(pseudonym)
            domain.check_password(password, email, pseudonym)
        self._check_pseudonym_free(pseudonym)
        now = self.clock()
        password_hash = passwords.hash_password(password)
        account = Account(email=email, password_hash=password_hash, pseudonym=pseudonym,
                          pseudonym_key=domain.pseudonym_key(pseudonym), status="active",
                          certification=domain.DECLARED, created_at=now, updated_at=now, email_verified_at=now)
        self.session.add(account)
        self.session.flush()
        self.uow.emit(events.ACCOUNT_REGISTERED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(None, "system"))
        return account

    def ensure_role(self, account: Account, role: str, direction: str | None = None):
        with rules():
            domain.check_grant(role, direction)
        if role not in self.roles_of(account.id):
            self._grant(account, role, direction, by=None)

    def create_admin(self, email: str, password: str, pseudonym: str) -> Account:
        account = self.create_verified_account(email, password, pseudonym)
        self.ensure_role(account, "admin")
        return account

    # --- GDPR -------------------------------------------------------------------------------

    def export_personal_data(self, actor_id) -> dict:
        account = self._account(actor_id)
        sessions = self.session.execute(sa.select(Session).where(Session.account_id == account.id)).scalars()
        role_history = self.session.execute(sa.select(RoleChange).where(
            RoleChange.account_id == account.id).order_by(RoleChange.id)).scalars()
        view = self.account_view(account)
        return {
            "account": {**view, "birth_date": _iso(view["birth_date"]), "created_at": _iso(view["created_at"]),
                        "certification": {**view["certification"],
                                          "verified_at": _iso(view["certification"]["verified_at"])},
                        "email_verified_at": _iso(aware(account.email_verified_at)),
                        "updated_at": _iso(aware(account.updated_at))},
            "sessions": [{"id": s.id, "kind": s.kind, "label": s.label, "created_at": _iso(aware(s.created_at)),
                          "last_seen_at": _iso(aware(s.last_seen_at)), "expires_at": _iso(aware(s.expires_at)),
                          "revoked_at": _iso(aware(s.revoked_at))} for s in sessions],
            "role_history": [{"role": r.role, "direction": r.direction, "action": r.action,
                              "changed_at": _iso(aware(r.changed_at))} for r in role_history],
        }

    def delete_account(self, actor_id, command: dict):
        account = self._account(actor_id, for_update=True)
        self._check_password(account, command["password"])
        if "admin" in self.roles_of(account.id):
            admins = self.session.execute(sa.select(sa.func.count()).select_from(RoleAssignment).where(
                RoleAssignment.role == "admin")).scalar_one()
            if admins <= 1:
                raise Conflict("Le dernier administrateur ne peut pas supprimer son compte.", code="LAST_ADMIN")
        role = self._top_role(account.id)
        mails_table = self.uow._tables["mails"]
        self.session.execute(mails_table.delete().where(mails_table.c.recipient == account.email,
                                                        mails_table.c.sent_at.is_(None)))
        self._forget_sessions(account.id)
        for model in (Session, OneTimeToken, RoleAssignment):
            self.session.execute(sa.delete(model).where(model.account_id == account.id))
        for column in ("email", "email_verified_at", "password_hash", "pseudonym", "pseudonym_key", "birth_date",
                       "lives_in_paris", "address_line", "postcode", "arrondissement", "certified_by",
                       "certified_at", "direction"):
            setattr(account, column, None)
        account.status, account.certification = "deleted", domain.DECLARED
        account.deleted_at = account.updated_at = self.clock()
        self.uow.emit(events.ACCOUNT_DELETED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, role))


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


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _label(user_agent: str) -> str:
    """A short, non-identifying description of the device, to recognise one's sessions."""
    agent = (user_agent or "").lower()
    browser = next((name for key, name in (("firefox", "Firefox"), ("edg", "Edge"), ("chrome", "Chrome"),
                                           ("safari", "Safari"), ("curl", "curl"), ("python", "Script"))
                    if key in agent), "Navigateur")
    system = next((name for key, name in (("android", "Android"), ("iphone", "iPhone"), ("windows", "Windows"),
                                          ("mac os", "macOS"), ("linux", "Linux")) if key in agent), "")
    return f"{browser} {system}".strip()[:120]

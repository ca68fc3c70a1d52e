"""Logins, sessions and their timeouts, and the gateway's session cache.

A session ends at the first of: its absolute lifetime, an idle time without a request, a logout or revocation.
Staff sessions (agents, moderators, admins) have shorter ones, decided on every resolution from the roles of the
moment: a role change applies from the next request (the cached principal is dropped when roles change)."""
from datetime import timedelta

import sqlalchemy as sa

from hubkit.errors import AuthenticationFailed, NotFound, PermissionDenied

from .. import domain
from ..models import Account, Session
from ..schemas import PrincipalSchema
from . import passwords
from .common import UseCases, aware

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."
# Built once: the principal is dumped for the gateway's cache at every login and resolution.
PRINCIPAL = PrincipalSchema()
# last_seen_at is written at most this often per session (the gateway's cache spares most resolutions anyway).
LAST_SEEN_EVERY = timedelta(minutes=1)


class Sessions(UseCases):
    """Timeouts: settings.citizen_sessions and settings.staff_sessions (docs/security/accounts.md)."""
    use_cases = ("login", "resolve_session", "logout", "list_sessions", "revoke_session")

    def login(self, command: dict) -> dict:
        email = domain.normalise_email(command["email"])
        account = self._by_email(email)
        limits = self._guess_limits(domain.digest(email), command["client"], per_account=False)
        if not self._guess(limits, account, command["password"]):
            raise AuthenticationFailed(LOGIN_FAILED, code="INVALID_CREDENTIALS")
        if account.email_verified_at is None:
            raise PermissionDenied("Confirmez d'abord votre adresse e-mail : nous vous avons envoyé un lien.",
                                   code="EMAIL_NOT_VERIFIED")
        if passwords.needs_rehash(account.password_hash):  # hashed with older parameters
            account.password_hash = passwords.hash_password(command["password"])
        secret = domain.new_secret()
        now = self.clock()
        roles = self.roles_of(account.id)
        session = Session(account_id=account.id, token_digest=domain.digest(secret), kind=command["session_kind"],
                          label=_label(command["client"].get("user_agent")), created_at=now, last_seen_at=now,
                          expires_at=now + self._timeouts(roles).absolute)
        self.session.add(session)
        self.session.flush()
        principal = self._principal(account, session, roles, now)
        self._cache_principal(session, principal, now)  # the first signed-in request needs no RPC
        return {"token": secret, "principal": principal}

    def _timeouts(self, roles) -> domain.SessionTimeouts:
        return domain.session_timeouts(roles, self.settings.citizen_sessions, self.settings.staff_sessions)

    def _ends_at(self, session: Session, roles, last_seen=None):
        return min(aware(session.expires_at), domain.session_ends_at(
            aware(session.created_at), last_seen or aware(session.last_seen_at), self._timeouts(roles)))

    def _principal(self, account: Account, session: Session, roles: list, now) -> dict:
        return {"account_id": account.id, "session_id": session.id, "pseudonym": account.pseudonym,
                "roles": roles, "direction": account.direction, "expires_at": self._ends_at(session, roles, now)}

    def _live_session(self, secret: str) -> Session:
        session = self.session.execute(sa.select(Session).where(
            Session.token_digest == domain.digest(secret))).scalar_one_or_none()
        if session is None or session.revoked_at is not None or aware(session.expires_at) <= self.clock():
            raise AuthenticationFailed("Session expirée : reconnectez-vous.", code="SESSION_EXPIRED")
        return session

    def resolve_session(self, secret: str) -> dict:
        session = self._live_session(secret)
        account = self._account(session.account_id)
        roles, now = self.roles_of(account.id), self.clock()
        if self._ends_at(session, roles) <= now:  # idle too long, or a staff session past its shorter lifetime
            raise AuthenticationFailed("Session expirée : reconnectez-vous.", code="SESSION_EXPIRED")
        if now - aware(session.last_seen_at) >= LAST_SEEN_EVERY:
            session.last_seen_at = now
        principal = self._principal(account, session, roles, now)
        self._cache_principal(session, principal, now)
        return principal

    def _cache_principal(self, session: Session, principal: dict, now):
        """After commit, let the gateway find who is behind this session without asking (hubkit.sessions), until
        the session would end if idle from now at the latest."""
        if self.session_cache is not None:
            ttl = int((principal["expires_at"] - now).total_seconds())
            cached = PRINCIPAL.dump(principal)
            self.uow.on_commit(lambda: self.session_cache.put(session.token_digest, cached, ttl))

    def logout(self, secret: str):
        try:
            self._live_session(secret).revoked_at = self.clock()
        except AuthenticationFailed:
            pass  # already gone: logging out is idempotent
        self._forget_sessions(digests=[domain.digest(secret)])

    def list_sessions(self, actor_id, current_session_id: str = None) -> list:
        account = self._account(actor_id)
        roles, now = self.roles_of(account.id), self.clock()
        rows = self.session.execute(sa.select(Session).where(
            Session.account_id == account.id, Session.revoked_at.is_(None),
            Session.expires_at > now).order_by(Session.last_seen_at.desc())).scalars()
        return [{"id": s.id, "kind": s.kind, "label": s.label, "created_at": aware(s.created_at),
                 "last_seen_at": aware(s.last_seen_at), "expires_at": self._ends_at(s, roles),
                 "current": s.id == current_session_id} for s in rows if self._ends_at(s, roles) > now]

    def revoke_session(self, actor_id, session_id):
        session = self.session.get(Session, str(session_id))
        if session is None or session.account_id != str(actor_id):
            raise NotFound("Session introuvable.")
        session.revoked_at = session.revoked_at or self.clock()
        self._forget_sessions(digests=[session.token_digest])

    def revoke_all(self, account_id: str, keep_session_id: str = None):
        self._forget_sessions(account_id)
        self.session.execute(sa.update(Session).where(
            Session.account_id == account_id, Session.revoked_at.is_(None),
            Session.id != (keep_session_id or "")).values(revoked_at=self.clock()))


def _label(user_agent: str) -> str:
    """A short, non-identifying description of the device, to recognise one's sessions."""
    agent = (user_agent or "").lower()
    browser = next((name for key, name in (("firefox", "Firefox"), ("edg", "Edge"), ("chrome", "Chrome"),
                                           ("safari", "Safari"), ("curl", "curl"), ("python", "Script"))
                    if key in agent), "Navigateur")
    system = next((name for key, name in (("android", "Android"), ("iphone", "iPhone"), ("windows", "Windows"),
                                          ("mac os", "macOS"), ("linux", "Linux")) if key in agent), "")
    return f"{browser} {system}".strip()[:120]

"""Who is calling: session cookie (pages, with CSRF) or bearer token (API); role checks.

Roles are checked here, and again by each service on its own data.
"""
import functools
import hmac
import re
import secrets

from flask import current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from hubkit.errors import AuthenticationFailed, HubError, InvalidInput, PermissionDenied
from hubkit.sessions import SessionCache
from hubkit.throttle import connect

from . import remote

SESSION_KEY, CSRF_KEY = "token", "csrf"
CSRF_FIELD = "csrf_token"
# RFC 6750's b64token, at the lengths the accounts service issues (token_urlsafe(32): 43 characters) and accepts
BEARER_TOKEN, BEARER_LENGTHS = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z"), range(16, 201)


def client_ip() -> str:
    """The client's address, as every rate limit and fraud view sees it: the socket's peer, or with
    HUB_TRUSTED_PROXIES=n the address the n-th proxy from the gateway saw (ProxyFix in app.py rewrote
    REMOTE_ADDR; an X-Forwarded-For nobody trusted changes nothing)."""
    return request.remote_addr or ""


def client_info() -> dict:
    return {"ip": client_ip(), "user_agent": (request.user_agent.string or "")[:300]}


def api_token() -> str | None:
    """The bearer token of an API request, or None: none sent, or one that cannot be a session token (any
    length, spaces, non-ASCII). The service never sees a malformed one, so it is a 401, not its 400."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    well_formed = len(token) in BEARER_LENGTHS and BEARER_TOKEN.match(token)
    return token if scheme.lower() == "bearer" and well_formed else None


def current_token() -> str | None:
    if request.path.startswith("/api/"):
        return api_token()
    return session.get(SESSION_KEY)


def current_principal() -> dict | None:
    """The signed-in account (resolved once per request), or None."""
    if "principal" not in g:
        g.principal = None
        token = current_token()
        if token:
            cached = current_app.extensions["session_cache"].get(token)
            if cached is not None:
                g.principal = cached
                return cached
            try:
                g.principal = remote.call("accounts", "resolve_session", {"token": token})
            except AuthenticationFailed:
                if not request.path.startswith("/api/"):
                    session.pop(SESSION_KEY, None)
    return g.principal


def has_role(*roles) -> bool:
    principal = current_principal()
    return bool(principal and set(roles) & set(principal["roles"]))


def sign_in(token: str):
    session.clear()
    session[SESSION_KEY] = token
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    session.permanent = True


def sign_out():
    session.clear()


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_principal() is None:
            if request.path.startswith("/api/"):
                raise AuthenticationFailed("Connexion requise : envoyez un jeton Bearer valide.",
                                           code="AUTHENTICATION_REQUIRED")
            return redirect(url_for("account_pages.login", suivant=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def roles_required(*roles):
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not has_role(*roles):
                raise PermissionDenied()
            return view(*args, **kwargs)
        return wrapper
    return decorator


def csrf_exempt(view):
    """A form endpoint that takes no CSRF token: only one whose request carries its own authority (a signed token
    in its path, e.g. RFC 8058's one-click unsubscribe, posted by a mail client that has no session), and that
    acts on nothing of the session's."""
    view.csrf_exempt = True
    return view


def csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for the pages only: the API authenticates with bearer tokens and never reads or sets a
    cookie, so its requests skip the cookie's signature check (a measurable share of a hot-path request)."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)


def init_app(app, settings):
    app.session_interface = PagesOnlySessionInterface()
    app.extensions["session_cache"] = SessionCache(connect(settings.redis_url))

    @app.before_request
    def protect_forms():
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
            return
        if request.routing_exception is not None:  # no view will run: its 404 or 405 (with Allow), not a CSRF 400
            return
        if getattr(app.view_functions.get(request.endpoint), "csrf_exempt", False):
            return
        sent = request.form.get(CSRF_FIELD, "")
        expected = session.get(CSRF_KEY, "")
        if not expected or not hmac.compare_digest(sent, expected):
            raise InvalidInput("Le formulaire a expiré ou ne vient pas du hub : rechargez la page et réessayez.",
                               code="CSRF_FAILED")

    @app.context_processor
    def inject_auth():
        return {"principal": current_principal, "has_role": has_role, "csrf_token": csrf_token,
                "CSRF_FIELD": CSRF_FIELD}


def actor_id() -> str:
    principal = current_principal()
    if principal is None:
        raise HubError("no principal")
    return principal["account_id"]

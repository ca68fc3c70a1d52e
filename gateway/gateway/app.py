"""Application factory of the hub gateway."""
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, errors, idempotency, observability, remote, tracing
from .api import api
from .api.routing import open311
from .config import Settings
from .health import bp as health_bp
from .pages import register_pages
from .safe_json import DepthLimitedJSONProvider

# base-uri: no injected <base> can redirect the pages' relative links and forms (the hub's pages have none)
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")


def create_app(settings: Settings = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)
    app.json = DepthLimitedJSONProvider(app)
    app.config.update(
        HUB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="hub_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    if settings.trusted_proxies:
        # the address and scheme the last `trusted_proxies` proxies saw; every other X-Forwarded-* is ignored
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    observability.init_app(app)
    tracing.init_app(app)  # after the request id is made; its span ends after the access log line (which names it)
    remote.init_app(app, settings)
    auth.init_app(app, settings)
    errors.init_app(app)
    idempotency.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(api)
    app.register_blueprint(open311)
    register_pages(app)

    hsts = f"max-age={settings.hsts_seconds}" if settings.hsts_seconds else None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    return app

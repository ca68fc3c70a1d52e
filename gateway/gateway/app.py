"""Application factory of the hub gateway."""
from datetime import timedelta

from flask import Flask

from . import auth, errors, observability, remote
from .api import api
from .api.routing import open311
from .config import Settings
from .health import bp as health_bp
from .pages import register_pages


def create_app(settings: Settings = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)
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
    observability.init_app(app)
    remote.init_app(app, settings)
    auth.init_app(app, settings)
    errors.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(api)
    app.register_blueprint(open311)
    register_pages(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                    "form-action 'self'; frame-ancestors 'none'")
        return response

    return app

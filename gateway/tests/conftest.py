import eventlet

eventlet.monkey_patch()

from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402

import gateway.auth  # noqa: E402
import gateway.gdpr  # noqa: E402
import gateway.remote  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.auth import CSRF_FIELD, CSRF_KEY, SESSION_KEY  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.tests.fakes import RecordingFake  # noqa: E402
from hubkit.errors import AuthenticationFailed  # noqa: E402

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
API_TOKEN = "api-token-of-the-test-0123456789"
SESSION_ID = "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10"
OTHER_SESSION_ID = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
OTHER_ACCOUNT_ID = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


class FakeAccounts(RecordingFake):
    """Stands in for the accounts service behind `gateway.remote.call`: answers like it does,
    records each call, and raises the error a test asks for (`fail`)."""

    def __init__(self):
        super().__init__()
        self.tokens = {}  # session token -> principal
        self.account = {
            "id": ACCOUNT_ID, "email": "camille@example.fr", "email_verified": True, "pending_email": None,
            "pseudonym": "Camille du 3e", "roles": ["citizen"], "direction": None, "birth_date": "1990-05-14",
            "lives_in_paris": True, "address_line": "12 rue de Bretagne", "postcode": "75003",
            "arrondissement": 3, "sector": {"code": "paris-centre", "label": "Paris Centre", "insee": "75123"},
            "certification": {"level": "verified", "verified_at": "2026-02-10T14:00:00+00:00"},
            "created_at": "2026-01-05T10:00:00+00:00",
        }

    def __call__(self, service, method, *args):
        assert service == "accounts", f"unexpected service {service}"
        return super().__call__(method, *args)

    # --- for the tests ---

    def principal(self, roles=("citizen",), direction=None):
        return {"account_id": ACCOUNT_ID, "session_id": SESSION_ID, "pseudonym": self.account["pseudonym"],
                "roles": list(roles), "direction": direction,
                "expires_at": (NOW + timedelta(days=30)).isoformat()}

    # --- the RPC methods the pages call ---

    def resolve_session(self, data):
        if data["token"] not in self.tokens:
            raise AuthenticationFailed("Session expirée : reconnectez-vous.", code="SESSION_EXPIRED")
        return self.tokens[data["token"]]

    def login(self, data):
        token = "session-token-from-login-0123456789"
        self.tokens[token] = self.principal()
        return {"token": token, "principal": self.tokens[token]}

    def logout(self, data):
        self.tokens.pop(data["token"], None)
        return {"status": "logged_out"}

    def register(self, data):
        return {"status": "verification_sent"}

    def verify_email(self, data):
        return self.account

    def resend_verification(self, data):
        return {"status": "sent_if_pending"}

    def request_password_reset(self, data):
        return {"status": "sent_if_known"}

    def reset_password(self, data):
        return {"status": "password_reset"}

    def confirm_email_change(self, data):
        return {**self.account, "email": "nouvelle@example.fr"}

    def get_account(self, actor):
        return self.account

    def list_sessions(self, actor, current_session_id=None):
        return [
            {"id": SESSION_ID, "kind": "browser", "label": "Firefox Linux", "created_at": NOW.isoformat(),
             "last_seen_at": NOW.isoformat(), "expires_at": (NOW + timedelta(days=30)).isoformat(),
             "current": current_session_id == SESSION_ID},
            {"id": OTHER_SESSION_ID, "kind": "api", "label": "curl", "created_at": NOW.isoformat(),
             "last_seen_at": NOW.isoformat(), "expires_at": (NOW + timedelta(days=30)).isoformat(),
             "current": current_session_id == OTHER_SESSION_ID},
        ]

    def update_profile(self, actor, data):
        return {**self.account, **data}

    def request_email_change(self, actor, data):
        return {"status": "confirmation_sent"}

    def change_password(self, actor, session_id, data):
        return {"status": "password_changed"}

    def revoke_session(self, actor, data):
        return {"status": "revoked"}

    def delete_account(self, actor, data):
        self.tokens.clear()
        return {"status": "deleted"}

    def export_personal_data(self, actor):
        return {"account": {"id": actor, "email": self.account["email"]}, "sessions": [], "role_history": []}

    def reference_data(self):
        return {"roles": ["citizen", "agent", "moderator", "admin"], "grantable_roles": ["agent", "moderator", "admin"],
                "directions": [{"code": "DEVE", "name": "Direction des espaces verts et de l'environnement"},
                               {"code": "DVD", "name": "Direction de la voirie et des déplacements"}]}

    def search_accounts(self, actor, query):
        return [{"id": OTHER_ACCOUNT_ID, "pseudonym": "Dominique", "email": "dominique@example.fr",
                 "email_verified": True, "roles": ["citizen", "agent"], "direction": "DEVE", "arrondissement": 11,
                 "certification": {"level": "declared", "verified_at": None},
                 "created_at": "2026-01-20T08:00:00+00:00"}]

    def certify_attributes(self, actor, data):
        return {**self.account, "pseudonym": "Dominique"}

    def grant_role(self, actor, data):
        return {**self.account, "pseudonym": "Dominique"}

    def revoke_role(self, actor, data):
        return {**self.account, "pseudonym": "Dominique"}


@pytest.fixture
def accounts(monkeypatch):
    fake = FakeAccounts()
    monkeypatch.setattr(gateway.remote, "call", fake)  # every caller goes through `remote.call`
    # ...or, on the hot paths, `remote.batched_call(service, method, payload)`: a fake answers that one
    # payload's outcome (or raises its error) as if the batch held only this command.
    monkeypatch.setattr(gateway.remote, "batched_call", fake)
    return fake


@pytest.fixture
def app(accounts, monkeypatch):
    monkeypatch.setenv("HUB_SERVICES", "accounts")
    application = create_app(Settings(secret_key="test", environment="test"))
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sign_in(client, accounts):
    """Sign the test client in with the given roles (a session token the fake service knows)."""
    def signed_in(*roles, direction=None):
        token = "session-token-of-the-test-0123456789"
        accounts.tokens[token] = accounts.principal(("citizen", *roles), direction)
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
            session[CSRF_KEY] = "csrf-of-the-test"
        return token
    return signed_in


@pytest.fixture
def bearer(accounts):
    """The headers of an API client signed in with the given roles (a bearer token the fake service knows)."""
    def headers(*roles, direction=None):
        accounts.tokens[API_TOKEN] = accounts.principal(("citizen", *roles), direction)
        return {"Authorization": f"Bearer {API_TOKEN}"}
    return headers


@pytest.fixture
def post(client):
    """POST a form with the CSRF token of the session (as a page of the hub would)."""
    def send(url, data=None, **kwargs):
        with client.session_transaction() as session:
            token = session.setdefault(CSRF_KEY, "csrf-of-the-test")
        return client.post(url, data={CSRF_FIELD: token, **(data or {})}, **kwargs)
    return send


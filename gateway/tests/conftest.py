import eventlet

eventlet.monkey_patch()

import pytest  # noqa: E402

import gateway.auth  # noqa: E402
import gateway.gdpr  # noqa: E402
import gateway.remote  # noqa: E402
from gateway.app import create_app  # noqa: E402
from gateway.auth import CSRF_FIELD, CSRF_KEY, SESSION_KEY  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.tests.fakes import route_to  # noqa: E402
from tests.fakes import FakeAccounts  # noqa: E402

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
API_TOKEN = "api-token-of-the-test-0123456789"
SESSION_ID = "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10"
OTHER_SESSION_ID = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
OTHER_ACCOUNT_ID = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"


def accounts_of_the_pages() -> FakeAccounts:
    """accounts as the pages meet it: Camille (whom `sign_in` signs in), with a browser and an API session, and
    Dominique, an agent of the DEVE."""
    accounts = FakeAccounts()
    accounts.add(ACCOUNT_ID, "Camille du 3e", email="camille@example.fr", birth_date="1990-05-14",
                 address_line="12 rue de Bretagne", postcode="75003", arrondissement=3,
                 sector={"code": "paris-centre", "label": "Paris Centre", "insee": "75123"},
                 certification="verified", verified_at="2026-02-10T14:00:00+00:00",
                 registered_at="2026-01-05T10:00:00+00:00")
    accounts.add(OTHER_ACCOUNT_ID, "Dominique", email="dominique@example.fr", roles=("agent",), direction="DEVE",
                 arrondissement=11, registered_at="2026-01-20T08:00:00+00:00")
    accounts.open_session(ACCOUNT_ID, SESSION_ID, "browser", "Firefox Linux")
    accounts.open_session(ACCOUNT_ID, OTHER_SESSION_ID, "api", "curl")
    return accounts


@pytest.fixture
def accounts(monkeypatch):
    fake = accounts_of_the_pages()
    # every caller goes through `remote.call` or, on the hot paths, `remote.batched_call(service, method,
    # payload)`: a fake answers that one payload's outcome (or raises its error) as if the batch held only it
    route_to(monkeypatch, fake, batched=True)
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
        accounts.sign_in(ACCOUNT_ID, token, ("citizen", *roles), direction, session_id=SESSION_ID)
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
            session[CSRF_KEY] = "csrf-of-the-test"
        return token
    return signed_in


@pytest.fixture
def bearer(accounts):
    """The headers of an API client signed in with the given roles (a bearer token the fake service knows)."""
    def headers(*roles, direction=None):
        accounts.sign_in(ACCOUNT_ID, API_TOKEN, ("citizen", *roles), direction, session_id=SESSION_ID)
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


"""The administrators' page "État du hub": every service's `status`, asked at once, a service that does not answer
shown "injoignable" (never a 500), admins only, and the dashboards' links from HUB_DASHBOARDS_URL."""
import html as html_module

import eventlet
import pytest

import gateway.remote
from gateway.app import create_app
from gateway.config import Settings, checked_dashboards_url
from gateway.pages import hub_status
from hubkit.errors import ServiceUnavailable

SERVICES = "accounts,ideas,routing,budget"


def answer(service: str, **changes) -> dict:
    return {"service": service, "version": "0.1.0", "started_at": "2026-12-07T08:00:00+00:00",
            "checks": {"broker": {"ok": True, "ms": 0.4}, "database": {"ok": True, "ms": 1.2}},
            "outbox": {"pending": 0, "oldest_age_seconds": 0.0}, "dead_letters": 0, "extras": {}, **changes}


class Statuses:
    """The services' `status` answers (or errors, or delays), in front of the conftest's fake accounts."""

    def __init__(self, monkeypatch):
        self.answers, self.asked = {}, []
        others = gateway.remote.call

        def call(service, method, *args):
            if method != "status":
                return others(service, method, *args)
            self.asked.append((service, args))
            found = self.answers.get(service)
            if isinstance(found, BaseException):
                raise found
            if callable(found):
                return found()
            return found
        monkeypatch.setattr(gateway.remote, "call", call)


@pytest.fixture
def statuses(accounts, monkeypatch):
    return Statuses(monkeypatch)


def client_of(monkeypatch, dashboards_url: str = ""):
    monkeypatch.setenv("HUB_SERVICES", SERVICES)
    app = create_app(Settings(secret_key="test", environment="test", dashboards_url=dashboards_url))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def admin_client(monkeypatch, client, sign_in):
    """A client signed in as an administrator on an app of four services (the conftest's session, another app)."""
    sign_in("admin")
    other = client_of(monkeypatch)
    with client.session_transaction() as signed, other.session_transaction() as session:
        session.update(signed)
    return other


def text_of(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def test_an_admin_sees_every_service_and_the_ones_that_do_not_answer(admin_client, statuses, monkeypatch):
    monkeypatch.setattr(hub_status, "STATUS_TIMEOUT_SECONDS", 0.2)
    statuses.answers = {
        "accounts": answer("accounts", outbox={"pending": 3, "oldest_age_seconds": 200.4}, dead_letters=2),
        "ideas": ServiceUnavailable(),
        "routing": answer("routing", extras={"overdue_ideas": 4, "webhooks_failing": 1, "webhooks_given_up": 0},
                          checks={"broker": {"ok": True}, "database": {"ok": False, "error": "OperationalError"}}),
        "budget": lambda: eventlet.sleep(5),  # hangs: cut short, the page does not wait for it
    }
    response = admin_client.get("/back-office/etat")
    page = text_of(response)
    assert response.status_code == 200, page[-2000:]
    assert {service for service, _ in statuses.asked} == {"accounts", "ideas", "routing", "budget"}
    assert all(args[0]["roles"] == ["citizen", "admin"] for _, args in statuses.asked)  # for the admin, verified
    assert "<h1>État du hub</h1>" in page and "2 services sur 4 ne répondent pas" in page
    accounts_row, ideas_row = row(page, "accounts"), row(page, "ideas")
    assert "Opérationnel" in accounts_row and "0.1.0" in accounts_row and "7 décembre 2026 à 9 h 00" in accounts_row
    assert ">3<" in accounts_row and "3 min 20 s" in accounts_row and ">2<" in accounts_row
    assert "Injoignable" in ideas_row and "SERVICE_UNAVAILABLE" in ideas_row
    assert "Injoignable" in row(page, "budget") and "TIMEOUT" in row(page, "budget")
    assert "Dégradé" in row(page, "routing") and "base de données en échec" in row(page, "routing")
    assert "Idées en retard d'orientation</th><td>4" in page and "Webhooks en échec (réessayés)</th><td>1" in page
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "HUB_DASHBOARDS_URL" in page and "/d/hub-overview" not in page


def row(page: str, service: str) -> str:
    start = page.index(f'<tr id="service-{service}">')
    return page[start:page.index("</tr>", start)]


def test_unknown_figures_are_shown_as_unknown(admin_client, statuses):
    statuses.answers = {name: answer(name, outbox=None, dead_letters=None, version=None)
                        for name in SERVICES.split(",")}
    page = text_of(admin_client.get("/back-office/etat"))
    assert "Les 4 services répondent" in page
    assert "inconnu (base de données injoignable)" in row(page, "routing")
    assert row(page, "routing").count("inconnu") == 3  # version, outbox, dead letters


def test_the_dashboards_are_linked_when_grafana_is_configured(monkeypatch, client, sign_in, statuses):
    sign_in("admin")
    other = client_of(monkeypatch, dashboards_url="https://grafana.paris.example/")
    with client.session_transaction() as signed, other.session_transaction() as session:
        session.update(signed)
    statuses.answers = {name: answer(name) for name in SERVICES.split(",")}
    page = text_of(other.get("/back-office/etat"))
    for uid in ("hub-overview", "hub-business", "hub-infrastructure", "hub-service-gateway", "hub-service-routing",
                "hub-service-accounts"):
        assert f'href="https://grafana.paris.example/d/{uid}"' in page


@pytest.mark.parametrize("roles", [(), ("agent",), ("moderator",)])
def test_anyone_but_an_admin_is_refused_and_no_service_is_asked(client, sign_in, statuses, roles):
    sign_in(*roles, direction="DEVE" if "agent" in roles else None)
    assert client.get("/back-office/etat").status_code == 403
    assert statuses.asked == []
    if roles:
        assert "État du hub" not in text_of(client.get("/back-office"))


def test_a_visitor_is_sent_to_the_sign_in_page(client, statuses):
    response = client.get("/back-office/etat")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_the_back_office_links_the_page_for_an_admin(client, sign_in):
    sign_in("admin")
    assert 'href="/back-office/etat"' in text_of(client.get("/back-office"))


@pytest.mark.parametrize("url", ["ftp://grafana", "https://admin:secret@grafana.example", "javascript:alert(1)",
                                 "https://grafana.example/?orgId=1", "grafana.example", 'https://g.example/"x'])
def test_a_dashboards_url_that_is_no_plain_http_address_is_refused(url):
    with pytest.raises(ValueError, match="HUB_DASHBOARDS_URL"):
        checked_dashboards_url(url)
    assert checked_dashboards_url("http://grafana:3000/sous-chemin/") == "http://grafana:3000/sous-chemin"


@pytest.mark.parametrize("seconds, label", [(0, "0 s"), (12.7, "12 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")])
def test_ages_are_worded(seconds, label):
    assert hub_status.age_label(seconds) == label


# --- the same as JSON: GET /api/v1/admin/status --------------------------------------------------------------

@pytest.fixture
def admin_api(monkeypatch, bearer):
    """An API client's headers (an administrator's bearer token) and an app of four services."""
    return client_of(monkeypatch), bearer("admin")


def test_the_api_answers_every_service_as_the_document_says(admin_api, statuses):
    client, headers = admin_api
    statuses.answers = {name: answer(name) for name in SERVICES.split(",")}
    statuses.answers["routing"] = answer("routing", extras={"overdue_ideas": 4}, outbox=None, dead_letters=None)
    statuses.answers["ideas"] = ServiceUnavailable()
    response = client.get("/api/v1/admin/status", headers=headers)
    assert response.status_code == 200, response.text
    by_name = {service["service"]: service for service in response.get_json()["services"]}
    assert list(by_name) == SERVICES.split(",")
    assert by_name["ideas"] == {"service": "ideas", "reachable": False, "error": "SERVICE_UNAVAILABLE"}
    assert by_name["routing"]["extras"] == {"overdue_ideas": 4} and by_name["routing"]["outbox"] is None
    assert by_name["accounts"]["started_at"] == "2026-12-07T08:00:00+00:00"
    assert by_name["accounts"]["outbox"] == {"pending": 0, "oldest_age_seconds": 0.0}
    assert by_name["accounts"]["checks"]["database"] == {"ok": True, "ms": 1.2}


@pytest.mark.parametrize("roles", [(), ("agent",), ("moderator",)])
def test_the_api_refuses_anyone_but_an_admin(monkeypatch, bearer, statuses, roles):
    client = client_of(monkeypatch)
    assert client.get("/api/v1/admin/status").status_code == 401
    assert client.get("/api/v1/admin/status", headers=bearer(*roles)).status_code == 403
    assert statuses.asked == []


def test_the_api_is_in_the_openapi_document(monkeypatch):
    document = client_of(monkeypatch).get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/admin/status"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"]) and operation["security"]

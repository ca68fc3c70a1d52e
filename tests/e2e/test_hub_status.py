"""The administrators' page "État du hub" on the running platform: every service answers its `status` through the
real trust layer, citizens and agents are refused, and a stopped service is shown "injoignable" while the page
still answers."""
import html
import time

import pytest

from hubkit.errors import PermissionDenied
from hubkit.testing import signed_proxy
from hubkit.trust import CallerNotTrusted

from .people import administrator, citizen, pages_session, read_mail_link

pytestmark = pytest.mark.e2e
SERVICES = ("accounts", "ideas", "budget", "petitions", "routing", "notifications")


def status_page(session, platform) -> tuple:
    response = session.get(f"{platform.url}/back-office/etat", timeout=30)
    return response.status_code, html.unescape(response.text)


def row(page: str, service: str) -> str:
    start = page.index(f'<tr id="service-{service}">')
    return page[start:page.index("</tr>", start)]


def test_an_admin_sees_every_service_and_others_are_refused(platform):
    admin = administrator(platform, "etat")
    status, page = status_page(pages_session(platform, admin.email), platform)
    assert status == 200, page[-2000:]
    assert "Les 6 services répondent" in page
    for service in SERVICES:
        assert "Opérationnel" in row(page, service), row(page, service)
    assert "Idées en retard d'orientation" in page and "Webhooks abandonnés" in page  # routing's extras
    assert "/back-office/etat" in pages_session(platform, admin.email).get(f"{platform.url}/back-office").text

    person = citizen(platform, read_mail_link, "Curieuse")
    assert status_page(pages_session(platform, person.email), platform)[0] == 403


def test_the_services_refuse_a_status_call_not_made_for_an_admin(platform):
    config = {"AMQP_URI": platform.amqp_uri}
    agent = {"account_id": "00000000-0000-4000-8000-0000000000a1", "roles": ["agent", "citizen"],
             "direction": "DVD"}
    with signed_proxy("routing", config, actor=agent) as proxy:
        with pytest.raises(PermissionDenied):
            proxy.status(agent)
    with signed_proxy("routing", config, identity="ideas") as proxy:
        with pytest.raises(CallerNotTrusted):
            proxy.status(None)


def test_a_stopped_service_is_shown_unreachable_and_the_page_still_answers(platform):
    admin = administrator(platform, "etat.panne")
    session = pages_session(platform, admin.email)
    platform.stop_process("budget")
    try:
        started = time.monotonic()
        status, page = status_page(session, platform)
        elapsed = time.monotonic() - started
    finally:
        platform.restart_process("budget")
        platform.wait_ready()
    assert status == 200, page[-2000:]
    assert elapsed < 10
    assert "Injoignable" in row(page, "budget") and "1 service sur 6 ne répond pas" in page
    assert "Opérationnel" in row(page, "routing")

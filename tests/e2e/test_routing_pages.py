"""The routing decision page on the running platform: its independent calls run in green threads of the real
eventlet gateway (each with the request's context), and a missing idea still gives the 404 page."""
import html
import uuid

import pytest
import requests

from .people import administrator, citizen, pages_session, read_mail_link, wait_for

pytestmark = pytest.mark.e2e


def test_the_decision_page_of_an_idea_through_the_real_gateway(platform):
    staff = administrator(platform)
    browser, agent = pages_session(platform, staff.email), staff.headers
    author = citizen(platform, read_mail_link, "Jardiniere")
    request_id = f"e2e-page-{uuid.uuid4().hex[:12]}"
    created = requests.post(f"{platform.url}/api/v1/ideas", headers={**author.headers, "X-Request-ID": request_id},
                            json={"title": "Des jardinières rue Manin", "theme": "cadre_de_vie", "arrondissement": 19,
                                  "description": "Des jardinières fleuries le long du trottoir de la rue Manin."})
    assert created.status_code == 201, created.text
    idea_id = created.json()["id"]
    assert wait_for(lambda: requests.get(f"{platform.url}/api/v1/routing/inbox/{idea_id}",
                                         headers=agent).status_code == 200, 20), "the idea never reached the inbox"
    page = browser.get(f"{platform.url}/back-office/orientation/{idea_id}")
    text = html.unescape(page.text)
    assert page.status_code == 200, text[-2000:]
    assert "Des jardinières rue Manin" in text and "le long du trottoir" in text  # routing's item, the idea's text
    assert "Suggestion :" in text and "Grille de pré-recevabilité" in text and request_id in text
    assert text.count('name="idempotency_key"') == 4
    missing = browser.get(f"{platform.url}/back-office/orientation/{uuid.uuid4()}")
    assert missing.status_code == 404

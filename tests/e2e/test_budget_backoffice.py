"""The budget back office's lists on the running platform: the dashboard counts in the service, the study queue
and a commission's list come one page at a time, filtered in SQL, through the real gateway and budget service."""
import html
import time

import pytest
import requests

from .people import administrator, citizen, csrf_token, pages_session, read_mail_link

pytestmark = pytest.mark.e2e
WAITING = 51  # one more than a page of the back office


def test_the_back_office_lists_come_one_page_at_a_time(platform):
    api, base = f"{platform.url}/api/v1/budget", f"{platform.url}/back-office/budget"
    staff = administrator(platform, "admin.budget")
    browser, admin = pages_session(platform, staff.email), staff.headers
    carrier = citizen(platform, read_mail_link, "Porteur")
    cycle = requests.post(f"{api}/cycles", headers=admin, json={
        "title": f"Budget participatif 2026 {time.monotonic_ns()}", "paris_envelope": 1000, "max_choices": 2,
        "sector_envelopes": {"paris-19": 300}}).json()

    def submit(title, **place):
        response = requests.post(f"{api}/cycles/{cycle['id']}/projects", headers=carrier.headers, json={
            "title": title, "description": "Un projet pour le quartier, décrit en plus de vingt caractères.",
            "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-19", **place})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    local = [submit(f"Projet numéro {n} du 19e") for n in range(1, WAITING + 2)]
    everywhere = submit("Des fontaines dans tout Paris", scale="paris", sector=None, theme="Environnement")
    assert requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": "study"}).ok
    for project_id in (local[0], everywhere):
        assert requests.post(f"{api}/projects/{project_id}/study", headers=admin, json={
            "admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": 100}).ok

    dashboard = html.unescape(browser.get(f"{base}/{cycle['id']}").text)
    assert f"Projets : {WAITING + 2}" in dashboard and f"Déposé : <strong>{WAITING}</strong>" in dashboard
    assert "Réalisable : <strong>2</strong>" in dashboard

    first = html.unescape(browser.get(f"{base}/{cycle['id']}/etude").text)
    assert f"À étudier ({WAITING})" in first and "Déjà étudiés (2)" in first
    assert f"{WAITING} projets · page 1 sur 2" in first and "Projet numéro 2 du 19e" in first
    assert f"Projet numéro {WAITING + 1} du 19e" not in first
    second = html.unescape(browser.get(f"{base}/{cycle['id']}/etude?page=2").text)
    assert f"Projet numéro {WAITING + 1} du 19e" in second and "Projet numéro 2 du 19e" not in second
    assert "page 2 sur 2" in second
    assert "page 1 sur 2" in html.unescape(browser.get(f"{base}/{cycle['id']}/etude?page=abc").text)
    studied = html.unescape(browser.get(f"{base}/{cycle['id']}/etude?etat=etudies&theme=Environnement").text)
    assert "Des fontaines dans tout Paris" in studied and "Projet numéro 1 du 19e" not in studied

    for stage in ("co_construction", "selection"):
        assert requests.post(f"{api}/cycles/{cycle['id']}/stage", headers=admin, json={"stage": stage}).ok
    selection = html.unescape(browser.get(f"{base}/{cycle['id']}/selection?commission=paris-19").text)
    assert "19e arrondissement (1)" in selection and "Commission centrale – projets pour tout Paris (1)" in selection
    csrf = csrf_token(selection)
    decided = browser.post(f"{base}/{cycle['id']}/selection?commission=paris-19", allow_redirects=False, data={
        "csrf_token": csrf, "scope": "paris-19", "shown": local[0], "selected": local[0]})
    assert decided.status_code == 302 and "commission=paris-19" in decided.headers["Location"]
    chosen = requests.get(f"{api}/cycles/{cycle['id']}/projects", params={"selected": "true"}).json()
    assert [p["id"] for p in chosen["items"]] == [local[0]] and chosen["total"] == 1

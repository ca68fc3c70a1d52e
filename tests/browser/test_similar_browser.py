"""Headless Chromium (issue 17, "across schemes"): a citizen typing an idea that already exists as a participatory
budget project is shown that project on the idea form, with its state and what to do instead of filing (follow it,
join it, vote for it once the vote is open), and the link leads to the project's page. The edition and the project
are made through the API: they are not the point here."""
import time

import pytest
import requests

from tests.e2e.people import administrator, citizen, resident, wait_for

from .pages import fill, heading, log_in, main_text, navigate, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PROJECT_TITLE = "Des fontaines à boire le long du canal de l'Ourcq"


def accessibility_violations(browser, selector: str) -> list:
    """axe-core's WCAG 2 A and AA rules over the part of the page `selector` names: (rule, the elements at fault)."""
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run(context={"include": [[selector]]},
                      options='{"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}')
    return [(violation["id"], [node["html"][:120] for node in violation["nodes"]])
            for violation in results["violations"]]


def test_a_citizen_typing_an_existing_budget_project_is_offered_to_follow_it_instead(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    api = f"{platform.url}/api/v1"
    boss = administrator(platform, "admin.similaires")
    carrier = resident(platform, mail_link, "Porteur")
    camille = citizen(platform, mail_link, "Camille")
    cycle = requests.post(f"{api}/budget/cycles", headers=boss.headers, json={
        "title": f"Budget participatif {time.monotonic_ns() % 10**6}", "paris_envelope": 1_000_000,
        "sector_envelopes": {"paris-19": 300_000}})
    assert cycle.status_code == 201, cycle.text
    project = requests.post(f"{api}/budget/cycles/{cycle.json()['id']}/projects", headers=carrier.headers, json={
        "title": PROJECT_TITLE, "theme": "Environnement", "scale": "arrondissement", "sector": "paris-19",
        "description": "Installer des fontaines d'eau potable le long du canal de l'Ourcq, pour les promeneurs "
                       "et les coureurs, du bassin de la Villette au parc de la Villette.", "estimated_cost": 40000})
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]
    # the API says what the page will show (and that budget answered): the project, to follow or join
    wait_for(lambda: any(item["id"] == project_id for item in requests.get(f"{api}/similar", params={
        "title": "Fontaines à boire au bord du canal de l'Ourcq"}).json()["items"]))

    log_in(chrome, platform, camille.email)
    chrome.get(platform.url + "/idees/proposer")
    fill(chrome, title="Fontaines à boire au bord du canal de l'Ourcq",
         description="Il faudrait des fontaines d'eau potable le long du canal de l'Ourcq pour les promeneurs.")
    Select(chrome.find_element(By.NAME, "theme")).select_by_value("environnement")
    press(chrome, "Vérifier les idées similaires")
    panel = chrome.find_element(By.ID, "idees-similaires")
    assert "Ce qui existe déjà" in panel.text
    item = panel.find_element(By.XPATH, f".//li[contains(@class, 'similar__item--project')]"
                                        f"[.//a[normalize-space()=\"{PROJECT_TITLE}\"]]")
    assert "Projet du budget participatif" in item.text and "Déposé" in item.text
    # each link's text, without the words only a screen reader gets (which item it is about)
    offered = [link.text.split("\n")[0] for link in item.find_elements(By.CSS_SELECTOR, ".similar__actions a")]
    assert "Suivre ce projet" in offered and "M'associer à ce projet" in offered
    # what was typed is kept: the citizen may still publish it
    assert chrome.find_element(By.NAME, "title").get_attribute("value") == "Fontaines à boire au bord du canal de l'Ourcq"
    # every link of the panel has a name a screen reader can read, saying which item it is about
    for link in panel.find_elements(By.TAG_NAME, "a"):
        assert link.get_attribute("textContent").strip()
    assert accessibility_violations(chrome, "#idees-similaires") == []

    navigate(chrome, item.find_element(By.PARTIAL_LINK_TEXT, "Suivre ce projet"))
    assert chrome.current_url.split("#")[0] == f"{platform.url}/budget-participatif/projets/{project_id}"
    assert heading(chrome) == PROJECT_TITLE
    press(chrome, "Ajouter à mes favoris")
    assert "Retirer de mes favoris" in main_text(chrome)
    # nothing was published (other tests on the shared platform may mention the Ourcq: their ideas are not hers)
    found = requests.get(f"{api}/ideas", params={"q": "Ourcq", "limit": 100}).json()["items"]
    assert all(item["title"] != "Fontaines à boire au bord du canal de l'Ourcq" for item in found)

    # searching the projects marks the words found, accents and plurals aside
    chrome.get(f"{platform.url}/budget-participatif/projets?edition={cycle.json()['id']}&recherche=fontaine+ourcq")
    title = chrome.find_element(By.XPATH, f"//ul[contains(@class, 'bp-cards')]//a[contains(@href, '{project_id}')]")
    assert [mark.text for mark in title.find_elements(By.TAG_NAME, "mark")] == ["fontaines", "Ourcq"]
    assert accessibility_violations(chrome, "ul.bp-cards") == []

"""Headless Chromium runs a participatory budget through the real pages: an admin creates the edition, a citizen
submits a project, an agent studies it and merges it with a similar one, the carrier accepts to carry the merged
project, the commission selects it, the map leads to it, a resident votes (check step,
confirmation, receipt) and checks the receipt, an agent enters a paper ballot, the results show the winner with
its online and paper votes, and a status update by an agent appears on the project's planning timeline. Moving
the stages and creating the accounts go through the JSON API: they are not the point here."""
import time

import pytest
import requests

from tests.e2e.people import administrator, citizen, read_mail_link, resident

from .pages import fill, heading, log_in, log_out, main_text, navigate, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_participatory_budget_through_the_pages(platform, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    api = f"{platform.url}/api/v1"
    boss = administrator(platform, "admin.budget")
    carrier = resident(platform, read_mail_link, "Porteuse")
    agent = citizen(platform, read_mail_link, "Agente")
    assert requests.post(f"{api}/accounts/{agent.id}/roles", headers=boss.headers,
                         json={"role": "agent", "direction": "DDCT"}).ok  # the DDCT runs the edition

    # An admin creates the edition in the back-office.
    log_in(chrome, platform, boss.email)
    chrome.get(platform.url + "/back-office/budget")
    title = f"Budget participatif {time.monotonic_ns() % 10**6}"
    fill(chrome, title=title, paris_envelope="1000000", **{"envelope_paris-19": "300000"})
    press(chrome, "Créer l")
    assert heading(chrome) == title and "Dépôt des projets" in main_text(chrome)
    cycle_id = chrome.current_url.rstrip("/").rsplit("/", 1)[1]
    log_out(chrome)

    def advance(stage):
        response = requests.post(f"{api}/budget/cycles/{cycle_id}/stage", headers=boss.headers,
                                 json={"stage": stage})
        assert response.ok, response.text

    # A resident submits a project from the edition's page.
    log_in(chrome, platform, carrier.email)
    chrome.get(f"{platform.url}/budget-participatif?edition={cycle_id}")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Déposer un projet"))
    fill(chrome, title="Un jardin partagé rue Manin",
         description="Un jardin partagé sur la placette de la rue Manin, ouvert aux écoles du quartier.",
         address="rue Manin, 75019 Paris", estimated_cost="25 000")
    Select(chrome.find_element(By.NAME, "theme")).select_by_visible_text("Environnement")
    chrome.find_element(By.ID, "projet-scale-arrondissement").click()
    Select(chrome.find_element(By.NAME, "sector")).select_by_visible_text("19e arrondissement")
    press(chrome, "Déposer le projet")
    assert heading(chrome) == "Un jardin partagé rue Manin" and "Déposé" in main_text(chrome)
    log_out(chrome)
    similar = requests.post(f"{api}/budget/cycles/{cycle_id}/projects", headers=carrier.headers, json={
        "title": "Des arbres fruitiers rue Manin", "description": "Planter des arbres fruitiers sur la placette.",
        "theme": "Environnement", "scale": "arrondissement", "sector": "paris-19", "estimated_cost": 20000})
    assert similar.status_code == 201, similar.text

    # An agent studies the project (the similar one is studied through the API).
    advance("study")
    assert requests.post(f"{api}/budget/projects/{similar.json()['id']}/study", headers=boss.headers, json={
        "admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": 20000}).ok
    log_in(chrome, platform, agent.email)
    chrome.get(f"{platform.url}/back-office/budget/{cycle_id}/etude")
    assert "À étudier (1)" in main_text(chrome)
    chrome.find_element(By.XPATH, "//summary[contains(., 'Description et avis')]").click()
    chrome.find_element(By.XPATH, "//input[@name='admissible'][@value='oui']").click()
    chrome.find_element(By.XPATH, "//input[@name='feasible'][@value='oui']").click()
    fill(chrome, admissibility_reason="Un investissement sur l'espace public.",
         feasibility_reason="La placette accueille un jardin sans gêner la circulation.", cost="30000")
    Select(chrome.find_element(By.NAME, "direction")).select_by_value("DDCT")  # kept by the agent's direction
    press(chrome, "Enregistrer l")
    assert "Déjà étudiés (2)" in main_text(chrome)

    # Co-construction: the agent merges the two similar projects; the 19e's commission puts it on the ballot.
    advance("co_construction")
    chrome.get(f"{platform.url}/back-office/budget/{cycle_id}/fusion?secteur=paris-19")
    for source in ("Un jardin partagé rue Manin", "Des arbres fruitiers rue Manin"):
        chrome.find_element(By.XPATH, f"//label[contains(., '{source}')]").click()
    fill(chrome, title="Jardins et fruitiers de la rue Manin",
         description="Un jardin partagé planté d'arbres fruitiers sur la placette de la rue Manin.")
    press(chrome, "Fusionner les projets")
    assert heading(chrome) == "Jardins et fruitiers de la rue Manin"
    origin = chrome.find_element(By.ID, "origine").text
    assert "élaboré à partir des projets" in origin and "Des arbres fruitiers rue Manin" in origin
    project_url = chrome.current_url
    advance("selection")
    chrome.get(f"{platform.url}/back-office/budget/{cycle_id}/selection")
    chrome.find_element(By.XPATH, "//label[contains(., 'Jardins et fruitiers de la rue Manin')]").click()
    press(chrome, "Enregistrer la décision de la commission")
    assert "1 changement enregistré" in main_text(chrome)
    log_out(chrome)

    # The carrier of the merged projects accepts to carry the co-constructed one.
    advance("campaign")
    log_in(chrome, platform, carrier.email)
    chrome.get(project_url)
    press(chrome, "accepte de porter ce projet")
    assert "Vous portez désormais ce projet co-construit." in main_text(chrome)
    assert "1 porteur (dont vous)" in main_text(chrome)

    # The map of the edition leads to the project: the 19e's area links to its list.
    chrome.get(f"{platform.url}/budget-participatif/projets?edition={cycle_id}&vue=carte")
    area = chrome.find_element(By.CSS_SELECTOR, "a.bp-map__link[aria-label^='19e arrondissement : 1 ']")
    chrome.get(platform.url + area.get_dom_attribute("href"))  # a click would land on its bounding box's centre
    assert "1 projet(s) trouvé(s)" in main_text(chrome)
    assert "Jardins et fruitiers de la rue Manin" in main_text(chrome)

    # The vote: the resident picks the 19e, ticks the project, checks, confirms, gets a receipt.
    advance("vote")
    chrome.get(f"{platform.url}/budget-participatif/{cycle_id}/vote")
    Select(chrome.find_element(By.NAME, "secteur")).select_by_visible_text("19e arrondissement")
    press(chrome, "Afficher ses projets")
    chrome.find_element(By.XPATH, "//label[contains(., 'Jardins et fruitiers de la rue Manin')]").click()
    press(chrome, "Vérifier mes choix")
    assert heading(chrome) == "Confirmer mon vote" and "Il vous reste 3 choix sur 4." in main_text(chrome)
    press(chrome, "Confirmer mon vote")
    assert "Merci, votre vote est enregistré" in main_text(chrome)
    receipt = chrome.find_element(By.CSS_SELECTOR, ".bp-receipt__code code").text
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Vérifier un reçu"))
    fill(chrome, recu=receipt)
    press(chrome, "Vérifier")
    assert "Ce bulletin est enregistré." in main_text(chrome)
    log_out(chrome)

    # At a mobile ballot box, an agent enters a paper ballot after checking the voter's identity.
    log_in(chrome, platform, agent.email)
    chrome.get(f"{platform.url}/back-office/budget/{cycle_id}/bulletins-papier")
    Select(chrome.find_element(By.NAME, "secteur")).select_by_visible_text("19e arrondissement")
    press(chrome, "Afficher ses projets")
    fill(chrome, ballot_box="Marché Joinville, samedi", last_name="Martin", first_name="Lou", postcode="75019",
         id_document_last4="7Q2X")
    chrome.find_element(By.NAME, "birth_date").send_keys("05051990")  # the same in any locale's order
    chrome.find_element(By.XPATH, "//label[contains(., 'Jardins et fruitiers de la rue Manin')]").click()
    press(chrome, "Enregistrer le bulletin")
    assert "Bulletin enregistré" in main_text(chrome) and "non compté" not in main_text(chrome)

    # The vote closes: the results show the project as a winner, with its vote.
    advance("results")
    chrome.get(f"{platform.url}/budget-participatif/{cycle_id}/resultats")
    results = main_text(chrome)
    assert "Jardins et fruitiers de la rue Manin" in results and "Lauréat" in results and "dont 1 sur papier" in results
    chrome.get(project_url)
    assert "2 voix" in main_text(chrome)

    # The agent records the first step of its delivery: it appears on the project's planning.
    chrome.get(f"{platform.url}/back-office/budget/{cycle_id}/realisation")
    Select(chrome.find_element(By.NAME, "status")).select_by_visible_text("Études et conception")
    chrome.find_element(By.NAME, "effective_date").send_keys("01012026")
    fill(chrome, justification="Les études de sol commencent avec les écoles du quartier.")
    press(chrome, "Enregistrer l")
    chrome.get(project_url)
    planning = chrome.find_element(By.ID, "planning").text
    assert "1. Études et conception" in planning and "Les études de sol commencent" in planning

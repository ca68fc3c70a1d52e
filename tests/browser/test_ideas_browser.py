"""Headless Chromium through the real pages of the idea box and of consultations: a citizen is shown
similar ideas (and consultation proposals) while proposing, submits an idea and sees its status; a
consultation journey (propose → d'accord → argued vote → amend → accepted → synthesis); a report hides an
argument and a moderator restores it; deleting the account pseudonymises the idea.

Kept lean for CI: one platform, set-up through the API, the browser for what citizens do."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.people import PASSWORD, administrator, citizen, wait_for

from .pages import fill, heading, log_in, main_text, navigate, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def open_details(browser, summary: str):
    from selenium.webdriver.common.by import By
    browser.find_element(By.XPATH, f"//summary[contains(normalize-space(), \"{summary}\")]").click()


def test_ideas_and_a_consultation_in_chromium(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    api = f"{platform.url}/api/v1"
    admin = administrator(platform).headers
    camille = citizen(platform, mail_link, "Camille")
    dominique = citizen(platform, mail_link, "Dominique")
    lou = citizen(platform, mail_link, "Lou")
    assert requests.post(f"{api}/ideas", headers=dominique.headers, json={
        "title": "Des fontaines le long du canal Saint-Martin", "theme": "environnement",
        "description": "Des fontaines d'eau potable le long du canal Saint-Martin."}).status_code == 201
    now = datetime.now(timezone.utc)
    consultation = requests.post(f"{api}/consultations", headers=admin, json={
        "title": "Réinventer la place de la Nation", "context": "La place sera réaménagée.",
        "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    consultation_id = consultation.json()["id"]
    assert requests.post(f"{api}/consultations/{consultation_id}/sections", headers=admin, json={
        "title": "La charte de la place", "mode": "amendable_text", "body": "Article 1 : à tous."}).status_code == 201

    # --- the idea box: similar ideas while typing, then the idea with its status ------------------
    log_in(chrome, platform, camille.email)
    chrome.get(platform.url + "/idees/proposer")
    fill(chrome, title="Fontaines sur le canal Saint-Martin",
         description="Installer des fontaines à boire sur le canal Saint-Martin.")
    Select(chrome.find_element(By.NAME, "theme")).select_by_value("environnement")
    press(chrome, "Vérifier les idées similaires")
    assert "Des fontaines le long du canal Saint-Martin" in main_text(chrome)
    press(chrome, "Publier mon idée")
    assert heading(chrome) == "Fontaines sur le canal Saint-Martin"
    assert "Déposée" in main_text(chrome)
    idea_path = chrome.current_url.split(platform.url, 1)[1]

    # --- the consultation: propose ----------------------------------------------------------------
    chrome.get(f"{platform.url}/consultations")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Réinventer la place de la Nation"))
    assert "Plan de la consultation" in main_text(chrome)
    open_details(chrome, "Nouvelle proposition")
    fill(chrome, title="Article 2 : des bancs", body="Vingt bancs à l'ombre des arbres.")
    press(chrome, "Publier ma proposition")
    assert heading(chrome) == "Article 2 : des bancs"
    proposal_url = chrome.current_url.split("#")[0]

    # another citizen: d'accord, argued vote, amendment
    log_in(chrome, platform, dominique.email)
    chrome.get(proposal_url)
    press(chrome, "D'accord")
    assert "Vous êtes d'accord avec cette proposition." in main_text(chrome)
    chrome.find_element(By.XPATH, "//label[normalize-space()=\"D'accord\"]").click()
    fill(chrome, "//section[@id='arguments']", body="Il fait trop chaud l'été sur la place.")
    press(chrome, "Voter et argumenter")
    assert "Vous avez voté sur cette proposition." in main_text(chrome)
    open_details(chrome, "Amender cette proposition")
    fill(chrome, "//section[@id='amendements']", title="Des bancs et des fontaines",
         body="Des bancs, et une fontaine à chaque coin.")
    press(chrome, "Publier mon amendement")
    assert "En attente" in main_text(chrome)

    # the author accepts it: it shows on the proposal
    log_in(chrome, platform, camille.email)
    chrome.get(proposal_url)
    press(chrome, "Accepter l'amendement")
    text = main_text(chrome)
    assert "Amendements acceptés" in text and "1 vote - 1 amendement - 1 argument" in text

    # --- a report hides the argument; a moderator restores it --------------------------------------
    argument_id = requests.get(proposal_url.replace("/consultations/propositions/", "/api/v1/consultations/proposals/")
                               ).json()["arguments"][0]["id"]
    for reporter in (lou.headers, admin):
        assert requests.post(f"{api}/consultations/arguments/{argument_id}/reports", headers=reporter,
                             json={"reason": "offensive"}).status_code == 201
    open_details(chrome, "Signaler cet argument")
    Select(chrome.find_element(By.ID, f"signalement-argument-{argument_id}")).select_by_value("offensive")
    navigate(chrome, chrome.find_element(
        By.XPATH, f"//li[@id='argument-{argument_id}']//button[normalize-space()='Signaler']"))
    assert "Il fait trop chaud" not in main_text(chrome) and "Masqué par la modération" in main_text(chrome)
    admin_email = requests.get(f"{api}/me", headers=admin).json()["email"]
    log_in(chrome, platform, admin_email)
    chrome.get(platform.url + "/idees/moderation")
    item = f"//li[@id='contenu-argument-{argument_id}']"
    chrome.find_element(By.XPATH, f"{item}//input[@name='reason']").send_keys("Signalements abusifs.")
    press(chrome, "Rétablir", scope=item)
    chrome.get(proposal_url)
    assert "Il fait trop chaud l'été sur la place." in main_text(chrome)

    # --- closing and the synthesis (the agent's editor) ----------------------------------------------
    chrome.get(f"{platform.url}/consultations/gestion/{consultation_id}")
    press(chrome, "Clore maintenant")
    fill(chrome, synthesis="Vous voulez des bancs et de l'ombre.", decision="Vingt bancs seront posés.",
         decision_body="Conseil de Paris")
    chrome.find_element(By.NAME, "decision_date").send_keys("01052026")
    press(chrome, "Publier")
    assert "Vingt bancs seront posés." in main_text(chrome) and "Conseil de Paris" in main_text(chrome)

    # --- deleting the account pseudonymises the idea -------------------------------------------------
    log_in(chrome, platform, camille.email)
    chrome.get(platform.url + "/mon-compte/supprimer")
    fill(chrome, password=PASSWORD)
    press(chrome, "Supprimer définitivement mon compte")
    wait_for(lambda: requests.get(f"{api}/ideas/{idea_path.rsplit('/', 1)[1]}").json()["author_pseudonym"]
             == "Citoyen·ne anonyme")
    chrome.get(platform.url + idea_path)
    assert "Citoyen·ne anonyme" in main_text(chrome) and camille.pseudonym not in main_text(chrome)
    chrome.get(proposal_url)
    assert "Citoyen·ne anonyme" in main_text(chrome)

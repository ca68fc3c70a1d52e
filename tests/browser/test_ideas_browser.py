"""Headless Chromium through the real pages of the idea box and of consultations: a citizen is shown
similar ideas (and consultation proposals) while proposing, submits an idea and sees its status; a
consultation journey (propose → d'accord → argued vote → amend → accepted → synthesis); a report hides an
argument and a moderator restores it; deleting the account pseudonymises the idea.

Kept lean for CI: one platform, set-up through the API, the browser for what citizens do."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from tests.browser.test_signup_login import PASSWORD, chrome, click, heading, navigate  # noqa: F401
from tests.e2e.test_idea_box import admin_headers, citizen, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def fill(browser, scope: str = "//main", **fields):
    """Type into the fields of `scope` (the page's <meta name="description"> is not one)."""
    from selenium.webdriver.common.by import By
    for name, value in fields.items():
        element = browser.find_element(By.XPATH, f"{scope}//*[@name='{name}']")
        element.clear()
        element.send_keys(value)


def log_in(browser, platform, email: str):
    from selenium.webdriver.common.by import By
    browser.delete_all_cookies()
    browser.get(platform.url + "/connexion")
    fill(browser, email=email, password=PASSWORD)
    click(browser, "Me connecter")
    assert browser.find_elements(By.XPATH, "//button[contains(., 'Se déconnecter')]")


def press(browser, text: str, scope: str = "//main"):
    """Click the button whose text contains `text` (which may hold an apostrophe) and wait for the next page."""
    from selenium.webdriver.common.by import By
    navigate(browser, browser.find_element(By.XPATH, f"{scope}//button[contains(normalize-space(), \"{text}\")]"))


def main_text(browser) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.TAG_NAME, "main").text


def open_details(browser, summary: str):
    from selenium.webdriver.common.by import By
    browser.find_element(By.XPATH, f"//summary[contains(normalize-space(), \"{summary}\")]").click()


def test_ideas_and_a_consultation_in_chromium(platform, chrome, mail_link):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    api = f"{platform.url}/api/v1"
    admin = admin_headers(platform)
    _, camille, camille_email, camille_name = citizen(platform, mail_link, "Camille")
    _, dominique, dominique_email, _ = citizen(platform, mail_link, "Dominique")
    _, lou, _, _ = citizen(platform, mail_link, "Lou")
    assert requests.post(f"{api}/ideas", headers=dominique, json={
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
    log_in(chrome, platform, camille_email)
    chrome.get(platform.url + "/idees/proposer")
    fill(chrome, title="Fontaines sur le canal Saint-Martin",
         description="Installer des fontaines à boire sur le canal Saint-Martin.")
    Select(chrome.find_element(By.NAME, "theme")).select_by_value("environnement")
    click(chrome, "Vérifier les idées similaires")
    assert "Des fontaines le long du canal Saint-Martin" in main_text(chrome)
    click(chrome, "Publier mon idée")
    assert heading(chrome) == "Fontaines sur le canal Saint-Martin"
    assert "Déposée" in main_text(chrome)
    idea_path = chrome.current_url.split(platform.url, 1)[1]

    # --- the consultation: propose ----------------------------------------------------------------
    chrome.get(f"{platform.url}/consultations")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Réinventer la place de la Nation"))
    assert "Plan de la consultation" in main_text(chrome)
    open_details(chrome, "Nouvelle proposition")
    fill(chrome, title="Article 2 : des bancs", body="Vingt bancs à l'ombre des arbres.")
    click(chrome, "Publier ma proposition")
    assert heading(chrome) == "Article 2 : des bancs"
    proposal_url = chrome.current_url.split("#")[0]

    # another citizen: d'accord, argued vote, amendment
    log_in(chrome, platform, dominique_email)
    chrome.get(proposal_url)
    press(chrome, "D'accord")
    assert "Vous êtes d'accord avec cette proposition." in main_text(chrome)
    chrome.find_element(By.XPATH, "//label[normalize-space()=\"D'accord\"]").click()
    fill(chrome, "//section[@id='arguments']", body="Il fait trop chaud l'été sur la place.")
    click(chrome, "Voter et argumenter")
    assert "Vous avez voté sur cette proposition." in main_text(chrome)
    open_details(chrome, "Amender cette proposition")
    fill(chrome, "//section[@id='amendements']", title="Des bancs et des fontaines",
         body="Des bancs, et une fontaine à chaque coin.")
    click(chrome, "Publier mon amendement")
    assert "En attente" in main_text(chrome)

    # the author accepts it: it shows on the proposal
    log_in(chrome, platform, camille_email)
    chrome.get(proposal_url)
    press(chrome, "Accepter l'amendement")
    text = main_text(chrome)
    assert "Amendements acceptés" in text and "1 vote - 1 amendement - 1 argument" in text

    # --- a report hides the argument; a moderator restores it --------------------------------------
    argument_id = requests.get(proposal_url.replace("/consultations/propositions/", "/api/v1/consultations/proposals/")
                               ).json()["arguments"][0]["id"]
    for reporter in (lou, admin):
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
    click(chrome, "Clore maintenant")
    fill(chrome, synthesis="Vous voulez des bancs et de l'ombre.", decision="Vingt bancs seront posés.",
         decision_body="Conseil de Paris")
    chrome.find_element(By.NAME, "decision_date").send_keys("01052026")
    click(chrome, "Publier")
    assert "Vingt bancs seront posés." in main_text(chrome) and "Conseil de Paris" in main_text(chrome)

    # --- deleting the account pseudonymises the idea -------------------------------------------------
    log_in(chrome, platform, camille_email)
    chrome.get(platform.url + "/mon-compte/supprimer")
    fill(chrome, password=PASSWORD)
    click(chrome, "Supprimer définitivement mon compte")
    wait_for(lambda: requests.get(f"{api}/ideas/{idea_path.rsplit('/', 1)[1]}").json()["author_pseudonym"]
             == "Citoyen·ne anonyme")
    chrome.get(platform.url + idea_path)
    assert "Citoyen·ne anonyme" in main_text(chrome) and camille_name not in main_text(chrome)
    chrome.get(proposal_url)
    assert "Citoyen·ne anonyme" in main_text(chrome)

"""Headless Chromium in the back office: an agent finds a new idea in the inbox, reads the suggestion and its
history, forwards it, sees the decision waiting for its undo window, and undoes it."""
import subprocess
import sys
import time

import pytest
import requests

from .test_signup_login import chrome, navigate  # noqa: F401  (chrome is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PASSWORD = "Des-Arbres-Partout-2026"


def test_an_agent_forwards_an_idea_from_the_inbox_and_undoes_it(platform, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    email = f"agent.orientation.{time.monotonic_ns()}@paris.fr"
    subprocess.run([sys.executable, "-m", "accounts", "create-admin", "--email", email, "--pseudonym",
                    f"Agente {time.monotonic_ns() % 10**6}", "--password", PASSWORD], env=platform.env, check=True,
                   capture_output=True)
    token = requests.post(f"{platform.url}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}).json()
    title = f"Aménager le square Pétanque {time.monotonic_ns() % 10**6}"
    submitted = requests.post(f"{platform.url}/api/v1/ideas", headers={"Authorization": f"Bearer {token['token']}"},
                              json={"title": title, "theme": "cadre_de_vie", "arrondissement": 18,
                                    "description": "Installer des bancs et créer deux pistes de pétanque."})
    assert submitted.status_code == 201, submitted.text

    chrome.get(platform.url + "/connexion")
    chrome.find_element(By.NAME, "email").send_keys(email)
    chrome.find_element(By.NAME, "password").send_keys(PASSWORD)
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[contains(normalize-space(), 'Me connecter')]"))

    deadline = time.monotonic() + 20
    while True:  # the idea reaches the inbox through an event: reload until it is there
        chrome.get(platform.url + "/back-office/orientation")
        links = chrome.find_elements(By.LINK_TEXT, title)
        if links or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert links, "the idea never appeared in the inbox"
    navigate(chrome, links[0])
    assert chrome.find_element(By.TAG_NAME, "h1").text == title
    main = chrome.find_element(By.TAG_NAME, "main").text
    assert "Suggestion : Budget participatif" in main and "« aménager »" in main
    assert "Idée déposée dans la boîte à idées." in main  # the history, from the citizen's click

    Select(chrome.find_element(By.ID, "forward-scheme")).select_by_value("budget")
    chrome.find_element(By.ID, "forward-message").send_keys("Complétez votre projet, il est prometteur.")
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[normalize-space()='Transmettre']"))
    main = chrome.find_element(By.TAG_NAME, "main").text
    assert "Décision en attente : Transmettre à un dispositif vers « Budget participatif »" in main
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[normalize-space()='Annuler cette décision']"))
    main = chrome.find_element(By.TAG_NAME, "main").text
    assert "Décision annulée" in main and "Annulée" in main  # the undone decision stays in the history
    assert chrome.find_element(By.XPATH, "//main//button[normalize-space()='Transmettre']")

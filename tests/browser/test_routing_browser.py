"""Headless Chromium in the back office: an agent finds a new idea in the inbox, reads the suggestion and its
history, forwards it, sees the decision waiting for its undo window, and undoes it."""
import time

import pytest
import requests

from tests.e2e.people import administrator

from .pages import heading, log_in, main_text, navigate

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_an_agent_forwards_an_idea_from_the_inbox_and_undoes_it(platform, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    agent = administrator(platform, "agent.orientation", pseudonym="Agente")
    title = f"Aménager le square Pétanque {time.monotonic_ns() % 10**6}"
    submitted = requests.post(f"{platform.url}/api/v1/ideas", headers=agent.headers,
                              json={"title": title, "theme": "cadre_de_vie", "arrondissement": 18,
                                    "description": "Installer des bancs et créer deux pistes de pétanque."})
    assert submitted.status_code == 201, submitted.text

    log_in(chrome, platform, agent.email)

    deadline = time.monotonic() + 20
    while True:  # the idea reaches the inbox through an event: reload until it is there
        chrome.get(platform.url + "/back-office/orientation")
        links = chrome.find_elements(By.LINK_TEXT, title)
        if links or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert links, "the idea never appeared in the inbox"
    navigate(chrome, links[0])
    assert heading(chrome) == title
    main = main_text(chrome)
    assert "Suggestion : Budget participatif" in main and "« Aménager »" in main
    assert "Idée déposée dans la boîte à idées." in main  # the history, from the citizen's click

    Select(chrome.find_element(By.ID, "forward-scheme")).select_by_value("budget")
    chrome.find_element(By.ID, "forward-message").send_keys("Complétez votre projet, il est prometteur.")
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[normalize-space()='Transmettre']"))
    main = main_text(chrome)
    assert "Décision en attente : Transmettre à un dispositif vers « Budget participatif »" in main
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[normalize-space()='Annuler cette décision']"))
    main = main_text(chrome)
    assert "Décision annulée" in main and "Annulée" in main  # the undone decision stays in the history
    assert chrome.find_element(By.XPATH, "//main//button[normalize-space()='Transmettre']")

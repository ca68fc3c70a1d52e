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


def test_the_decision_page_counts_the_undo_window_down_and_shows_the_decision_applied(platform, chrome):
    """Issue 15: the agent sees the seconds left and, without reloading by hand, when the decision took effect (the
    page's script reloads it once the window is over); axe finds nothing on the page while it counts."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from .test_similar_browser import accessibility_violations
    agent = administrator(platform, "agent.compte-a-rebours", pseudonym="Agente du compte à rebours")
    title = f"Aménager la place du Compte {time.monotonic_ns() % 10**6}"
    submitted = requests.post(f"{platform.url}/api/v1/ideas", headers=agent.headers,
                              json={"title": title, "theme": "cadre_de_vie", "arrondissement": 12,
                                    "description": "Installer des bancs et créer une fontaine sur la place."})
    assert submitted.status_code == 201, submitted.text
    log_in(chrome, platform, agent.email)
    deadline = time.monotonic() + 20
    while True:  # the idea reaches the inbox through an event
        chrome.get(platform.url + "/back-office/orientation")
        links = chrome.find_elements(By.LINK_TEXT, title)
        if links or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert links, "the idea never appeared in the inbox"
    navigate(chrome, links[0])
    Select(chrome.find_element(By.ID, "forward-scheme")).select_by_value("budget")
    navigate(chrome, chrome.find_element(By.XPATH, "//main//button[normalize-space()='Transmettre']"))
    assert "Décision en attente" in main_text(chrome)

    counter = chrome.find_element(By.CSS_SELECTOR, "[data-undo-counter]")
    first = counter.text
    time.sleep(2.2)
    assert counter.text != first and counter.text.startswith("dans "), (first, counter.text)  # counting down
    assert accessibility_violations(chrome, "main") == []
    chrome.execute_script("window.sameDocument = true;")  # gone once the page reloads itself

    deadline = time.monotonic() + 40  # the undo window (15 s on the shared platform), then the sweep (1 s)
    while "appliquée le" not in main_text(chrome) and time.monotonic() < deadline:
        time.sleep(0.5)
    main = main_text(chrome)
    assert "Décision « Transmettre à un dispositif » vers « Budget participatif » appliquée le" in main, main
    assert "Décision en attente" not in main
    assert chrome.execute_script("return window.sameDocument === undefined;")  # reloaded by the page, not by us

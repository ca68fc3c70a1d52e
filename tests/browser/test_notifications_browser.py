"""Headless Chromium (issue 15): a citizen finds « Mes notifications » in the header, sets their preferences with the
radio buttons of each category, and unsubscribes from one category in one click from an e-mail's link without being
signed in; a forged link is a clear 400 page. Each page passes axe (WCAG 2 A and AA) and works without JavaScript
(the hub serves none on them).

The link is signed here as the notifications service signs the links of its e-mails (its development key, the one
the test platform runs with): the e-mail itself is the service's own test."""
import pytest

from tests.e2e.people import citizen

from .pages import heading, log_in, log_out, main_text, navigate, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def accessibility_violations(browser, selector: str) -> list:
    """axe-core's WCAG 2 A and AA rules over the part of the page `selector` names: (rule, the elements at fault)."""
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run(context={"include": [[selector]]},
                      options='{"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}')
    return [(violation["id"], [node["html"][:120] for node in violation["nodes"]])
            for violation in results["violations"]]


def unsubscribe_link(platform, account_id: str, category: str) -> str:
    from notifications.domain import sign_unsubscribe
    from notifications.settings import DEVELOPMENT_SECRET
    return f"{platform.url}/notifications/desabonnement/{sign_unsubscribe(DEVELOPMENT_SECRET, account_id, category)}"


def checked_channel(browser, category: str) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.CSS_SELECTOR, f"input[name='{category}']:checked").get_attribute("value")


def test_preferences_and_one_click_unsubscribe(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    camille = citizen(platform, mail_link, "Camille")
    log_in(chrome, platform, camille.email)

    navigate(chrome, chrome.find_element(By.XPATH, "//header//a[starts-with(normalize-space(), 'Mes notifications')]"))
    assert heading(chrome) == "Mes notifications"
    assert "Vous n'avez encore aucune notification." in main_text(chrome)
    assert accessibility_violations(chrome, "header") == []
    assert accessibility_violations(chrome, "main") == []

    navigate(chrome, chrome.find_element(By.PARTIAL_LINK_TEXT, "préférences de notification"))
    assert heading(chrome) == "Préférences de notification"
    assert checked_channel(chrome, "followed") == "digest" and checked_channel(chrome, "my_ideas") == "email"
    assert accessibility_violations(chrome, "main") == []
    chrome.find_element(By.XPATH, "//fieldset[legend='Ce que je suis']//label[normalize-space()='Dans le hub "
                                  "seulement']").click()
    press(chrome, "Enregistrer mes préférences")
    assert "Vos préférences de notification sont enregistrées." in main_text(chrome)
    chrome.get(platform.url + "/notifications/preferences")
    assert checked_channel(chrome, "followed") == "hub"

    # the e-mail's link, opened by someone who is not signed in: one button, no login
    log_out(chrome)
    link = unsubscribe_link(platform, camille.id, "my_ideas")
    chrome.get(link)
    assert heading(chrome) == "Se désabonner"
    assert accessibility_violations(chrome, "main") == []
    press(chrome, "Me désabonner")
    assert heading(chrome) == "Désabonnement enregistré"
    assert "Vous êtes désabonné·e de « Mes idées »" in main_text(chrome)
    assert accessibility_violations(chrome, "main") == []

    # an altered link changes nothing and says so
    chrome.get(unsubscribe_link(platform, camille.id, "followed")[:-3] + "AAA")
    press(chrome, "Me désabonner")
    assert heading(chrome) == "Lien de désabonnement invalide"
    assert "Rien n'a été modifié." in main_text(chrome)
    assert accessibility_violations(chrome, "main") == []

    log_in(chrome, platform, camille.email)
    chrome.get(platform.url + "/notifications/preferences")
    assert checked_channel(chrome, "my_ideas") == "never" and checked_channel(chrome, "followed") == "hub"

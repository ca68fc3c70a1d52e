"""Issue 15's « Done when », in headless Chromium on the running platform: a citizen chooses to be e-mailed at once
about « Mes idées » and proposes an idea; an agent answers it (routing's decision, applied after its undo window);
the citizen sees the notification in the hub and the unread count in the header; the e-mail reached the platform's
SMTP server with the one-click unsubscribe headers (RFC 8058), and its link unsubscribes without signing in;
« Mon espace » lists the idea with its answered state; then the citizen opens a greening-permit dossier through
« Agir » and finds it in « Mon espace » too. « Mon espace » passes axe (WCAG 2 A and AA) and needs no JavaScript.

The agent acts through the API (their own pages are routing's browser test); everything the citizen does is done
in the browser."""
import email.policy
import re
import time
from email import message_from_bytes

import pytest
import requests

from hubkit.testing import body_of
from tests.e2e.people import administrator, resident, wait_for

from .pages import fill, heading, log_in, log_out, main_text, navigate, press
from .test_act_browser import fill_the_greening_form, fits_a_phone
from .test_similar_browser import accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

IDEA_TITLE = "Un composteur partagé au square de la Mouzaïa"
ANSWER = "La DEVE installe un composteur partagé dans ce square au printemps : inscrivez-vous en mairie."
# the header's count is kept 20 s per person and gateway process (gateway.unread_notifications): it may lag this long
HEADER_COUNT_SECONDS = 60


def header_notifications_link(browser) -> str:
    """The header's « Mes notifications » link as a screen reader reads it (its visually hidden words included)."""
    from selenium.webdriver.common.by import By
    link = browser.find_element(By.XPATH, "//header//a[starts-with(normalize-space(), 'Mes notifications')]")
    return " ".join(link.get_attribute("textContent").split())


def reload_until(browser, url: str, condition, timeout: float) -> bool:
    """Open `url` again until `condition(browser)` holds (an event travelling between services), or `timeout`."""
    def probe():
        browser.get(url)
        return condition(browser)
    return wait_for(probe, timeout)


def space_item(browser, path: str):
    """The « Mon espace » item whose title links to `path`, or None."""
    from selenium.webdriver.common.by import By
    found = browser.find_elements(By.XPATH, f"//li[contains(@class, 'space-item')][.//h2/a[@href='{path}']]")
    return found[0] if found else None


def test_a_citizen_follows_an_answered_idea_and_a_dossier_from_their_space(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    agent = administrator(platform, label="agent.espace").headers
    camille = resident(platform, mail_link, "Espace")
    log_in(chrome, platform, camille.email)

    # --- preferences: « Mes idées » by e-mail, at once -----------------------------------------------------------
    chrome.get(platform.url + "/notifications/preferences")
    chrome.find_element(By.XPATH, "//fieldset[legend='Mes idées']//label[normalize-space()='Par e-mail, tout de "
                                  "suite']").click()
    press(chrome, "Enregistrer mes préférences")
    assert "Vos préférences de notification sont enregistrées." in main_text(chrome)

    # --- the idea, proposed in the browser -------------------------------------------------------------------------
    chrome.get(platform.url + "/idees/proposer")
    fill(chrome, title=IDEA_TITLE, description="Les habitants de la villa n'ont aucun composteur à moins de dix "
                                               "minutes à pied : un bac partagé au square serait très utile.")
    Select(chrome.find_element(By.NAME, "theme")).select_by_value("environnement")
    press(chrome, "Publier mon idée")
    assert heading(chrome) == IDEA_TITLE
    idea_id = chrome.current_url.rstrip("/").rsplit("/", 1)[1]

    # --- the agent answers it (routing applies the decision after its undo window) --------------------------------
    inbox = f"{platform.url}/api/v1/routing/inbox/{idea_id}"
    assert wait_for(lambda: requests.get(inbox, headers=agent).status_code == 200, 20), "never reached the inbox"
    decision = requests.post(f"{inbox}/decisions", headers=agent, json={"action": "answer", "message": ANSWER})
    assert decision.status_code == 201, decision.text

    # --- the e-mail: at once (the preference), with the one-click unsubscribe headers ------------------------------
    mail = platform.smtp.wait_for(lambda m: m["To"] == camille.email and m["List-Unsubscribe"] is not None, 90)
    mail = message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{platform.url}/notifications/desabonnement/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert IDEA_TITLE in body_of(mail) and ANSWER in body_of(mail)  # the answer's mail, with the agent's words

    # --- in the hub: the header's unread count, then the notification itself --------------------------------------
    counted = reload_until(chrome, platform.url + "/mon-compte",
                           lambda browser: header_notifications_link(browser) == "Mes notifications (1 non lue)",
                           HEADER_COUNT_SECONDS)
    assert counted, f"the header never counted the notification: {header_notifications_link(chrome)!r}"
    navigate(chrome, chrome.find_element(By.XPATH, "//header//a[starts-with(normalize-space(), 'Mes notifications')]"))
    assert heading(chrome) == "Mes notifications"
    notification = chrome.find_element(By.CSS_SELECTOR, ".notification--new")
    assert IDEA_TITLE in notification.text
    assert notification.find_element(By.TAG_NAME, "a").get_attribute("href").endswith(f"/idees/{idea_id}")

    # --- the e-mail's link, opened with no session: one button, and « Mes idées » is stopped ----------------------
    log_out(chrome)
    chrome.get(unsubscribe)
    assert heading(chrome) == "Se désabonner"
    press(chrome, "Me désabonner")
    assert heading(chrome) == "Désabonnement enregistré" and "« Mes idées »" in main_text(chrome)
    preferences = requests.get(f"{platform.url}/api/v1/me/notification-preferences", headers=camille.headers).json()
    assert {row["category"]: row["channel"] for row in preferences["preferences"]}["my_ideas"] == "never"

    # --- « Mon espace »: the idea, answered ------------------------------------------------------------------------
    log_in(chrome, platform, camille.email)
    navigate(chrome, chrome.find_element(By.XPATH, "//header//a[normalize-space()='Mon espace']"))
    assert heading(chrome) == "Mon espace"
    space = platform.url + "/mon-espace"
    idea_path = f"/idees/{idea_id}"
    assert reload_until(chrome, space, lambda browser: (found := space_item(browser, idea_path)) is not None
                        and "Réponse apportée" in found.text, 30), main_text(chrome)
    idea = space_item(chrome, idea_path)
    assert idea.find_element(By.TAG_NAME, "h2").text == IDEA_TITLE
    assert "Auteur·rice" in idea.text and ANSWER[:60] in idea.text
    assert re.search(r"Mis à jour le \d{1,2}(er)? \w+ \d{4} à \d{1,2} h \d{2}", idea.text)
    assert chrome.find_element(By.XPATH, "//nav[@aria-label=\"Types d'éléments\"]//a[@aria-current='page']"
                               ).text.startswith("Tout")
    assert accessibility_violations(chrome, "header") == [] and accessibility_violations(chrome, "main") == []
    assert fits_a_phone(chrome)

    # --- a greening-permit dossier through « Agir », then found in « Mon espace » ----------------------------------
    chrome.get(platform.url + "/agir")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Permis de végétaliser"))
    dossier_title = f"Jardinière rue de la Mouzaïa {time.monotonic_ns() % 10**6}"
    fill_the_greening_form(chrome, dossier_title)
    press(chrome, "Envoyer ma demande")
    reference = re.fullmatch(r"Dossier (DEVE-\d{4}-\d{6,})", heading(chrome)).group(1)

    dossier_path = f"/agir/dossiers/{reference}"
    assert reload_until(chrome, space + "?type=dossier",
                        lambda browser: space_item(browser, dossier_path) is not None, 30), main_text(chrome)
    dossier = space_item(chrome, dossier_path)
    # the item is named after its scheme; the person's role and the state are in French
    assert "Permis de végétaliser" in dossier.text and "Demandeur·euse" in dossier.text
    assert "Demande « Agir »" in dossier.text and "Demande transmise au dispositif" in dossier.text
    tabs = chrome.find_element(By.XPATH, "//nav[@aria-label=\"Types d'éléments\"]")
    assert "Demandes « Agir » (1)" in tabs.text and "Idées (1)" in tabs.text
    assert space_item(chrome, idea_path) is None  # the tab shows dossiers only
    assert accessibility_violations(chrome, "main") == []
    navigate(chrome, dossier.find_element(By.CSS_SELECTOR, "h2 a"))
    assert heading(chrome) == f"Dossier {reference}"

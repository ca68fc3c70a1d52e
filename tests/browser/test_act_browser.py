"""Headless Chromium (issue 15, « Agir »): from the home page's door « Agir », a Paris resident opens a greening-permit
dossier with the scheme's own form and sees its reference and state, then finds it among their requests; a citizen
who has not declared living in Paris is told why they may not ask and what to do, and nothing is opened. Every page
passes axe and fits a phone's width."""
import re

import pytest

from tests.e2e.people import XSS, citizen, resident

from .pages import fill, heading, log_in, main_text, navigate, press
from .test_similar_browser import accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = (375, 812)


def fits_a_phone(browser) -> bool:
    """Whether the page, at a phone's width, has nothing wider than the screen (no sideways scrolling)."""
    desktop = browser.get_window_size()
    browser.set_window_size(*PHONE)
    try:
        return browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        browser.set_window_size(desktop["width"], desktop["height"])


def fill_the_greening_form(browser, title: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    fill(browser, title=title, description="Une jardinière de fleurs vivaces au pied du platane, arrosée et "
                                           "entretenue par les parents de l'école.", location="Devant l'école")
    Select(browser.find_element(By.NAME, "arrondissement")).select_by_value("19")
    browser.find_element(By.CSS_SELECTOR, "label[for$='fields.support-planter']").click()
    browser.find_element(By.CSS_SELECTOR, "label[for$='fields.upkeep']").click()


def test_a_resident_opens_a_greening_permit_dossier_through_agir(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    gardener = resident(platform, mail_link, "Jardiniere")
    log_in(chrome, platform, gardener.email)

    chrome.get(platform.url + "/")
    door = chrome.find_element(By.ID, "porte-agir")
    assert "permis de végétaliser" in door.text
    assert accessibility_violations(chrome, "main") == []
    navigate(chrome, door.find_element(By.LINK_TEXT, "Agir"))
    assert heading(chrome) == "Agir"
    schemes = chrome.find_element(By.CSS_SELECTOR, ".act-schemes").text
    for name in ("Permis de végétaliser", "DansMaRue (signalement)", "Bénévolat (Volontaires de Paris)"):
        assert name in schemes
    assert "Qui peut demander" in schemes
    assert accessibility_violations(chrome, "main") == [] and fits_a_phone(chrome)

    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Permis de végétaliser"))
    assert heading(chrome) == "Permis de végétaliser" and "habitants de Paris" in main_text(chrome)
    assert accessibility_violations(chrome, "main") == [] and fits_a_phone(chrome)
    # a first try without the upkeep commitment: told next to the box, what was typed is kept
    fill(chrome, title=f"Jardinière {XSS}", description="Trop court")
    press(chrome, "Envoyer ma demande")
    assert "La demande n'a pas été envoyée" in main_text(chrome)
    assert chrome.find_element(By.NAME, "title").get_attribute("value") == f"Jardinière {XSS}"
    assert accessibility_violations(chrome, "main") == []

    fill_the_greening_form(chrome, f"Jardinière {XSS}")
    press(chrome, "Envoyer ma demande")
    reference = re.fullmatch(r"Dossier (DEVE-\d{4}-\d{6,})", heading(chrome)).group(1)
    page = main_text(chrome)
    assert f"Votre demande est enregistrée : dossier {reference}." in chrome.find_element(By.TAG_NAME, "body").text
    assert f"Jardinière {XSS}" in page  # shown as typed, never run
    state = chrome.find_element(By.ID, "etat-dossier").text
    assert "transmission" in state.lower() or state.startswith("Transmis")
    assert "ouvert auprès de « Permis de végétaliser »" in page
    assert accessibility_violations(chrome, "main") == [] and fits_a_phone(chrome)

    chrome.get(platform.url + "/agir")
    mine = chrome.find_element(By.XPATH, "//section[h2[normalize-space()='Vos demandes']]")
    assert reference in mine.text
    navigate(chrome, mine.find_element(By.PARTIAL_LINK_TEXT, "Jardinière"))
    assert heading(chrome) == f"Dossier {reference}"


def test_a_citizen_not_living_in_paris_is_told_what_to_do_and_nothing_is_opened(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    visitor = citizen(platform, mail_link, "Voyageuse")
    log_in(chrome, platform, visitor.email)
    chrome.get(platform.url + "/agir/greening_permit")
    fill_the_greening_form(chrome, "Des fleurs au pied des arbres")
    press(chrome, "Envoyer ma demande")
    assert "réservé aux personnes qui habitent à Paris" in main_text(chrome)
    link = chrome.find_element(By.PARTIAL_LINK_TEXT, "Déclarer mon adresse parisienne")
    assert link.get_attribute("href").endswith("/mon-compte")
    assert accessibility_violations(chrome, "main") == []
    chrome.get(platform.url + "/agir")
    assert "Vos demandes" not in main_text(chrome)

"""Headless Chromium: the site menu's « Agir » entry (issue 15), beside the participation entries, takes a visitor to
« Agir », whose pages it marks as the current one; the menu and the home page stay clean for axe, and the menu fits
a phone's width."""
import pytest

from .pages import heading, navigate
from .test_act_browser import fits_a_phone
from .test_similar_browser import accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
MENU = "nav.site-nav"


def test_the_menu_s_agir_entry_leads_to_agir_and_marks_it_current(platform, chrome):
    from selenium.webdriver.common.by import By
    chrome.delete_all_cookies()
    chrome.get(platform.url + "/")
    menu = chrome.find_element(By.CSS_SELECTOR, MENU)
    entries = [link.text for link in menu.find_elements(By.TAG_NAME, "a")]
    assert entries.index("Budget participatif") + 1 == entries.index("Agir")
    assert accessibility_violations(chrome, MENU) == [] and accessibility_violations(chrome, "main") == []
    assert fits_a_phone(chrome)

    navigate(chrome, menu.find_element(By.LINK_TEXT, "Agir"))
    assert heading(chrome) == "Agir"
    current = chrome.find_element(By.CSS_SELECTOR, f"{MENU} [aria-current='page']")
    assert current.text == "Agir" and current.get_attribute("href").endswith("/agir")
    assert accessibility_violations(chrome, MENU) == []

"""Headless Chromium (issue 15, section 5): the page « Données ouvertes », reached from every page's footer, lists
each dataset with its columns and licence, passes axe (WCAG 2 A and AA) on a desktop and on a phone's screen
without scrolling sideways, and its links download the files (no script needed: plain links)."""
import pytest
import requests

from .pages import heading, main_text, navigate
from .test_phone_width import PHONE, too_wide
from .test_similar_browser import accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_the_open_data_page_is_reached_from_the_footer_readable_by_all_and_on_a_phone(platform, chrome):
    from selenium.webdriver.common.by import By
    chrome.delete_all_cookies()
    chrome.get(platform.url + "/idees")
    navigate(chrome, chrome.find_element(By.XPATH, "//footer//a[normalize-space()='Données ouvertes']"))
    assert heading(chrome) == "Données ouvertes"
    text = main_text(chrome)
    assert "Open Database License (ODbL) 1.0" in text and "Idées de la boîte à idées" in text
    assert "Consultations citoyennes" in text and "Budget participatif : projets" in text
    assert accessibility_violations(chrome, "body") == []

    # the download links are plain links to files the gateway streams
    link = chrome.find_element(By.XPATH, "//section[@id='ideas']//a[contains(normalize-space(), '(CSV)')]")
    downloaded = requests.get(link.get_attribute("href"))
    assert downloaded.status_code == 200 and downloaded.content.startswith("\ufeffidea_id;".encode())

    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        assert too_wide(chrome, platform.url + "/donnees-ouvertes") is None
        assert accessibility_violations(chrome, "body") == []
    finally:
        chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

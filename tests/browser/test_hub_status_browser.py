"""Headless Chromium: an administrator reaches "État du hub" from the back office and reads one table row per
service, each named by its row header, under a caption (what a screen reader announces)."""
import pytest

from tests.e2e.people import administrator

from .pages import heading, log_in, navigate

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_an_admin_reads_the_state_of_every_service(platform, chrome):
    from selenium.webdriver.common.by import By
    admin = administrator(platform, "etat.navigateur")
    log_in(chrome, platform, admin.email)
    chrome.get(platform.url + "/back-office")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "État du hub"))
    assert heading(chrome) == "État du hub"
    table = chrome.find_element(By.CSS_SELECTOR, "table.hub-status")
    assert table.find_element(By.TAG_NAME, "caption").text.startswith("Services du hub (6 sur 6 répondent)")
    rows = {row.find_element(By.CSS_SELECTOR, "th[scope=row]").text: row.text
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert set(rows) == {"accounts", "ideas", "budget", "petitions", "routing", "notifications"}
    assert all("Opérationnel" in text for text in rows.values()), rows
    headers = [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "thead th[scope=col]")]
    assert headers[:2] == ["Service", "Santé"] and "Lettres mortes" in headers

"""Headless Chromium signs up, confirms the e-mail, logs in and out through the real pages."""
import shutil
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PASSWORD = "Des-Arbres-Partout-2026"


@pytest.fixture(scope="module")
def chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "chromium and chromium-driver are missing: `make test` installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update", "--window-size=1280,900"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.implicitly_wait(5)
    yield browser
    browser.quit()


def fill(browser, **fields):
    from selenium.webdriver.common.by import By
    for name, value in fields.items():
        element = browser.find_element(By.NAME, name)
        element.clear()
        element.send_keys(value)


def navigate(browser, element):
    """Click `element` and wait until the page it leads to is fully loaded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    old_page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    wait = WebDriverWait(browser, 10)
    wait.until(expected_conditions.staleness_of(old_page))
    wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")


def click(browser, text: str, scope: str = "//main"):
    from selenium.webdriver.common.by import By
    navigate(browser, browser.find_element(By.XPATH, f"{scope}//button[contains(normalize-space(), '{text}')]"))


def heading(browser) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.TAG_NAME, "h1").text


def test_sign_up_confirm_and_log_in_in_chromium(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    email = f"alex.{time.monotonic_ns()}@exemple.fr"
    pseudonym = f"Alex {time.monotonic_ns() % 10**6}"

    chrome.get(platform.url + "/")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Créer mon compte"))
    assert heading(chrome) == "Créer un compte"
    fill(chrome, email=email, pseudonym=pseudonym, password=PASSWORD, password_confirmation=PASSWORD)
    click(chrome, "Créer mon compte")
    assert heading(chrome) == "Vérifiez vos e-mails"

    chrome.get(mail_link(platform, email, "/compte/verifier"))
    click(chrome, "Confirmer mon adresse")
    assert "confirm" in chrome.page_source.lower()

    chrome.get(platform.url + "/connexion")
    fill(chrome, email=email, password="pas le bon mot de passe")
    click(chrome, "Me connecter")
    assert "incorrect" in chrome.find_element(By.TAG_NAME, "main").text
    fill(chrome, email=email, password=PASSWORD)
    click(chrome, "Me connecter")
    assert chrome.current_url.endswith("/mon-compte")
    assert pseudonym in chrome.find_element(By.TAG_NAME, "main").text
    cookie = chrome.get_cookie("hub_session")
    assert cookie["httpOnly"] is True

    click(chrome, "déconnecter", scope="//header")
    chrome.get(platform.url + "/mon-compte")
    assert "/connexion" in chrome.current_url

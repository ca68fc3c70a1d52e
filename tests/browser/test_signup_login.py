"""Headless Chromium signs up, confirms the e-mail, logs in and out through the real pages."""
import time

import pytest

from .pages import PASSWORD, fill, heading, log_out, main_text, navigate, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_sign_up_confirm_and_log_in_in_chromium(platform, chrome, mail_link):
    from selenium.webdriver.common.by import By
    email = f"alex.{time.monotonic_ns()}@exemple.fr"
    pseudonym = f"Alex {time.monotonic_ns() % 10**6}"

    chrome.get(platform.url + "/")
    navigate(chrome, chrome.find_element(By.LINK_TEXT, "Créer mon compte"))
    assert heading(chrome) == "Créer un compte"
    fill(chrome, email=email, pseudonym=pseudonym, password=PASSWORD, password_confirmation=PASSWORD)
    press(chrome, "Créer mon compte")
    assert heading(chrome) == "Vérifiez vos e-mails"

    chrome.get(mail_link(platform, email, "/compte/verifier"))
    press(chrome, "Confirmer mon adresse")
    assert "confirm" in chrome.page_source.lower()
    # the login form is filled with the address just confirmed: only the password is left to type
    assert chrome.current_url.endswith("/connexion")
    assert chrome.find_element(By.NAME, "email").get_attribute("value") == email
    assert chrome.switch_to.active_element.get_attribute("name") == "password"

    fill(chrome, password="pas le bon mot de passe")
    press(chrome, "Me connecter")
    assert "incorrect" in main_text(chrome)
    fill(chrome, email=email, password=PASSWORD)
    press(chrome, "Me connecter")
    assert chrome.current_url.endswith("/mon-compte")
    assert pseudonym in main_text(chrome)
    cookie = chrome.get_cookie("hub_session")
    assert cookie["httpOnly"] is True

    log_out(chrome)
    chrome.get(platform.url + "/mon-compte")
    assert "/connexion" in chrome.current_url

"""A petition in real Chromium, through the hub's pages only: drafted by its author, co-sponsored by the private
link, submitted, published by a moderator with a small threshold, signed by several citizens until the threshold
is reached, a double signature and a rate limit refused with clear messages, a fraudulent e-mail domain
invalidated from the fraud view with the count exact afterwards, then placed on a session of the Conseil de
Paris and answered. Runs on the shared platform (the threshold is the admin's choice at publication).

Only what the browser does not have to prove goes through the API: creating the accounts, four of the five
co-sponsorships, and the other signers' signatures."""
import re

import pytest
import requests

from tests.e2e.people import administrator, citizen, read_mail_link

from .pages import fill, log_in, main_text, press

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
TITLE = "Des arceaux à vélos devant chaque école du 20e"
REASON = "Série de comptes créés pour signer"


def tick(browser, label: str):
    from selenium.webdriver.common.by import By
    browser.find_element(By.XPATH, f"//label[contains(normalize-space(), \"{label}\")]").click()


def count_shown(platform, petition_id: str, headers: dict) -> int:
    return requests.get(f"{platform.url}/api/v1/petitions/{petition_id}", headers=headers).json()["signatures_count"]


def test_a_petition_from_draft_to_the_council_in_chromium(platform, chrome):
    from selenium.webdriver.common.by import By
    api = f"{platform.url}/api/v1"
    author = citizen(platform, read_mail_link, "Autrice")
    sponsors = [citizen(platform, read_mail_link, f"Parrain{n}") for n in range(5)]
    signers = [citizen(platform, read_mail_link, "Signataire"), citizen(platform, read_mail_link, "Voisine")]
    farm = citizen(platform, read_mail_link, "Serie", email_domain="ferme-a-clics.fr")
    hasty = citizen(platform, read_mail_link, "Presse")
    moderator = administrator(platform, "admin.petitions.navigateur")

    # the author drafts the petition and finds the private link for co-sponsors
    log_in(chrome, platform, author.email)
    chrome.get(platform.url + "/petitions/nouvelle")
    fill(chrome, title=TITLE, asks="Nous demandons des arceaux à vélos devant chacune des écoles du 20e.",
         background="Les parents qui accompagnent leurs enfants à vélo n'ont nulle part où attacher leurs vélos.")
    press(chrome, "Enregistrer le brouillon")
    assert "Votre brouillon est enregistré" in main_text(chrome)
    petition_id = re.search(r"/petitions/([0-9a-f-]{36})", chrome.current_url).group(1)
    sponsor_url = chrome.find_element(By.CSS_SELECTOR, ".petition__link code").text
    assert "/petitions/parrainer/" in sponsor_url

    # one co-sponsor in the browser, the four others by the API; then the author submits
    log_in(chrome, platform, sponsors[0].email)
    chrome.get(sponsor_url)
    press(chrome, "Parrainer cette pétition")
    assert "Merci, vous parrainez cette pétition" in main_text(chrome)
    token = sponsor_url.rsplit("/", 1)[1]
    for sponsor in sponsors[1:]:
        assert requests.post(f"{api}/petitions/sponsorships/{token}", headers=sponsor.headers).status_code == 201
    log_in(chrome, platform, author.email)
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    assert "Co-parrains : 5 sur 5" in main_text(chrome)
    press(chrome, "Soumettre à la modération")
    assert "soumise à la modération" in main_text(chrome)

    # a moderator (an admin: they may choose a small threshold) publishes it
    log_in(chrome, platform, moderator.email)
    chrome.get(platform.url + "/back-office/petitions/moderation")
    publish = f"//form[contains(@action, '/{petition_id}/publier')]"
    fill(chrome, publish, threshold="3")
    press(chrome, "Publier", publish)
    assert f"La pétition « {TITLE} » est publiée." in main_text(chrome)

    # a citizen signs in the browser; a second signature (another tab signed meanwhile) is refused clearly
    log_in(chrome, platform, signers[0].email)
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    tick(chrome, "J'habite à Paris")
    press(chrome, "Signer la pétition")
    assert "Merci, votre signature est enregistrée. La pétition compte 1 signature." in main_text(chrome)
    assert "Vous avez signé cette pétition." in main_text(chrome)
    log_in(chrome, platform, signers[1].email)
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    tick(chrome, "Je travaille à Paris")
    assert requests.post(f"{api}/petitions/{petition_id}/signatures", headers=signers[1].headers,
                         json={"connection": {"works": True}}).status_code == 201  # the other tab
    press(chrome, "Signer la pétition")
    text = main_text(chrome)
    assert "Votre signature n'a pas été enregistrée" in text
    assert "Vous avez déjà signé cette pétition : une signature par personne." in text

    # a third signer, from a domain of accounts created in series, reaches the threshold
    reached = requests.post(f"{api}/petitions/{petition_id}/signatures", headers=farm.headers,
                            json={"connection": {"lives": True}})
    assert reached.status_code == 201 and reached.json()["status"] == "threshold_reached"

    # someone who keeps trying is stopped with the time to wait
    for _ in range(5):  # every attempt counts against the per-account burst window, even a refused one
        requests.post(f"{api}/petitions/{petition_id}/signatures", headers=hasty.headers, json={})
    log_in(chrome, platform, hasty.email)
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    tick(chrome, "J'étudie à Paris")
    press(chrome, "Signer la pétition")
    text = main_text(chrome)
    assert "Votre signature n'a pas été enregistrée" in text and "Trop de tentatives" in text
    assert re.search(r"réessayez dans \d+ (secondes?|minutes?)", text), text
    assert count_shown(platform, petition_id, hasty.headers) == 3

    # the moderator sees the domains that signed, invalidates the suspicious one, and the count is exact
    log_in(chrome, platform, moderator.email)
    chrome.get(f"{platform.url}/back-office/petitions/{petition_id}/fraude")
    text = main_text(chrome)
    assert "ferme-a-clics.fr" in text and "exemple.fr" in text and farm.email not in text
    by_domain = "//form[.//input[@name='mode' and @value='domain']]"
    fill(chrome, by_domain, email_domain="ferme-a-clics.fr", reason=REASON)
    press(chrome, "Invalider les signatures de ce domaine", by_domain)
    assert "1 signature invalidée. La pétition compte désormais 2 signatures." in main_text(chrome)
    assert count_shown(platform, petition_id, author.headers) == 2
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    assert REASON in main_text(chrome) and "Seuil atteint" in main_text(chrome)

    # the admin places it on a session of the Conseil de Paris, then publishes the City's answer
    chrome.get(platform.url + "/back-office/petitions/conseil")
    placement = f"//form[contains(@action, '/{petition_id}/conseil')]"
    fill(chrome, placement, session_date="2030-06-09",
         agenda_url="https://www.paris.fr/conseil-de-paris/seance-juin-2030")
    press(chrome, "Inscrire au Conseil", placement)
    assert f"La pétition « {TITLE} » est inscrite au Conseil de Paris." in main_text(chrome)
    answer = f"//form[contains(@action, '/{petition_id}/reponse')]"
    chrome.find_element(By.XPATH, f"{answer}//select[@name='decision']/option[@value='accepted']").click()
    fill(chrome, answer, response="Des arceaux seront installés devant les 42 écoles du 20e d'ici la rentrée.")
    press(chrome, "Publier la réponse", answer)
    chrome.get(f"{platform.url}/petitions/{petition_id}")
    text = main_text(chrome)
    assert "Réponse de la Ville : Demande acceptée" in text and "42 écoles" in text and "9 juin 2030" in text

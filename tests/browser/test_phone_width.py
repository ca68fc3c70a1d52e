"""Headless Chromium on a phone's screen (issue 15, section 4: most citizens come by phone): at 375 × 812 CSS
pixels, every main page of the hub — public, citizen's and agent's, « Agir », notifications, « Mon espace » and open data — fits the screen's width, so that nothing needs
scrolling sideways (`document.documentElement.scrollWidth <= window.innerWidth`); a wide table scrolls inside its
own labelled box instead. The world (an idea with a long word, a budget edition, a published petition, a
consultation) is made through the API: it is not the point here."""
import pytest
import requests

from tests.e2e.people import administrator, citizen
from tests.e2e.test_schemathesis import seed_budget, seed_consultations, seed_ideas, seed_petitions

from .pages import log_in
from .test_similar_browser import accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}
# what a citizen may type that no line can break: a long word, a web address
LONG_WORD = "Anticonstitutionnellementvégétalisationdesruesdeparis"
LONG_ADDRESS = "https://www.paris.fr/pages/des-fontaines-a-boire-le-long-du-canal-saint-martin-et-de-l-ourcq-2026"
# « Agir »: a scheme's form (routing's catalogue); the unsubscribe page of an e-mail's link shows its button for any
# token of the right shape (the token is checked when the button is pressed)
ACT_SCHEME = "greening_permit"
UNSUBSCRIBE_TOKEN = "jeton-de-desabonnement.telephone"
# the elements wider than the screen, for a failure's message
OVERFLOWING = """
const width = 375, found = [];
const wide = (element) => element.getBoundingClientRect().right > width + 0.5;
for (const element of document.body.querySelectorAll('*')) {
  if (wide(element) && !Array.from(element.children).some(wide)) {
    const name = element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).trim().split(/\\s+/).join('.') : '');
    found.push(name + ' ' + Math.round(element.getBoundingClientRect().width) + ' ' + element.textContent.trim().slice(0, 40));
  }
}
return found.slice(0, 6);
"""


@pytest.fixture(scope="module")
def phone(chrome):
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    yield chrome
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture(scope="module")
def world(platform):
    from tests.conftest import read_mail_link
    api = f"{platform.url}/api/v1"
    admin = administrator(platform, "admin.telephone")
    author = citizen(platform, read_mail_link, "Telephone")
    other = citizen(platform, read_mail_link, "Telephone-voisin")
    ideas = seed_ideas(api, author.headers, other.headers)
    long_idea = requests.post(f"{api}/ideas", headers=author.headers, json={
        "title": f"Des fontaines {LONG_WORD}", "theme": "cadre_de_vie", "arrondissement": 10,
        "description": f"Voir {LONG_ADDRESS} et {LONG_WORD} pour tout le quartier du canal."})
    assert long_idea.status_code == 201, long_idea.text
    return {"admin": admin, "author": author, "idea_id": ideas["idea_id"], "long_idea_id": long_idea.json()["id"],
            **seed_budget(api, admin.headers), "petition_ids": seed_petitions(platform, api, admin.headers,
                                                                               author.headers)["petition_id"],
            "consultation_id": seed_consultations(api, admin.headers, author.headers, other.headers)["consultation_id"]}


def too_wide(browser, url: str) -> tuple | None:
    """(url, page width, screen width, what overflows) when `url`'s page scrolls sideways on the phone (or is an
    error page), else None."""
    browser.get(url)
    if browser.title.startswith("Erreur"):  # an error page would fit and prove nothing about the page meant
        return (url, "error page", browser.title)
    width, screen = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    # a phone zooms out a page wider than its screen: the window then grows past the screen's 375 pixels too
    fits = width <= screen <= PHONE["width"]
    return None if fits else (url, width, screen, browser.execute_script(OVERFLOWING))


def test_every_main_page_fits_a_phone_without_scrolling_sideways(platform, phone, world):
    url = platform.url
    project = world["project_id"][0]
    public = ["/", "/idees", f"/idees/{world['idea_id']}", f"/idees/{world['long_idea_id']}",
              "/budget-participatif", "/budget-participatif/projets", f"/budget-participatif/projets/{project}",
              f"/budget-participatif/{world['cycle_id']}/resultats", "/petitions",
              f"/petitions/{world['petition_ids'][1]}", "/consultations", f"/consultations/{world['consultation_id']}",
              "/connexion", "/inscription", "/mot-de-passe-oublie", "/agir", f"/agir/{ACT_SCHEME}",
              "/donnees-ouvertes", f"/notifications/desabonnement/{UNSUBSCRIBE_TOKEN}"]
    phone.delete_all_cookies()
    failures = [failure for path in public if (failure := too_wide(phone, url + path))]

    log_in(phone, platform, world["author"].email)
    citizen_pages = ["/idees/proposer", "/mon-compte", "/mes-petitions", "/petitions/nouvelle",
                     "/budget-participatif/mes-projets", f"/petitions/{world['petition_ids'][0]}/modifier",
                     "/agir", f"/agir/{ACT_SCHEME}", "/notifications", "/notifications/preferences",
                     "/mon-espace"]
    failures += [failure for path in citizen_pages if (failure := too_wide(phone, url + path))]

    log_in(phone, platform, world["admin"].email)
    agent_pages = ["/back-office", "/back-office/orientation", f"/back-office/orientation/{world['idea_id']}",
                   f"/back-office/orientation/{world['long_idea_id']}", "/back-office/comptes", "/back-office/roles",
                   "/back-office/dispositifs", "/back-office/traces", "/back-office/etat", "/idees/moderation",
                   "/back-office/budget", f"/back-office/budget/{world['cycle_id']}",
                   f"/back-office/budget/{world['cycle_id']}/decomptes", "/back-office/petitions/moderation",
                   "/back-office/petitions/conseil", "/consultations/gestion", f"/idees/{world['idea_id']}"]
    failures += [failure for path in agent_pages if (failure := too_wide(phone, url + path))]
    assert failures == [], "\n".join(map(str, failures))
    # a word longer than the screen breaks, and the page stays readable by everyone
    phone.get(f"{url}/idees/{world['long_idea_id']}")
    assert accessibility_violations(phone, "main") == []


def test_a_wide_table_scrolls_in_its_own_labelled_box_on_a_phone(platform, phone, world):
    from selenium.webdriver.common.by import By
    log_in(phone, platform, world["admin"].email)
    phone.get(f"{platform.url}/back-office/etat")
    boxes = phone.find_elements(By.CSS_SELECTOR, ".table-scroll")
    assert boxes, "the services' table is in no scrollable box"
    for box in boxes:
        # a keyboard user can reach and scroll it, and a screen reader says what it holds
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        assert box.get_attribute("aria-label") or box.get_attribute("aria-labelledby")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE["width"]
    # the table keeps its natural width inside its box, which scrolls
    assert phone.execute_script("const box = arguments[0]; return box.scrollWidth > box.clientWidth", boxes[0])
    assert accessibility_violations(phone, "main") == []

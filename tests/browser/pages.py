"""What the browser tests do on the hub's pages (the `chrome` fixture is in conftest.py); the accounts they sign in
with come from tests/e2e/people.py."""
from tests.e2e.people import PASSWORD


def navigate(browser, element):
    """Click `element` and wait until the page it leads to is fully loaded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    old_page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    wait = WebDriverWait(browser, 10)
    wait.until(lambda driver: has_left(old_page))
    wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")


def has_left(old_page) -> bool:
    """Whether the browser has left the page whose <html> element is `old_page`."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    try:
        old_page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        # While it swaps the documents, Chromium may answer this instead of "stale element": the page is gone too.
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


def press(browser, text: str, scope: str = "//main"):
    """Click the button whose text contains `text` (which may hold an apostrophe) inside `scope` (an XPath), and
    wait for the next page."""
    from selenium.webdriver.common.by import By
    navigate(browser, browser.find_element(By.XPATH, f"{scope}//button[contains(normalize-space(), \"{text}\")]"))


def fill(browser, scope: str = "//main", **fields):
    """Type into the fields of `scope` (an XPath; the page's <meta name="description"> is not a field)."""
    from selenium.webdriver.common.by import By
    for name, value in fields.items():
        element = browser.find_element(By.XPATH, f"{scope}//*[@name='{name}']")
        if element.get_attribute("type") == "date":  # typing a date depends on the browser's locale
            browser.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def heading(browser) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.TAG_NAME, "h1").text


def main_text(browser) -> str:
    from selenium.webdriver.common.by import By
    return browser.find_element(By.TAG_NAME, "main").text


def log_in(browser, platform, email: str, password: str = PASSWORD):
    """Sign in through the login page, as whoever was signed in before leaves the browser."""
    browser.delete_all_cookies()
    browser.get(platform.url + "/connexion")
    fill(browser, email=email, password=password)
    press(browser, "Me connecter")
    assert "/connexion" not in browser.current_url, main_text(browser)


def log_out(browser):
    press(browser, "déconnecter", scope="//header")

"""/api/v1/me/notifications and /api/v1/me/notification-preferences on the running platform (issue 15): the
gateway's schemas and the notifications service agree on the wire, refusals are the one error body, and a refusal
changes nothing."""
import pytest
import requests

from .people import citizen

pytestmark = pytest.mark.e2e


def test_a_citizen_reads_their_notifications_and_sets_their_preferences(platform, mail_link):
    api = f"{platform.url}/api/v1"
    person = citizen(platform, mail_link, "Preferente")
    assert requests.get(f"{api}/me/notifications").status_code == 401

    listing = requests.get(f"{api}/me/notifications", headers=person.headers, params={"per_page": 5})
    assert listing.status_code == 200, listing.text
    assert listing.json() == {"items": [], "unread_count": 0, "total": 0, "page": 1, "per_page": 5}
    read = requests.post(f"{api}/me/notifications/read", headers=person.headers, json={"all": True})
    assert read.status_code == 200 and read.json() == {"unread_count": 0}

    preferences = requests.get(f"{api}/me/notification-preferences", headers=person.headers)
    assert preferences.status_code == 200, preferences.text
    assert {row["category"]: row["channel"] for row in preferences.json()["preferences"]} == {
        "my_ideas": "email", "followed": "digest", "my_projects": "email", "my_petitions": "email",
        "signed_petitions": "email",
        "consultations": "digest", "assignments": "email"}
    assert [row["label"] for row in preferences.json()["channels"]] == [
        "Dans le hub seulement", "Par e-mail, tout de suite", "Par e-mail, une fois par semaine", "Jamais"]

    refused = requests.put(f"{api}/me/notification-preferences", headers=person.headers,
                           json={"preferences": {"followed": "never", "my_ideas": "pigeon"}})
    assert refused.status_code == 400 and set(refused.json()) == {"error", "message", "details"}, refused.text
    unchanged = requests.get(f"{api}/me/notification-preferences", headers=person.headers).json()
    assert unchanged == preferences.json()  # not even `followed`

    changed = requests.put(f"{api}/me/notification-preferences", headers=person.headers,
                           json={"preferences": {"followed": "never"}})
    assert changed.status_code == 200, changed.text
    assert {row["category"]: row["channel"] for row in changed.json()["preferences"]}["followed"] == "never"

    export = requests.get(f"{api}/me/export", headers=person.headers)
    assert export.status_code == 200 and "notifications" in export.json()["services"]

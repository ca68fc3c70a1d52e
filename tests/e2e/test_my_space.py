"""« Mon espace » on the running platform (issue 15 §2): GET /api/v1/me/space answers the notifications service's
read model, fed by the events of the other services: a citizen's idea shows as theirs (author) and nobody else's;
a forged cursor or kind is a 400 with the one error body; a visitor gets a 401 (the page:
tests/browser/test_my_space_browser.py)."""
import pytest
import requests

from .people import citizen, read_mail_link, wait_for

pytestmark = pytest.mark.e2e
KINDS = {"idea", "contribution", "budget_project", "ballot", "petition", "dossier"}


def space(platform, person, **query) -> requests.Response:
    return requests.get(f"{platform.url}/api/v1/me/space", headers=person.headers, params=query, timeout=30)


def test_a_citizen_s_idea_is_in_their_space_and_no_one_else_s(platform):
    author, neighbour = citizen(platform, read_mail_link, "Espace-auteur"), citizen(platform, read_mail_link,
                                                                                     "Espace-voisin")
    created = requests.post(f"{platform.url}/api/v1/ideas", headers=author.headers, json={
        "title": "Des nichoirs dans le square Sainte-Marthe", "theme": "environnement", "arrondissement": 10,
        "description": "Poser une dizaine de nichoirs pour les mésanges, entretenus avec l'école voisine."})
    assert created.status_code == 201, created.text
    idea_id = created.json()["id"]

    answer = wait_for(lambda: (found := space(platform, author).json())["items"] and found, 20)
    [item] = answer["items"]
    assert (item["kind"], item["id"], item["roles"], item["link"]) == ("idea", idea_id, ["author"],
                                                                       f"/idees/{idea_id}")
    assert item["title"] == "Des nichoirs dans le square Sainte-Marthe" and item["state_label"]
    assert set(answer["kinds"]) == KINDS and answer["kinds"]["idea"] == 1
    assert answer["has_more"] is False and answer["next_cursor"] is None
    assert space(platform, author, kind="petition").json()["items"] == []

    theirs = space(platform, neighbour)
    assert theirs.status_code == 200 and theirs.json()["items"] == [] and sum(theirs.json()["kinds"].values()) == 0


@pytest.mark.parametrize("query, field", [({"cursor": "W10"}, "cursor"), ({"cursor": "pas-un-curseur"}, "cursor"),
                                          ({"kind": "everything"}, "kind"), ({"limit": 101}, "limit")])
def test_a_bad_query_is_a_400_with_the_one_error_body(platform, query, field):
    person = citizen(platform, read_mail_link, "Espace-curieux")
    response = space(platform, person, **query)
    assert response.status_code == 400 and set(response.json()) == {"error", "message", "details"}
    assert field in response.json()["details"]


def test_a_visitor_gets_a_401(platform):
    response = requests.get(f"{platform.url}/api/v1/me/space", timeout=30)
    assert response.status_code == 401 and response.json()["error"] == "AUTHENTICATION_REQUIRED"

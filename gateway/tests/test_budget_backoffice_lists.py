"""The budget back office's lists (study queue, selection, co-construction, implementation): one page of a cycle's
projects at a time, filtered by the service, with links to the other pages that keep the filters."""
import re

import pytest

from gateway.pages.budget_common import BACKOFFICE_PAGE
from gateway.tests.test_budget_pages import CYCLE_ID, budget, cycle, html, project  # noqa: F401 (budget: fixture)
from hubkit.errors import InvalidInput, NotFound

MANY = 2 * BACKOFFICE_PAGE + 7  # three pages


def numbered(number: int, **changes) -> dict:
    return project(f"aaaaaaaa-0000-4000-8000-{number:012d}", title=f"Projet numéro {number}", position=number,
                   **changes)


@pytest.fixture
def crowded(budget):
    """A cycle with as many projects as three pages: all waiting for their study, in the 5th."""
    budget.projects = [numbered(n, admissible=None, feasible=None, selected=False, status="submitted")
                       for n in range(1, MANY + 1)]
    return budget


def page_queries(budget) -> list:
    """The pages asked for (not the one-project counts)."""
    return [query for query, _ in budget.args_of("list_projects") if query["limit"] > 1]


def links(page: str) -> dict:
    return {rel: href for href, rel in re.findall(r'href="([^"]+)" rel="(prev|next)"', page)}


def test_the_study_queue_shows_one_page_and_links_the_others_with_its_filters(client, crowded, sign_in):
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/etude?secteur=paris-5&theme=Cadre+de+vie&page=2"))
    [query] = page_queries(crowded)
    assert query == {"cycle_id": CYCLE_ID, "studied": False, "sector": "paris-5", "theme": "Cadre de vie",
                     "limit": BACKOFFICE_PAGE, "offset": BACKOFFICE_PAGE}
    assert "Projet numéro 51" in page and "Projet numéro 100" in page
    assert "Projet numéro 50<" not in page and "Projet numéro 101" not in page
    assert f"{MANY} projets · page 2 sur 3" in page and "À étudier (107)" in page and "Déjà étudiés (0)" in page
    assert links(page) == {
        "prev": f"/back-office/budget/{CYCLE_ID}/etude?secteur=paris-5&theme=Cadre+de+vie",
        "next": f"/back-office/budget/{CYCLE_ID}/etude?secteur=paris-5&theme=Cadre+de+vie&page=3"}
    # the study forms come back to this page of the list
    assert f'/projets/{numbered(51)["id"]}/etude?secteur=paris-5&theme=Cadre+de+vie&page=2"' in page


def test_the_studied_tab_lists_the_projects_already_studied(client, crowded, sign_in):
    for studied in crowded.projects[:3]:
        studied.update(admissible=True, status="admissible")
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/etude?etat=etudies"))
    assert page_queries(crowded)[0]["studied"] is True
    assert "Déjà étudiés (3)" in page and "À étudier (104)" in page and "3 projets" in page
    assert "Projet numéro 4<" not in page and not links(page)


@pytest.mark.parametrize("asked, offset", [("abc", 0), ("-3", 0), ("0", 0), ("", 0), ("2.5", 0), ("²", 0), ("٣", 0),
                                           ("99999999999999999999", 0), ("3", 2 * BACKOFFICE_PAGE)])
def test_a_bad_page_number_shows_the_first_page(client, crowded, sign_in, asked, offset):
    sign_in("agent")
    response = client.get(f"/back-office/budget/{CYCLE_ID}/etude?page={asked}")
    assert response.status_code == 200
    assert [query["offset"] for query in page_queries(crowded)] == [offset]


def test_a_page_past_the_last_shows_the_last_one(client, crowded, sign_in):
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/etude?page=40"))
    assert [query["offset"] for query in page_queries(crowded)] == [39 * BACKOFFICE_PAGE, 2 * BACKOFFICE_PAGE]
    assert "page 3 sur 3" in page and f"Projet numéro {MANY}" in page and "next" not in links(page)


def test_unknown_filters_are_no_filter(client, crowded, sign_in):
    sign_in("agent")
    client.get(f"/back-office/budget/{CYCLE_ID}/etude?secteur=paris-99&theme=Jardinage&etat=tous")
    [query] = page_queries(crowded)
    assert query == {"cycle_id": CYCLE_ID, "studied": False, "limit": BACKOFFICE_PAGE, "offset": 0}
    client.get(f"/back-office/budget/{CYCLE_ID}/etude?secteur=paris")
    assert page_queries(crowded)[1]["scale"] == "paris"


def test_a_refused_study_shows_the_same_page_of_the_list_again(client, crowded, sign_in, post):
    crowded.cycle = cycle("study")
    crowded.fail("decide_study", InvalidInput(details={"cost": ["Un projet réalisable a un coût estimé."]}))
    sign_in("agent")
    project_id = numbered(60)["id"]
    response = post(f"/back-office/budget/{CYCLE_ID}/projets/{project_id}/etude?theme=Cadre+de+vie&page=2",
                    {"admissible": "oui", "admissibility_reason": "Un investissement.", "feasible": "oui",
                     "theme": "Environnement"})  # a field of the form does not change the list
    assert response.status_code == 400 and "Un projet réalisable a un coût estimé." in html(response)
    assert page_queries(crowded)[0]["offset"] == BACKOFFICE_PAGE and page_queries(crowded)[0]["theme"] == "Cadre de vie"
    crowded.failures.clear()
    done = post(f"/back-office/budget/{CYCLE_ID}/projets/{project_id}/etude?theme=Cadre+de+vie&page=2",
                {"admissible": "non", "admissibility_reason": "Hors compétence."})
    assert done.headers["Location"].endswith(f"/etude?theme=Cadre+de+vie&page=2#projet-{project_id}")


def test_the_dashboard_counts_in_the_service_without_listing(client, crowded, sign_in):
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}"))
    assert f"Projets : {MANY}" in page and f"Déposé : <strong>{MANY}</strong>" in page
    assert crowded.args_of("list_projects") == [] and crowded.args_of("project_counts") == [({"cycle_id": CYCLE_ID},)]
    crowded.fail("project_counts", NotFound("Cycle de budget participatif introuvable."))
    assert client.get(f"/back-office/budget/{CYCLE_ID}").status_code == 404


def test_a_commission_sees_one_page_of_its_feasible_projects_and_decides_on_those(client, budget, sign_in, post):
    budget.cycle = cycle("selection")
    budget.projects = [numbered(n, sector="paris-16", status="feasible", selected=n == 52)
                       for n in range(1, MANY + 1)]
    budget.projects.append(numbered(999, scale="paris", sector=None, status="feasible", selected=False))
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-16&page=2"))
    assert "Commission centrale – projets pour tout Paris (1)" in page and "16e arrondissement (107)" in page
    [query] = page_queries(budget)
    assert query == {"cycle_id": CYCLE_ID, "feasible": True, "sector": "paris-16", "limit": BACKOFFICE_PAGE,
                     "offset": BACKOFFICE_PAGE}
    assert f'action="/back-office/budget/{CYCLE_ID}/selection?commission=paris-16&page=2"' in page
    shown = re.findall(r'name="shown" value="([^"]+)"', page)
    assert len(shown) == BACKOFFICE_PAGE and numbered(51)["id"] in shown
    # 51 ticked, 52 unticked (was selected), 53 not sent as shown (left alone even though it is not ticked)
    response = post(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-16&page=2",
                    {"scope": "paris-16", "shown": [numbered(51)["id"], numbered(52)["id"]],
                     "selected": [numbered(51)["id"]]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/selection?commission=paris-16&page=2#commission-paris-16")
    assert [args[1] for args in budget.args_of("select_project")] == [
        {"project_id": numbered(51)["id"], "selected": True}, {"project_id": numbered(52)["id"], "selected": False}]
    # a form that names no project it showed (older than the paging): an error, nothing decided
    response = post(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-16&page=2",
                    {"scope": "paris-16", "selected": [numbered(53)["id"]]})
    assert response.status_code == 302 and len(budget.args_of("select_project")) == 2
    assert "n'est plus à jour" in html(client.get(response.headers["Location"]))


def test_the_first_commission_is_shown_by_default_and_an_unknown_one_is_not_decided(client, budget, sign_in, post):
    budget.cycle = cycle("selection")
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-99"))
    assert 'aria-current="page">Commission centrale' in page
    response = post(f"/back-office/budget/{CYCLE_ID}/selection?commission=paris-99",
                    {"scope": "paris-99", "shown": "x", "selected": "x"})
    assert response.status_code == 302 and budget.args_of("select_project") == []
    assert "aucun projet réalisable" in html(client.get(response.headers["Location"]))


def test_the_merge_list_and_the_winners_are_paged_and_filtered_too(client, budget, sign_in):
    budget.cycle = cycle("implementation")
    budget.projects = [numbered(n, status="winner", won=True) for n in range(1, MANY + 1)]
    sign_in("agent")
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/realisation?statut=etudes_conception&page=3"))
    assert page_queries(budget) == [{"cycle_id": CYCLE_ID, "status": "etudes_conception", "limit": BACKOFFICE_PAGE,
                                     "offset": 2 * BACKOFFICE_PAGE},
                                    {"cycle_id": CYCLE_ID, "status": "etudes_conception", "limit": BACKOFFICE_PAGE,
                                     "offset": 0}]  # none has that status in the fake: the last page is the first
    assert "Aucun projet lauréat" in page
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/realisation?statut=inconnu&page=3"))
    assert page_queries(budget)[-1]["status"] == "winner" and "page 3 sur 3" in page
    assert links(page) == {"prev": f"/back-office/budget/{CYCLE_ID}/realisation?page=2"}
    page = html(client.get(f"/back-office/budget/{CYCLE_ID}/fusion?secteur=paris-5&page=2"))
    assert page_queries(budget)[-1] == {"cycle_id": CYCLE_ID, "sector": "paris-5", "limit": BACKOFFICE_PAGE,
                                        "offset": BACKOFFICE_PAGE}
    assert f'action="/back-office/budget/{CYCLE_ID}/fusion?secteur=paris-5&page=2"' in page

"""The similar panel of the idea form and the staff's idea page (gateway.similar): every kind with its state, its
link and what to do instead of filing; server-rendered (links, no script), everything typed escaped."""
import re

import pytest

from gateway.tests.fakes import FakeSimilarContent, a_petition, a_project, route_to
from gateway.tests.test_idea_pages import IDEA_ID, OTHER_IDEA_ID, XSS, Journey, a_similar, an_idea, \
    ideas_of_the_pages
from hubkit.errors import ServiceUnavailable

PROJECT_ID = "5b1e0f6a-2c3d-4e5f-8a9b-0c1d2e3f4a01"
PETITION_ID = "6c2f1a7b-3d4e-4f60-9b0c-1d2e3f4a5b02"
FORWARDED_ID = "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d"
TYPED = {"title": "Fontaines au canal", "description": "De l'eau potable.", "theme": "environnement",
         "action": "similaires"}


@pytest.fixture
def world(accounts, monkeypatch):
    ideas = ideas_of_the_pages()
    ideas.similar = [
        {**a_similar(), "kind": "idea", "accepts_supports": True},
        {**a_similar(FORWARDED_ID, "Fontaines rue Manin", 0.35), "kind": "idea", "status": "forwarded",
         "status_label": "Transmise", "accepts_supports": False, "scheme": "budget",
         "scheme_label": "Budget participatif"}]
    budget = FakeSimilarContent([a_project(PROJECT_ID, title=f"Fontaines {XSS}", similarity=0.72)])
    petitions = FakeSimilarContent([a_petition(PETITION_ID, similarity=0.5)])
    route_to(monkeypatch, accounts, ideas=ideas, routing=Journey(), budget=budget, petitions=petitions)
    return {"ideas": ideas, "budget": budget, "petitions": petitions}


def html(response) -> str:
    return response.get_data(as_text=True)


def panel(page: str) -> str:
    return page.split('id="idees-similaires"', 1)[1].split("</section>", 1)[0]


def test_the_form_offers_every_kind_with_its_state_its_link_and_what_to_do_instead(client, world, sign_in, post):
    sign_in()
    response = post("/idees/proposer", TYPED)
    page = html(response)
    assert response.status_code == 200 and world["ideas"].args_of("submit_idea") == []
    found = panel(page)
    # best first across kinds: the project (0.72), the idea (0.61), the petition (0.5), the forwarded idea (0.35)
    assert [found.index(title) for title in ("Fontaines &lt;script&gt;", "Fontaines quai de Valmy",
                                             "Pour des fontaines au canal", "Fontaines rue Manin")] == sorted(
        found.index(title) for title in ("Fontaines &lt;script&gt;", "Fontaines quai de Valmy",
                                         "Pour des fontaines au canal", "Fontaines rue Manin"))
    assert "<script>" not in page and "&lt;script&gt;alert(" in found
    assert "Projet du budget participatif 2019" in found and "Lauréat, 10e arrondissement" in found
    assert 'href="/budget-participatif/8d7c6b5a-4938-4726-a615-04f3e2d1c0b8/vote">Voter pour ce projet' in found
    assert f'href="/budget-participatif/projets/{PROJECT_ID}#suivre">Suivre ce projet' in found
    assert f'href="/idees/{OTHER_IDEA_ID}#soutenir">Soutenir cette idée' in found
    assert f'href="/petitions/{PETITION_ID}#signer">Signer la pétition' in found
    assert "1234 signatures sur 5000" in found and "Ouverte à la signature" in found
    # a forwarded idea takes no support: the panel says where it went instead of a support link
    forwarded = found.split("Fontaines rue Manin", 1)[1].split("</li>\n  <li", 1)[0]
    assert "Transmise : Budget participatif" in forwarded and "Soutenir" not in forwarded
    assert f'href="/idees/{FORWARDED_ID}#historique"' in forwarded
    assert "<form" not in found  # the panel sits in the idea's form: links only
    asked = {"title": "Fontaines au canal", "description": "De l'eau potable.", "limit": 3}
    assert world["budget"].data_of("similar_content") == [asked] == world["petitions"].data_of("similar_content")


def test_a_source_down_still_shows_the_others_and_says_the_list_may_be_incomplete(client, world, sign_in, post):
    sign_in()
    world["budget"].down = ServiceUnavailable()
    found = panel(html(post("/idees/proposer", TYPED)))
    assert "Fontaines quai de Valmy" in found and "Pour des fontaines au canal" in found
    assert "Les projets du budget participatif n&#39;ont pas pu être consultés à temps" in found


def test_a_title_too_short_to_search_says_so_and_asks_nobody(client, world, sign_in, post):
    sign_in()
    response = post("/idees/proposer", {**TYPED, "title": "ab"})
    assert response.status_code == 400 and "Au moins 3 caractères" in html(response)
    assert world["ideas"].args_of("similar_ideas") == [] and not world["budget"].calls and not world["petitions"].calls


def test_every_link_of_the_panel_has_a_name_that_says_which_item(client, world, sign_in, post):
    """Several « Suivre » links on one page: each names its item for a screen reader (axe's link-name rules)."""
    sign_in()
    found = panel(html(post("/idees/proposer", TYPED)))
    for link in re.findall(r"<a [^>]*>(.*?)</a>", found, flags=re.S):
        assert re.sub(r"<[^>]+>", "", link).strip()
    actions = re.findall(r'<ul class="similar__actions">(.*?)</ul>', found, flags=re.S)
    assert actions and all('class="visually-hidden"> : « ' in block for block in actions)


def test_staff_see_projects_and_petitions_like_the_idea_on_its_page_without_asking_ideas_again(client, world,
                                                                                              sign_in):
    sign_in("agent")
    world["ideas"].put(an_idea(similar=[a_similar()]))
    page = html(client.get(f"/idees/{IDEA_ID}"))
    elsewhere = page.split('id="ailleurs"', 1)[1].split("</section>", 1)[0]
    assert "Semblable ailleurs dans le hub" in page and "similarité 72 %" in elsewhere
    assert f'/budget-participatif/projets/{PROJECT_ID}' in elsewhere and f"/petitions/{PETITION_ID}" in elsewhere
    assert "Fontaines quai de Valmy" not in elsewhere  # the similar ideas are in the merge section above
    assert world["ideas"].args_of("similar_ideas") == []
    assert world["budget"].data_of("similar_content")[0]["title"] == "Des fontaines le long du canal"


def test_citizens_reading_an_idea_cost_no_similar_search(client, world, sign_in):
    sign_in()
    page = html(client.get(f"/idees/{IDEA_ID}"))
    assert 'id="ailleurs"' not in page
    assert not world["budget"].calls and not world["petitions"].calls


def test_a_very_long_text_typed_is_sent_within_each_service_s_bounds(client, world, sign_in, post):
    sign_in()
    response = post("/idees/proposer", {**TYPED, "title": "Fontaines " * 100, "description": "é" * 9000})
    assert response.status_code == 200
    [asked] = world["budget"].data_of("similar_content")
    assert len(asked["title"]) == 200 and len(asked["description"]) == 5000
    [ideas_asked] = world["ideas"].data_of("similar_ideas")
    assert len(ideas_asked["title"]) == 140 and len(ideas_asked["description"]) == 5000

"""Search in the lists (issue 17): relevance order when words are given, the scheme filter, and the matched words
marked in titles and excerpts (<mark>, everything else escaped) on the ideas, petitions and budget project lists."""
import pytest

from gateway.pages.highlighting import marked, query_terms
from gateway.tests.test_idea_pages import XSS, Journey, an_idea, ideas_of_the_pages
from gateway.tests.fakes import route_to


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def ideas(accounts, monkeypatch):
    fake = ideas_of_the_pages()
    fake.put(an_idea(title=f"La végétalisation des rues {XSS}", excerpt="Végétaliser <b>vite</b> les cours."))
    route_to(monkeypatch, accounts, ideas=fake, routing=Journey())
    return fake


def test_accents_plurals_and_prefixes_are_marked_and_nothing_else_is_markup():
    terms = query_terms("végétaliser")
    assert str(marked(f"La Végétalisation des rues {XSS}", terms)) == (
        "La <mark>Végétalisation</mark> des rues &lt;script&gt;alert(&#34;idée&#34;)&lt;/script&gt;")
    assert str(marked("Des fontaines, une fontaine", query_terms("fontaine"))) == (
        "Des <mark>fontaines</mark>, une <mark>fontaine</mark>")
    assert str(marked("Jardins partagés et jardinières", query_terms("jardin*"))) == (
        "<mark>Jardins</mark> partagés et <mark>jardinières</mark>")
    assert str(marked("un jardin partagé", query_terms('"jardin partagé"'))) == (
        "un <mark>jardin</mark> <mark>partagé</mark>")


@pytest.mark.parametrize("search", ["<mark>", "' OR 1=1 --", "%_\\", '"', "*", "a" * 100, "\u202e\ufeff"])
def test_hostile_search_text_marks_nothing_it_should_not(search):
    shown = str(marked("<mark>x</mark> 100% _ OR", query_terms(search)))
    assert "<mark>x</mark>" not in shown and "&lt;" in shown
    assert shown.replace("<mark>", "").replace("</mark>", "") == "&lt;mark&gt;x&lt;/mark&gt; 100% _ OR"


def test_no_search_marks_nothing():
    assert query_terms("") == () and str(marked("<i>Des arbres</i>", ())) == "&lt;i&gt;Des arbres&lt;/i&gt;"


def test_the_ideas_list_searches_by_relevance_and_marks_the_matched_words(client, ideas):
    page = html(client.get("/idees?recherche=v%C3%A9g%C3%A9taliser"))
    (query,) = ideas.args_of("list_ideas")[0]
    assert query["q"] == "végétaliser" and query["sort"] == "relevance"
    assert "La <mark>végétalisation</mark> des rues &lt;script&gt;" in page
    assert "<mark>Végétaliser</mark> &lt;b&gt;vite&lt;/b&gt; les cours." in page
    assert "<script>" not in page and "<b>" not in page
    assert 'value="relevance" selected' in page


def test_an_order_chosen_with_a_search_is_kept_and_the_scheme_filter_goes_to_the_service(client, ideas):
    page = html(client.get("/idees?recherche=fontaine&tri=newest&dispositif=budget"))
    (query,) = ideas.args_of("list_ideas")[0]
    assert query["sort"] == "newest" and query["scheme"] == "budget" and query["q"] == "fontaine"
    assert 'value="budget" selected' in page and "tri=newest" in page and "dispositif=budget" in page


def test_without_a_search_the_list_is_newest_first_and_marks_nothing(client, ideas):
    page = html(client.get("/idees"))
    assert ideas.args_of("list_ideas")[0][0]["sort"] == "newest" and "<mark>" not in page

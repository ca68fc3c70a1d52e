"""The ideas list's count (issue 17): a search counts up to 1,000 ideas, so past it the page says « Plus de 1 000
idées » and still offers the next page; without words the count is exact; the API carries `total_is_lower_bound`
and its OpenAPI says what it means."""
import pytest

from gateway.tests.test_idea_pages import Journey, an_idea
from gateway.tests.fakes import route_to
from tests.fakes import FakeIdeas

NARROW = "\u202f"  # French thousands separator (count_fr)


@pytest.fixture
def crowded(accounts, monkeypatch) -> FakeIdeas:
    """1,500 ideas: a search for them is counted as the service counts it (up to 1,000, then « at least »)."""
    fake = FakeIdeas()
    for number in range(1500):
        fake.put(an_idea(id=f"10000000-0000-4000-8000-{number:012d}", title=f"Des arbres, idée {number}",
                         created_at=f"2026-02-01T09:{number // 60 % 60:02d}:{number % 60:02d}+00:00"))
    route_to(monkeypatch, accounts, ideas=fake, routing=Journey())
    return fake


def html(response) -> str:
    return response.get_data(as_text=True)


def test_a_search_past_1000_ideas_says_more_than_1000_and_keeps_its_next_page(client, crowded):
    page = html(client.get("/idees?recherche=arbres"))
    assert f"Plus de 1{NARROW}000 idées correspondent à votre recherche." in page
    assert "1001 idées" not in page and "page=2" in page
    deep = html(client.get("/idees?recherche=arbres&page=90"))  # 12 a page, past 1,000: counted to the page asked
    assert f"Plus de 1{NARROW}080 idées correspondent à votre recherche (page 90)." in deep and "page=91" in deep


def test_without_words_the_count_is_exact(client, crowded):
    page = html(client.get("/idees"))
    assert f"1{NARROW}500 idées." in page and "Plus de" not in page


def test_the_api_says_when_its_total_is_a_lower_bound_and_documents_it(client, crowded):
    searched = client.get("/api/v1/ideas?q=arbres").get_json()
    assert (searched["total"], searched["total_is_lower_bound"]) == (1001, True)
    listed = client.get("/api/v1/ideas").get_json()
    assert (listed["total"], listed["total_is_lower_bound"]) == (1500, False)
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    (page,) = [schema for schema in schemas.values() if "total_is_lower_bound" in schema.get("properties", {})]
    assert page["properties"]["total_is_lower_bound"]["type"] == "boolean"
    assert "1 000" in page["properties"]["total_is_lower_bound"]["description"]

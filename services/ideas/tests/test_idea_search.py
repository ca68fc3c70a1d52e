"""Searching the idea box (`list_ideas` with `q`) through the text index: all words, phrases, prefixes, accents and
plurals ignored, with the filters, by relevance with a stable tie-break, hostile text refused or read as words,
one count and one page query (no scan of the ideas' text)."""
import pytest
import sqlalchemy as sa

from hubkit.errors import InvalidInput
from hubkit.validation import load
from ideas.schemas import IdeaQuerySchema

from .test_findable import ADMIN, CAMILLE, DOMINIQUE, LOU, run, submit  # noqa: F401 (run: a fixture)


def page(run, q="", **query) -> dict:
    return run("list_ideas", load(IdeaQuerySchema(), {"q": q, **query}))


def found(run, q, **query) -> list:
    return [item["id"] for item in page(run, q, **query)["items"]]


@pytest.fixture
def box(run) -> dict:
    return {
        "schoolyards": submit(run, CAMILLE, "Végétalisation des cours d'école",
                              "Planter des arbres dans les cours d'école du 14e pour les rafraîchir.",
                              theme="environnement", arrondissement=14)["id"],
        "trees": submit(run, DOMINIQUE, "Des arbres rue de la Roquette",
                        "Planter des arbres, encore des arbres, et végétaliser les pieds d'arbres abîmés.",
                        theme="cadre_de_vie", arrondissement=11)["id"],
        "bikes": submit(run, LOU, "Parkings à vélos près des gares",
                        "Des abris fermés pour les vélos, près des gares, contre les vols.",
                        theme="mobilites", arrondissement=None)["id"],
    }


def test_accents_case_and_plurals_are_ignored(run, box):
    assert set(found(run, "végétaliser")) == {box["schoolyards"], box["trees"]}  # "végétalisation" too
    assert set(found(run, "VEGETALISATION")) == {box["schoolyards"], box["trees"]}
    assert set(found(run, "arbre")) == {box["schoolyards"], box["trees"]}
    assert found(run, "velo") == [box["bikes"]] and found(run, "gare") == [box["bikes"]]


def test_every_word_must_be_found_a_phrase_in_quotes_as_a_phrase_and_a_prefix_with_a_star(run, box):
    assert found(run, "arbres école") == [box["schoolyards"]]
    assert found(run, "arbres piscine") == []
    assert found(run, '"cours d\'école"') == [box["schoolyards"]]
    assert found(run, '"école cours"') == []
    assert found(run, "véh*") == [] and found(run, "vél*") == [box["bikes"]]
    assert set(found(run, "arb*")) == {box["schoolyards"], box["trees"]}


def test_words_combine_with_the_filters(run, box):
    assert found(run, "arbres", theme="environnement") == [box["schoolyards"]]
    assert found(run, "arbres", arrondissement=11) == [box["trees"]]
    assert found(run, "arbres", status="under_review") == []
    run("change_status", ADMIN, {"idea_id": box["trees"], "status": "under_review", "message": "À l'étude."})
    assert found(run, "arbres", status="under_review") == [box["trees"]]
    run("change_status", ADMIN, {"idea_id": box["trees"], "status": "forwarded", "message": "Permis.",
                                 "scheme": "greening_permit"})
    assert found(run, "arbres", scheme="greening_permit") == [box["trees"]]
    assert found(run, "", scheme="greening_permit") == [box["trees"]]
    assert found(run, "arbres", scheme="budget") == []


def test_results_come_by_relevance_with_a_stable_tie_break_unless_another_order_is_asked(run, box):
    assert found(run, "arbres") == [box["trees"], box["schoolyards"]]  # four times against once
    assert found(run, "arbres", sort="relevance") == [box["trees"], box["schoolyards"]]
    run("support_idea", LOU, box["schoolyards"])
    assert found(run, "arbres", sort="most_supported") == [box["schoolyards"], box["trees"]]
    assert found(run, "", sort="relevance") == found(run, "") == found(run, "", sort="recent")
    twins = sorted(submit(run, actor, "Des bancs square Trousseau", "Pour s'asseoir à l'ombre du square.")["id"]
                   for actor in (CAMILLE, DOMINIQUE, LOU))
    assert found(run, "bancs square") == twins  # the same score, the same moment: by id
    assert [found(run, "bancs square", limit=1, offset=offset) for offset in range(3)] == [[twin] for twin in twins]
    assert page(run, "bancs", limit=1)["total"] == 3


def test_words_that_cannot_be_searched_find_nothing_and_hostile_text_is_read_as_words(run, box):
    for nothing in ("de la", "*", "%", "_", "\\", '"', "' OR 1=1 --", "%' OR '1'='1", "🌳🚲", "a" * 100):
        assert page(run, nothing)["items"] == [] and page(run, nothing)["total"] == 0, nothing
    assert found(run, '"arbres rue') == [box["trees"]]  # an unbalanced quote: its words still count
    assert found(run, "vélos%") == found(run, "vélos_") == found(run, "vélos\\") == [box["bikes"]]
    assert found(run, "ar\u0000bres") == [] and found(run, "\u200barbres", theme="cadre_de_vie") == [box["trees"]]


def test_the_query_is_validated_before_anything_is_read():
    for refused, field in (({"q": "x" * 101}, "q"), ({"sort": "popular"}, "sort"), ({"scheme": "nowhere"}, "scheme"),
                           ({"status": "'; DROP TABLE ideas; --"}, "status"), ({"limit": 0}, "limit")):
        with pytest.raises(InvalidInput) as raised:
            load(IdeaQuerySchema(), refused)
        assert set(raised.value.details) == {field}


def test_hidden_ideas_are_not_found_by_their_words(run, box):
    run("moderate", {"account_id": ADMIN["account_id"], "roles": ["moderator"]},
        {"kind": "idea", "content_id": box["trees"], "action": "hide", "reason": "Publicité."})
    assert found(run, "arbres") == [box["schoolyards"]] and found(run, "roquette") == []


def test_a_search_reads_the_ideas_once_to_count_and_once_for_the_page_never_their_text(run, box, store):
    statements = []

    def record(connection, cursor, statement, *rest):
        statements.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        assert len(found(run, "arbres", theme="environnement")) == 1
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    on_ideas = [s for s in statements if "FROM ideas" in s]
    assert len(on_ideas) == 2 and on_ideas[0].startswith("SELECT count(*)")
    assert all("text_index_postings" in s and " LIKE " not in s.upper() for s in on_ideas)

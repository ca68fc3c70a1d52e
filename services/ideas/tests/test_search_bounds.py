"""A search on common words costs a page, not its matches (issue 17): the count stops past 1,000 ("plus de 1 000",
`total_is_lower_bound`), or past the page asked; the page by relevance is the one every match scored would give;
on PostgreSQL the plans read a bounded share of the words' postings and only the page's ideas."""
import json
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from hubkit.text_index import TextIndex
from hubkit.validation import load
from ideas.handlers.findable import FindableContent
from ideas.models import Idea
from ideas.schemas import IdeaQuerySchema
from tests.bulk_rows import insert_rows

from .test_findable import run  # noqa: F401 (a fixture)

IDEAS = 5000  # every one says "arbres", two in three "jardin"
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
FILLERS = ("rue", "place", "quartier", "école", "banc", "fontaine", "marché", "piste", "square", "lumière")


@pytest.fixture
def box(store) -> list:
    def rows():
        for number in range(IDEAS):
            at = MORNING + timedelta(seconds=number)
            # texts of many lengths and counts: weights of many values, as in a real box (few ties)
            words = " ".join(FILLERS[(number * step) % len(FILLERS)] + str(step % 4) for step in range(number % 13))
            trees, gardens = " arbres" * (number % 5), " jardin" * (number % 4) if number % 3 else ""
            yield {"id": str(uuid.UUID(int=number * 7919 + 1, version=4)), "title": f"Des arbres {words[:60]}",
                   "description": f"Planter des arbres{' au jardin' if number % 3 else ''}, {words}.{trees}{gardens}",
                   "theme": "environnement", "arrondissement": number % 20 + 1, "status": "submitted",
                   "author_id": str(uuid.uuid4()), "author_pseudonym": "Camille", "search_text": "",
                   "supports_count": number % 5, "comments_count": 0, "imported_supports": 0, "hidden": False,
                   "created_at": at, "updated_at": at}
    ideas = list(rows())
    with store.uow() as uow:
        insert_rows(uow.session.connection(), Idea.__table__, iter(ideas))
        FindableContent(uow.session).ideas_added([SimpleNamespace(**idea) for idea in ideas])
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return ideas


def page(run, q, **query) -> dict:  # noqa: F811 (run: the fixture)
    return run("list_ideas", load(IdeaQuerySchema(), {"q": q, **query}))


def every_match_scored(store, q, limit=20, offset=0) -> list:
    """The page as it was read before issue 17: every match scored, by score then id."""
    with store.uow() as uow:
        matches = TextIndex(uow.session).search(q, kinds=("idea",)).matches
        return list(uow.session.execute(sa.select(matches.c.doc_id).order_by(matches.c.score.desc(), matches.c.doc_id)
                                        .limit(limit).offset(offset)).scalars())


def test_a_common_word_is_counted_up_to_1000_and_said_to_be_more(run, box):  # noqa: F811
    common = page(run, "arbres")
    assert (common["total"], common["total_is_lower_bound"], len(common["items"])) == (1001, True, 20)
    both = page(run, "arbres jardin")
    assert (both["total"], both["total_is_lower_bound"]) == (1001, True)
    deep = page(run, "arbres", offset=1000, limit=20)  # past 1,000: counted to the page, its "next" link right
    assert (deep["total"], deep["total_is_lower_bound"], len(deep["items"])) == (1021, True, 20)
    last = page(run, "arbres", offset=IDEAS - 20, limit=20)  # the last page: every match counted, exactly
    assert (last["total"], last["total_is_lower_bound"], len(last["items"])) == (IDEAS, False, 20)


def test_counts_are_exact_when_few_ideas_match_or_no_word_is_searched(run, box):  # noqa: F811
    assert (page(run, "arbres", arrondissement=3)["total"], page(run, "arbres", arrondissement=3)
            ["total_is_lower_bound"]) == (IDEAS // 20, False)
    assert (page(run, "")["total"], page(run, "")["total_is_lower_bound"]) == (IDEAS, False)
    assert (page(run, "zqxwvjk")["total"], page(run, "zqxwvjk")["total_is_lower_bound"]) == (0, False)
    assert (page(run, "de la")["total"], page(run, "de la")["total_is_lower_bound"]) == (0, False)


@pytest.mark.parametrize("q", ["arbres", "arbres jardin", "jardin quartier", "arbres fontaine banc", "arb*",
                               '"planter des arbres au jardin"'])
def test_the_page_by_relevance_is_the_page_of_every_match_scored(run, box, store, q):  # noqa: F811
    for offset in (0, 20, 400):
        found = [item["id"] for item in page(run, q, offset=offset)["items"]]
        assert found == every_match_scored(store, q, offset=offset), (q, offset)


def test_other_orders_and_filters_still_combine_with_words(run, box):  # noqa: F811
    newest = page(run, "jardin", sort="newest")["items"]
    assert [item["created_at"] for item in newest] == sorted((item["created_at"] for item in newest), reverse=True)
    assert newest[0]["id"] == box[IDEAS - 1]["id"]  # the last one says "jardin" (2999 % 3 != 0)
    filtered = page(run, "arbres jardin", arrondissement=2, limit=100)
    assert filtered["total"] == sum(1 for n in range(IDEAS) if n % 20 == 1 and n % 3) and \
        all(item["arrondissement"] == 2 for item in filtered["items"])


def postings_read(store, run, q) -> tuple:  # noqa: F811
    """Postings rows read by the count of one list_ideas, by its other statements, and the tables its count read,
    from PostgreSQL's actual plans."""
    statements = []

    def record(connection, cursor, statement, parameters, *rest):
        statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        page(run, q)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    read, counted = {True: 0, False: 0}, set()

    def walk(node, counting):
        if node.get("Relation Name") == "text_index_postings":
            read[counting] += node["Actual Rows"] * node["Actual Loops"]
        if counting and node.get("Relation Name"):
            counted.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child, counting)

    with store.engine.connect() as connection:
        for statement, parameters in statements:
            if statement.lstrip().upper().startswith("SELECT"):
                plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
                walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"],
                     statement.lstrip().startswith("SELECT count"))
    return read[True], read[False], counted


@pytest.mark.parametrize("q, postings_of_the_words", [("arbres", IDEAS), ("arbres jardin", IDEAS + IDEAS * 2 // 3)])
def test_a_common_word_s_count_and_page_read_a_bounded_share_of_its_postings(run, box, store, database_kind, q,
                                                                             postings_of_the_words):  # noqa: F811
    """Before issue 17 the count joined every match to the ideas and the page scored every match: 5,000 postings
    and 5,000 ideas each for "arbres" here. Now the count stops past 1,000, in the index alone when no filter is
    asked (two words: both lists walked in key order, a merge join), and the page reads each word's best
    postings: neither grows with the matches."""
    if database_kind != "postgresql":
        pytest.skip("the plans read are PostgreSQL's")
    by_count, by_page, counted = postings_read(store, run, q)
    assert by_count <= 2.6 * 1001 and counted == {"text_index_postings"}, (by_count, counted)
    assert by_page < postings_of_the_words * 0.3, (by_page, postings_of_the_words)

"""A page by relevance read from each word's best postings (TextQuery.top) is the page that scoring every match
gives (TextQuery.matches), order and tie-break (score, then id) included, for one word, several, alternatives, a
prefix, a phrase, with a filter of the caller's or none, at every offset; its count form (`unranked`) holds every
match once. The depths are made small so that a few hundred documents take the deepening and the fallback paths.

Each test runs on SQLite and on PostgreSQL (the PostgreSQL runs are integration tests)."""
import random

import pytest
import sqlalchemy as sa

from hubkit import text_query
from hubkit.text_index import TextIndex

from text_index_support import session_on, text_index_database

PLACES = sa.Table("places", sa.MetaData(), sa.Column("id", sa.String(64), primary_key=True),
                  sa.Column("district", sa.Integer))
# a Zipf-like vocabulary: the first words are in most documents, as "rue" or "arbres" in a city's idea box
WORDS = ("arbres", "quartier", "jardin", "partagé", "piste", "cyclable", "école", "fontaine", "marché", "banc",
         "composteur", "lumière", "trottoir", "piscine", "théâtre", "bibliothèque", "fresque", "kiosque")
QUERIES = ("arbres", "jardin", "arbres quartier", "jardin partagé", "arbres jardin quartier", '"piste cyclable"',
           "jard*", "arbres fontaine*", "vélos", "bibliothèque arbres", "zqxwvjk")


def document(rng: random.Random, number: int) -> tuple:
    words = [word for rank, word in enumerate(WORDS) if rng.random() < 0.9 / (1 + rank) ** 0.8]
    title = " ".join(rng.sample(words, min(len(words), 3))) or "idée"
    body = " ".join(rng.choice(words or ["rien"]) for _ in range(rng.randint(3, 40)))
    if rng.random() < 0.3:
        body += " une piste cyclable"
    if rng.random() < 0.1:
        body += " des vélos"
    return ("idea", f"doc-{number:04d}", title, body)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(request):
    if request.param == "postgresql":
        request.applymarker(pytest.mark.integration)
    rng = random.Random(17)
    documents = [document(rng, number) for number in range(600)]
    # twins: the same text, the same score: their order is their id's
    documents += [("idea", f"twin-{number}", "Jardin partagé", "arbres quartier") for number in range(5)]
    with text_index_database(request.param) as engine:
        with engine.begin() as connection:
            PLACES.create(connection)
            connection.execute(sa.insert(PLACES), [{"id": doc_id, "district": number % 7}
                                                   for number, (_, doc_id, _, _) in enumerate(documents)])
        with session_on(engine) as session:
            TextIndex(session).put_many(documents)
        yield engine


@pytest.fixture
def shallow(monkeypatch):
    """Depths of a few postings: the deepening and the fallback to every match are taken at this size."""
    monkeypatch.setattr(text_query, "FIRST_DEPTH", 4)
    monkeypatch.setattr(text_query, "MAX_DEPTH", 64)


def page_reader(session, district):
    def read_page(found, skip, limit):
        statement = sa.select(found.c.doc_id, found.c.score).join(PLACES, PLACES.c.id == found.c.doc_id)
        if district is not None:
            statement = statement.where(PLACES.c.district == district)
        return session.execute(statement.order_by(found.c.score.desc(), found.c.doc_id)
                               .limit(limit).offset(skip)).all()
    return read_page


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("district", [None, 3])
def test_the_page_from_the_best_postings_is_the_page_of_every_match_scored(corpus, shallow, text, district):
    with session_on(corpus) as session:
        query = TextIndex(session).search(text, kinds=("idea",))
        read_page = page_reader(session, district)
        for offset, limit in ((0, 20), (0, 1), (20, 20), (7, 5), (100, 20), (590, 20)):
            expected = read_page(query.matches, offset, limit)
            found = query.top(session, lambda matches, skip: read_page(matches, skip, limit), limit, offset,
                              filtered=district is not None)
            assert [(row.doc_id, pytest.approx(row.score)) for row in found] == \
                [(row.doc_id, pytest.approx(row.score)) for row in expected], (text, district, offset)


def test_twins_come_by_id_on_every_page(corpus, shallow):
    with session_on(corpus) as session:
        query = TextIndex(session).search("jardin partagé arbres quartier")
        read = page_reader(session, None)
        pages = [[row.doc_id for row in query.top(session, lambda found, skip: read(found, skip, 2), 2, offset,
                                                  filtered=False)] for offset in (0, 2, 4)]
    twins = [doc_id for page in pages for doc_id in page if doc_id.startswith("twin-")]
    assert twins == [f"twin-{number}" for number in range(5)]


@pytest.mark.parametrize("text", QUERIES)
def test_the_unranked_matches_are_every_match_once(corpus, text):
    with session_on(corpus) as session:
        query = TextIndex(session).search(text, kinds=("idea",))
        unranked = list(session.execute(sa.select(query.unranked().c.doc_id)).scalars())
        every = set(session.execute(sa.select(query.matches.c.doc_id)).scalars())
    assert sorted(unranked) == sorted(every) and len(unranked) == len(set(unranked))


def test_past_the_deepest_bound_every_match_is_scored(corpus, monkeypatch):
    """A filter that keeps few documents: the best postings never fill the page, so it comes from `matches`."""
    monkeypatch.setattr(text_query, "FIRST_DEPTH", 2)
    monkeypatch.setattr(text_query, "MAX_DEPTH", 2)
    with session_on(corpus) as session:
        query = TextIndex(session).search("arbres quartier", kinds=("idea",))
        read = page_reader(session, 3)
        seen = []
        found = query.top(session, lambda matches, skip: seen.append(matches) or read(matches, skip, 20), 20)
        assert seen[-1] is query.matches and [row.doc_id for row in found] == \
            [row.doc_id for row in read(query.matches, 0, 20)]

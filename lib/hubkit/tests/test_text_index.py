"""The shared text index: writes kept exact (frequencies, replace, remove), similar(), search(), highlight().

Each test runs on SQLite and on PostgreSQL (the same code; the PostgreSQL runs are integration tests)."""
import random

import eventlet
import pytest
import sqlalchemy as sa

from hubkit import text_terms
from hubkit.text_index import TextIndex, highlight, text_index_tables

from text_index_support import session_on, text_index_database

TERMS, DOCUMENTS, POSTINGS = text_index_tables(sa.MetaData())
PLACES = sa.Table("places", sa.MetaData(), sa.Column("id", sa.String(64), primary_key=True),
                  sa.Column("district", sa.Integer))

IDEAS = [
    ("idea", "1", "Végétaliser la cour de l'école Jean Jaurès", "Planter des arbres et des arbustes dans la cour."),
    ("idea", "2", "Plus de bancs sur la place", "Des bancs pour s'asseoir à l'ombre des arbres, place des Fêtes."),
    ("idea", "3", "Une piste cyclable rue de Belleville", "Sécuriser les vélos dans la montée de la rue."),
    ("project", "4", "La végétalisation des rues du 19e", "Des jardinières et des plantes grimpantes partout."),
    ("petition", "5", "Sauvons le marché couvert", "Le marché couvert doit rester ouvert le dimanche matin."),
    ("idea", "6", "Plantar árboles en la calle de Alcalá", "Necesitamos más árboles y sombra para los vecinos."),
]


@pytest.fixture
def engine(database_kind):
    with text_index_database(database_kind) as engine:
        with engine.begin() as connection:
            PLACES.create(connection)
        yield engine


def filled(engine, documents=IDEAS):
    with session_on(engine) as session:
        TextIndex(session).put_many(documents)


def frequencies(engine) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(sa.select(TERMS.c.term, TERMS.c.documents).where(TERMS.c.documents != 0)).all())


def rows(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_frequencies_count_the_documents_holding_each_term(engine):
    filled(engine)
    counted = frequencies(engine)
    assert counted["#documents"] == len(IDEAS)
    assert counted["arbre"] == 2  # "arbres" in ideas 1 and 2
    assert counted["vegetalis"] == 2  # "Végétaliser" and "végétalisation"
    assert counted["arbol"] == 1  # Spanish "árboles", stemmed as Spanish


def test_put_again_replaces_and_remove_restores_the_frequencies(engine):
    filled(engine)
    before = frequencies(engine)
    with session_on(engine) as session:
        index = TextIndex(session)
        index.put(*IDEAS[0])  # the same text: nothing changes
        index.put("idea", "1", "Un composteur de quartier", "")
    after = frequencies(engine)
    assert after["#documents"] == before["#documents"]
    assert after.get("vegetalis") == 1 and after["composteur"] == 1
    with session_on(engine) as session:
        TextIndex(session).remove("idea", "1")
        TextIndex(session).remove("idea", "absent")  # no error, no change
    assert "composteur" not in frequencies(engine)
    with session_on(engine) as session:
        TextIndex(session).put(*IDEAS[0])
    assert frequencies(engine) == before
    assert rows(engine, DOCUMENTS) == len(IDEAS)


def test_a_document_of_stop_words_only_is_not_indexed(engine):
    filled(engine)
    with session_on(engine) as session:
        TextIndex(session).put("idea", "1", "Il y a de la", "et le, 12 ou 2024")
    assert frequencies(engine)["#documents"] == len(IDEAS) - 1
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(POSTINGS)
                                  .where(POSTINGS.c.doc_id == "1")).scalar() == 0


def test_a_rolled_back_transaction_leaves_the_index_as_it_was(engine):
    filled(engine)
    before = frequencies(engine)
    with pytest.raises(RuntimeError):
        with session_on(engine) as session:
            TextIndex(session).put("idea", "9", "Un composteur partagé", "Dans le square.")
            raise RuntimeError("the submission failed after indexing")
    assert frequencies(engine) == before


def test_similar_finds_the_same_idea_told_otherwise_and_nothing_unrelated(engine):
    filled(engine)
    with session_on(engine) as session:
        index = TextIndex(session)
        found = index.similar("Végétalisation de la cour d'école", "des arbres dans la cour")
        assert found[0][:2] == ("idea", "1") and found[0][2] >= 0.2
        assert [score for *_, score in found] == sorted((score for *_, score in found), reverse=True)
        assert index.similar("Quantum chromodynamics", "gluon renormalisation xylophone") == []
        assert index.similar("le la les", "") == []
        assert ("idea", "1") not in [(k, d) for k, d, _ in index.similar(
            "Végétalisation de la cour d'école", "arbres", exclude={("idea", "1")})]
        only_projects = index.similar("végétaliser les rues", "plantes grimpantes", kinds=["project"])
        assert [(k, d) for k, d, _ in only_projects] == [("project", "4")]
        assert index.similar("Plantar un árbol en la calle", "sombra")[0][:2] == ("idea", "6")


def test_similar_breaks_ties_by_doc_id(engine):
    filled(engine, [("idea", str(n), "Composteur collectif", "") for n in (3, 1, 2)])
    with session_on(engine) as session:
        found = TextIndex(session).similar("Composteur collectif", "")
    assert [doc_id for _, doc_id, _ in found] == ["1", "2", "3"]
    assert found[0][2] == pytest.approx(1.0)


@pytest.mark.parametrize("budget", [20_000, 1, 0], ids=["lists-whole", "rarest-whole", "best-postings"])
def test_similar_weighs_each_term_s_postings_by_that_term_s_factor(engine, monkeypatch, budget):
    """With one candidate reranked, the candidate is the best partial score: the document of the term the query
    weighs more (the title counts twice), whether its list is read whole (in one scan with the other whole lists,
    each row weighted by its own term) or by its best postings."""
    from hubkit import text_index_queries
    monkeypatch.setattr(text_index_queries, "RERANK", 1)
    monkeypatch.setattr(text_index_queries, "POSTINGS_BUDGET", budget)
    filled(engine, [("idea", "a", "Zébrules", ""), ("idea", "b", "Quokkas", ""), ("idea", "c", "Ornithorynques", "")])
    with session_on(engine) as session:
        index = TextIndex(session)
        assert [doc_id for _, doc_id, _ in index.similar("Quokkas", "zébrules")] == ["b"]
        assert [doc_id for _, doc_id, _ in index.similar("Zébrules", "quokkas")] == ["a"]
        excluded = index.similar("Zébrules", "quokkas", exclude={("idea", "a")})  # room is made for the next one
        assert [doc_id for _, doc_id, _ in excluded] == ["b"]


def matching(engine, text, kinds=None, district=None) -> list:
    with session_on(engine) as session:
        query = TextIndex(session).search(text, kinds)
        if query is None:
            return None
        statement = (sa.select(query.matches.c.doc_id)
                     .order_by(query.matches.c.score.desc(), query.matches.c.doc_id))
        if district is not None:
            statement = (statement.join(PLACES, PLACES.c.id == query.matches.c.doc_id)
                         .where(PLACES.c.district == district))
        return list(session.execute(statement).scalars())


def test_search_ignores_accents_case_and_plurals_and_wants_every_word(engine):
    filled(engine)
    assert matching(engine, "végétaliser") == ["4", "1"] or matching(engine, "végétaliser") == ["1", "4"]
    assert set(matching(engine, "VEGETALISATION")) == {"1", "4"}
    assert set(matching(engine, "arbre")) == {"1", "2"}
    assert matching(engine, "arbres cour") == ["1"]
    assert matching(engine, "arbres marché") == []
    assert matching(engine, "árbol") == ["6"]
    assert matching(engine, "vélo") == ["3"]
    assert matching(engine, "végétaliser", kinds=["project"]) == ["4"]


def test_search_phrase_and_prefix(engine):
    filled(engine)
    assert matching(engine, '"marché couvert"') == ["5"]
    assert matching(engine, '"couvert marché"') == []
    assert set(matching(engine, "végé*")) == {"1", "4"}
    assert matching(engine, "cycl*") == ["3"]
    assert matching(engine, "végétalisati*") != []  # longer than the stem: the stem still matches


def test_search_ranks_a_word_in_a_short_title_first(engine):
    filled(engine, [("idea", "a", "Composteur", "Un composteur partagé au fond du jardin, pour le quartier "
                                                "et les écoles, avec des bacs, des ateliers et des visites."),
                    ("idea", "b", "Composteur", "")])
    assert matching(engine, "composteur") == ["b", "a"]


def test_search_joins_to_a_table_and_filters(engine):
    filled(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(PLACES), [{"id": "1", "district": 19}, {"id": "2", "district": 20}])
    assert matching(engine, "arbres", district=20) == ["2"]


@pytest.mark.parametrize("hostile", [
    '"unbalanced quote', "100%", "under_score", "back\\slash", "*", "**", "' OR 1=1; DROP TABLE text_index_terms; --",
    "végé*tal", '""', '"le la les"', "\x00nul", "x" * 10_000, "arbres " * 3000, "ﬁlm 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ٣٤", "a* b*",
])
def test_hostile_search_text_never_errors(engine, hostile):
    filled(engine)
    found = matching(engine, hostile)
    assert found is None or isinstance(found, list)
    assert frequencies(engine)["#documents"] == len(IDEAS)


def test_nothing_searchable_gives_none(engine):
    filled(engine)
    assert matching(engine, "") is None
    assert matching(engine, "le la les *") is None
    assert matching(engine, "'; --") is None


def test_highlight_marks_the_original_words():
    terms = ("arbre", "vegetalis", "velo*")
    segments = highlight("Végétaliser : des Arbres, un vélodrome.", terms)
    assert "".join(text for text, _ in segments) == "Végétaliser : des Arbres, un vélodrome."
    assert [text for text, hit in segments if hit] == ["Végétaliser", "Arbres", "vélodrome"]
    assert highlight("", terms) == []
    assert highlight("rien ici", ()) == [("rien ici", False)]


def test_highlight_uses_the_terms_of_a_search(engine):
    filled(engine)
    with session_on(engine) as session:
        query = TextIndex(session).search('végétalisation "marché couvert" cycl*')
    marked = [text for text, hit in highlight("Végétaliser le marché couvert, pistes cyclables", query.terms) if hit]
    assert marked == ["Végétaliser", "marché", "couvert", "cyclables"]


def test_terms_fold_stem_and_drop_stop_words():
    assert text_terms.terms("Végétaliser les écoles") == text_terms.terms("la végétalisation d'une école")
    assert text_terms.terms("Plantar árboles en la calle") == ["plant", "arbol"]
    assert text_terms.terms("le 12 de la 2024 ab") == []
    assert text_terms.fold("Œuvre ÉCOLE") == "oeuvre ecole"


@pytest.mark.integration
def test_concurrent_writers_sharing_terms_neither_deadlock_nor_lose_a_count():
    """Eight transactions at a time, each indexing ideas made of the same words in another order and holding its
    locks a moment before committing: the sorted upserts queue them; a deadlock would fail a writer here."""
    words = "arbres jardin fontaine bancs composteur trottoir piéton cycliste marché école".split()
    errors = []

    def writer(engine, number):
        rng = random.Random(number)
        try:
            for round_ in range(4):
                shuffled = rng.sample(words, len(words))
                with session_on(engine) as session:
                    TextIndex(session).put_many([("idea", f"{number}-{round_}-{n}", " ".join(shuffled[:5]),
                                                  " ".join(reversed(shuffled))) for n in range(2)])
                    eventlet.sleep(0.005)  # still holding the terms' row locks: the others must wait, not deadlock
        except Exception as error:  # noqa: BLE001 - reported below with the writer's number
            errors.append((number, error))

    with text_index_database("postgresql") as engine:
        pool = eventlet.GreenPool(8)
        for number in range(8):
            pool.spawn(writer, engine, number)
        pool.waitall()
        assert errors == []
        counted = frequencies(engine)
    assert counted["#documents"] == 8 * 4 * 2
    assert counted["arbre"] == 8 * 4 * 2 and counted["fontain"] == 8 * 4 * 2

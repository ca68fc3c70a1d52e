"""Budget projects findable by their words (handlers/project_index.py): `similar_content` while a citizen types an
idea, across every edition (the imported Paris winners included), and the project lists' text search (SQLite and
PostgreSQL)."""
import pytest
import sqlalchemy as sa
from alembic import command
from budget import schemas
from budget.adapters import paris_open_data
from budget.handlers import project_index
from budget.handlers.drafts import Drafts
from budget.models import Cycle
from budget.service import SIMILAR_CONTENT
from hubkit.errors import InvalidInput
from hubkit.runner import alembic_config
from hubkit.text_index import TextIndex
from hubkit.validation import load
from tests.fakes.actors import citizen_actor

from .conftest import PACKAGE_DIR, PARIS_CSV, context
from .test_co_construction import co_cycle, merge  # noqa: F401  (fixture)
from .test_handlers import ADMIN, CYCLE, advance_to, run, submit, vote_cycle  # noqa: F401  (fixtures)

FOUNTAINS = {"title": "Des fontaines à boire au parc", "description": "Quatre fontaines d'eau potable le long "
             "des allées du parc, pour l'été."}
TREES = {"title": "Planter des arbres rue de Belleville", "description": "Végétaliser la rue avec des arbres "
         "d'alignement et des pieds d'arbres fleuris.", "address": "Rue de Belleville"}
BENCHES = {"title": "Des bancs sur la place des Fêtes", "description": "Des bancs pour se reposer à l'ombre "
           "sur la place.", "address": "Place des Fêtes"}
UNRELATED = "Cours de programmation informatique pour les seniors"


def similar(run, title, description="", limit=5):
    """As the service answers: the query loaded by its schema, the answer dumped by its own."""
    query = load(schemas.SimilarContentQuerySchema(), {"title": title, "description": description, "limit": limit})
    return SIMILAR_CONTENT.dump(run("similar_content", query))["items"]


def page(run, query, **more):
    return run("list_projects", load(schemas.ProjectListQuerySchema(), {"query": query, "limit": 50, **more}))


@pytest.fixture
def submitted(run):
    cycle = run("create_cycle", ADMIN, CYCLE)
    made = {name: submit(run, cycle["id"], **fields)["id"]
            for name, fields in (("fountains", FOUNTAINS), ("trees", TREES), ("benches", BENCHES))}
    return {"id": cycle["id"], **made}


def test_a_project_is_found_by_its_words_with_its_state_and_what_to_do(run, submitted):
    [found, *others] = similar(run, "Une fontaine d'eau potable dans le parc", "Pour boire l'été")
    assert found["id"] == submitted["fountains"] and found["kind"] == "project"
    assert (found["status"], found["status_label"]) == ("submitted", "Déposé")
    assert found["edition"] == "2026" and found["cycle_id"] == submitted["id"]
    assert found["title"] == FOUNTAINS["title"] and found["excerpt"] == FOUNTAINS["description"]
    assert found["actions"] == ["join", "follow"]  # projects are still being built: « je m'associe au projet »
    assert 0.2 <= found["similarity"] <= 1 and all(other["similarity"] <= found["similarity"] for other in others)
    assert [item["id"] for item in similar(run, "végétalisation de la rue, des arbres")][:1] == [submitted["trees"]]


def test_the_threshold_and_the_limit_are_respected(run, submitted):
    assert similar(run, UNRELATED) == []
    assert similar(run, "le la les des") == []  # no word that means anything
    for _ in range(4):
        submit(run, submitted["id"], title="Des fontaines à boire dans le square",
               description="Des fontaines à boire pour l'été.")
    found = similar(run, "fontaines à boire", limit=3)
    assert len(found) == 3 and all(item["similarity"] >= 0.2 for item in found)
    assert [item["similarity"] for item in found] == sorted((item["similarity"] for item in found), reverse=True)


def test_on_the_ballot_paper_during_the_vote_a_project_can_be_voted_for(run, vote_cycle):
    def p2():
        [found] = [item for item in similar(run, "Projet pour le quartier", limit=10) if item["id"] == vote_cycle["P2"]]
        return found
    assert p2()["status"] == "selected" and p2()["actions"] == ["vote", "follow"]
    advance_to(run, vote_cycle["id"], "results")
    assert p2()["actions"] == ["follow"]


def test_drafts_are_not_suggested_until_confirmed(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    author = citizen_actor()
    with store.uow() as uow:  # a draft, as a forwarded idea makes one (test_open_data has the whole flow)
        draft_id = Drafts(context(uow))._make_draft(
            uow.session.get(Cycle, cycle["id"]), "decision-1", "idea-1", str(author["account_id"]),
            {"title": "Des bancs rue de Belleville", "description": "Il manque des bancs.", "theme": "Cadre de vie",
             "scale": "paris", "sector": None}).id
    assert similar(run, "Des bancs rue de Belleville") == []
    run("confirm_draft_project", author, {"project_id": draft_id, "title": "Des bancs rue de Belleville",
                                          "description": "Six bancs le long de la rue, entre le métro et le parc.",
                                          "theme": "Cadre de vie", "scale": "paris", "sector": None})
    assert [item["id"] for item in similar(run, "Des bancs rue de Belleville")] == [draft_id]


def test_merged_sources_give_way_to_the_merged_project(run, co_cycle):
    before = {item["id"] for item in similar(run, "Un jardin partagé avec des bacs et un composteur")}
    assert {co_cycle["A"], co_cycle["B"], co_cycle["C"]} <= before  # C was judged inadmissible: still shown
    merged = merge(run, co_cycle, "A", "B")
    found = similar(run, "Un grand jardin partagé avec un composteur")
    assert found[0]["id"] == merged["id"] and found[0]["actions"] == ["join", "follow"]
    assert not {co_cycle["A"], co_cycle["B"]} & {item["id"] for item in found}
    [rejected] = [item for item in found if item["id"] == co_cycle["C"]]
    assert rejected["status"] == "inadmissible" and rejected["actions"] == ["follow"]


def test_the_imported_paris_winners_are_suggested_with_their_edition(run):
    run("import_paris", ADMIN, paris_open_data.parse(PARIS_CSV.read_text(encoding="utf-8-sig")))
    found = similar(run, "Restaurer la fontaine Louvois", "rue de Richelieu")
    assert {item["edition"] for item in found[:2]} == {"2017", "2019"}
    assert all("Louvois" in item["title"] for item in found[:2])
    assert found[0]["status"] in ("realise", "non_demarre", "etudes_conception", "procedures", "travaux", "livraison")
    assert found[0]["actions"] == ["follow"]
    assert [item["arrondissement"] for item in found[:2] if item["edition"] == "2017"] == [2]


@pytest.mark.parametrize("data, field", [
    ({"title": ""}, "title"), ({"title": "   "}, "title"), ({}, "title"), ({"title": None}, "title"),
    ({"title": "x" * 201}, "title"), ({"title": "Des arbres", "description": "x" * 10_000}, "description"),
    ({"title": "é" * 10_240}, "title"), ({"title": "Des arbres", "limit": 0}, "limit"),
    ({"title": "Des arbres", "limit": 11}, "limit"), ({"title": "Des arbres", "limit": "x"}, "limit"),
    ({"title": "Des arbres", "threshold": 0}, "threshold"), ({"title": ["Des arbres"]}, "title"),
])
def test_bad_input_is_refused_with_its_field(data, field):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.SimilarContentQuerySchema(), data)
    assert list(refused.value.details) == [field]


@pytest.mark.parametrize("text", ["%", "_", "\\", "'; DROP TABLE budget_projects; --", '"fontaines', "*", "a*",
                                  "fontaines\x00", "ﬁontaines 🌳 𝔣𝔬𝔫𝔱𝔞𝔦𝔫𝔢", "fontaine" * 12])
def test_hostile_text_is_words_or_nothing_never_an_error(run, submitted, text):
    assert isinstance(similar(run, text[:200], text), list)
    listed = page(run, text[:100])
    assert listed["total"] == len(listed["items"])


# --- the project lists' text search --------------------------------------------------------------------------

def test_search_every_word_a_phrase_a_prefix_accents_and_plurals(run, submitted):
    def found(query, **more):
        return [item["id"] for item in page(run, query, **more)["items"]]
    assert found("fontaine") == [submitted["fountains"]]  # plural in the title
    assert found("VEGETALISER arbre") == [submitted["trees"]]  # accents, case, a derived word
    assert found("arbres fontaines") == []  # every word
    assert found('"place des Fêtes"') == [submitted["benches"]] and found('"des Fêtes place"') == []
    assert found("belle*") == [submitted["trees"]]  # a prefix, and the address is searched
    assert found("le la") == []  # nothing to look for: nothing found
    assert found("fontaine", cycle_id=submitted["id"], sector="paris-19") == [submitted["fountains"]]
    assert found("fontaine", theme="Sport") == []


def test_search_ranks_by_relevance_then_by_submission(run, submitted):
    cycle_id = submitted["id"]
    once = submit(run, cycle_id, title="Un parc pour les chiens",
                  description="Un espace clos pour les chiens dans un parc.")["id"]
    twice = submit(run, cycle_id, title="Des fontaines dans le parc", description="Des fontaines, encore des "
                   "fontaines, toujours des fontaines dans le parc.")["id"]
    same = [submit(run, cycle_id, title="Réparer le parc", description="Le parc est abîmé, ses allées aussi.")["id"]
            for _ in range(2)]
    listed = page(run, "parc", cycle_id=cycle_id)
    ids = [item["id"] for item in listed["items"]]
    assert listed["total"] == len(ids) == 5 and set(ids) == {submitted["fountains"], once, twice, *same}
    assert ids.index(same[0]) + 1 == ids.index(same[1])  # equal scores: in the order of submission
    assert page(run, "parc", cycle_id=cycle_id, sort="relevance")["items"] == listed["items"]
    by_title = [item["title"] for item in page(run, "parc", cycle_id=cycle_id, sort="title")["items"]]
    assert by_title == sorted(by_title)  # an explicit order still applies
    fountains = [item["id"] for item in page(run, "fontaines", cycle_id=cycle_id)["items"]]
    assert fountains == [twice, submitted["fountains"]]  # the word four times in a short text ranks first
    counted = page(run, "parc", cycle_id=cycle_id, limit=2)
    assert counted["total"] == 5 and counted["by_sector"] == {"paris-19": 5} and len(counted["items"]) == 2


def test_the_migration_indexes_the_projects_already_there(budget_db, store, run, co_cycle):
    merged = merge(run, co_cycle, "A", "B")
    with store.uow() as uow:
        before = sorted(TextIndex(uow.session).similar("Un jardin partagé", limit=10))
    config = alembic_config(PACKAGE_DIR, budget_db.url)
    command.downgrade(config, "0004")
    command.upgrade(config, "head")
    with store.uow() as uow:
        after = sorted(TextIndex(uow.session).similar("Un jardin partagé", limit=10))
    assert after == before and merged["id"] in {doc_id for _kind, doc_id, _score in after}
    assert not {co_cycle["A"], co_cycle["B"]} & {doc_id for _kind, doc_id, _score in after}


def test_reindexing_puts_back_what_the_rule_says(run, store, co_cycle):
    """`python -m budget reindex`: the index emptied by hand is rebuilt by the same rule as the writes keep it."""
    merged = merge(run, co_cycle, "A", "B")
    kept = {item["id"] for item in similar(run, "Un jardin partagé avec un composteur")}
    with store.uow() as uow:
        for table in ("text_index_postings", "text_index_documents", "text_index_terms"):
            uow.session.execute(sa.delete(sa.table(table)))
    assert similar(run, "Un jardin partagé avec un composteur") == []
    with store.uow() as uow:
        assert project_index.reindex(uow.session, batch=2) == {"indexed": 3, "removed": 2}  # C, D, merged; A, B
    assert {item["id"] for item in similar(run, "Un jardin partagé avec un composteur")} == kept
    assert merged["id"] in kept and not {co_cycle["A"], co_cycle["B"]} & kept

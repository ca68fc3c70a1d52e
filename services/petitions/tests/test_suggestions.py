"""Petitions found by words (issue 17): similar content while a citizen types, and the public list's search, both
from the text index kept in step with each petition's steps. On SQLite and PostgreSQL, with a real Redis."""
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from hubkit.errors import InvalidInput
from hubkit.validation import load
from petitions import domain, schemas
from petitions.handlers import Context
from petitions.handlers.common import utcnow
from petitions.settings import Settings

SETTINGS = Settings(sponsors_required=0, threshold=3, chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}
BENCHES = {"title": "Des bancs rue Manin pour les personnes âgées",
           "asks": "Nous demandons des bancs publics tous les cent mètres rue Manin, jusqu'au parc des Buttes.",
           "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.", "arrondissement": 19}
TREES = {"title": "Végétaliser les cours d'écoles du 11e",
         "asks": "Nous demandons la végétalisation de toutes les cours d'écoles du 11e arrondissement.",
         "background": "Les cours bitumées sont des îlots de chaleur pendant les canicules.", "arrondissement": 11}
BIKES = {"title": "Des arceaux vélos devant chaque école",
         "asks": "Nous demandons des arceaux pour vélos devant chaque école élémentaire de Paris.",
         "background": "Les parents qui accompagnent leurs enfants à vélo ne savent pas où attacher leur vélo.",
         "arrondissement": None}
LIST = {"status": "open", "query": "", "sort": "recent", "limit": 20, "offset": 0}


@pytest.fixture
def run(store, throttle, accounts, use_case):
    def run(method, *args):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, utcnow), method)(*args)
    return run


@pytest.fixture
def petition(run, accounts):
    """A petition of `texts` brought to `step`: "draft", "submitted" or "open"."""
    def make(texts: dict, step: str = "open") -> str:
        author = {"account_id": str(uuid.uuid4()), "roles": ["citizen"]}
        accounts.add(author["account_id"], "Camille")
        petition_id = run("draft_petition", author, texts)["id"]
        if step != "draft":
            run("submit", author, petition_id)
        if step == "open":
            run("publish", MODERATOR, {"petition_id": petition_id, "threshold": None, "eligibility": None})
        return petition_id
    return make


def similar(run, title: str, description: str = "", limit: int = 5) -> list:
    return run("similar_content", load(schemas.SimilarContentQuerySchema(),
                                       {"title": title, "description": description, "limit": limit}))["items"]


def indexed(store) -> dict:
    return {row.doc_id: row.kind for row in store.rows("text_index_documents")}


def sign(run, accounts, petition_id: str, count: int):
    for _ in range(count):
        signer = {"account_id": str(uuid.uuid4()), "roles": ["citizen"]}
        accounts.add(signer["account_id"], "Signataire")
        run("sign", signer, {"petition_id": petition_id, "connection": {"lives": True}, "notify": False,
                             "client": {"ip": "203.0.113.7"}})


# --- similar content ----------------------------------------------------------------------------------

def test_an_open_petition_is_suggested_with_its_state_and_what_one_can_do(run, petition, accounts):
    benches, _trees = petition(BENCHES), petition(TREES)
    sign(run, accounts, benches, 2)
    [item] = similar(run, "Installer des bancs rue Manin", "pour que les personnes âgées puissent s'asseoir")
    assert item == {"kind": "petition", "id": benches, "title": BENCHES["title"], "excerpt": BENCHES["asks"],
                    "status": "open", "status_label": "Ouverte aux signatures", "signatures_count": 2,
                    "threshold": 3, "arrondissement": 19, "similarity": item["similarity"], "actions": ["sign"]}
    assert 0.2 <= item["similarity"] <= 1
    assert similar(run, "Un tramway sur les quais de Seine") == []


def test_only_open_and_successful_petitions_are_suggested(run, petition, store, accounts):
    draft, submitted = petition(BENCHES, "draft"), petition(BENCHES, "submitted")
    rejected, hidden = petition(BENCHES, "submitted"), petition(BENCHES, "submitted")
    run("reject", MODERATOR, {"petition_id": rejected, "code": "duplicate", "hidden": False,
                              "reason": "Une pétition identique est déjà ouverte."})
    run("reject", MODERATOR, {"petition_id": hidden, "code": "personal_data", "hidden": True,
                              "reason": "Le texte cite le nom d'une personne."})
    successful, expired = petition(BENCHES), petition(BENCHES)
    sign(run, accounts, successful, 3)  # its threshold
    run("schedule_for_council", ADMIN, {"petition_id": successful, "session_date": date.today() + timedelta(days=3),
                                        "agenda_url": "https://www.paris.fr/conseil"})
    assert {item["id"]: item["actions"] for item in similar(run, BENCHES["title"], limit=10)} == \
        {successful: ["sign"], expired: ["sign"]}
    with store.uow() as uow:  # both past their deadline
        uow.session.execute(sa.text("UPDATE petitions SET closes_at = :past"), {"past": utcnow() - timedelta(days=1)})
    assert run("close_expired") == 1  # the one below its threshold; the scheduled one waits for its answer
    assert [(item["id"], item["status"], item["actions"]) for item in similar(run, BENCHES["title"], limit=10)] == \
        [(successful, "scheduled_for_council", [])]
    assert indexed(store) == {successful: domain.SUGGESTED, expired: domain.ARCHIVED, rejected: domain.ARCHIVED}
    assert draft not in indexed(store) and submitted not in indexed(store) and hidden not in indexed(store)


def test_a_petition_closed_after_reaching_its_threshold_stays_suggested():
    assert domain.index_kind(domain.CLOSED, False, threshold_reached=True) == domain.SUGGESTED
    assert domain.index_kind(domain.CLOSED, False, threshold_reached=False) == domain.ARCHIVED
    assert domain.index_kind(domain.REJECTED, True, threshold_reached=False) is None
    assert [domain.index_kind(status, False, False) for status in (domain.DRAFT, domain.SUBMITTED)] == [None, None]


def test_the_limit_and_the_order_of_suggestions(run, petition):
    ids = [petition({**BIKES, "title": f"{BIKES['title']} numéro {n}"}) for n in range(4)]
    found = similar(run, "Des arceaux vélos devant les écoles", limit=3)
    assert len(found) == 3 and set(item["id"] for item in found) <= set(ids)
    scores = [item["similarity"] for item in found]
    assert scores == sorted(scores, reverse=True)


def test_an_excerpt_is_cut_at_a_word():
    assert domain.excerpt("court") == "court"
    cut = domain.excerpt("mot " * 100)
    assert len(cut) <= domain.EXCERPT_MAX and cut.endswith("mot…")
    assert domain.excerpt("a\n\n  b") == "a b"


@pytest.mark.parametrize("data, field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"title": 12}, "title"),
    ({"title": "Des bancs", "description": "x" * 5001}, "description"),
    ({"title": "Des bancs", "limit": 0}, "limit"),
    ({"title": "Des bancs", "limit": 11}, "limit"),
    ({"title": "Des bancs", "limit": "beaucoup"}, "limit"),
    ({"title": "Des bancs", "author": "quelqu'un"}, "author"),
])
def test_a_bad_similar_content_query_is_refused_with_its_field(data, field):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.SimilarContentQuerySchema(), data)
    assert field in refused.value.details


@pytest.mark.parametrize("title", [
    "'; DROP TABLE petitions; --", "100% _bancs_ \\", '"bancs rue', "bancs*", "*", "bancs OR 1=1",
    "NEAR(bancs manin)", "\u202ebancs\u202c 🪑🪑", "ba\u0301ncs", "\x00bancs", "x" * 200,
])
def test_hostile_text_is_just_text(run, petition, title):
    petition(BENCHES)
    found = similar(run, title, description=title * 20)
    assert all(item["kind"] == "petition" for item in found)


# --- the list's search ------------------------------------------------------------------------------

def ids_found(run, text: str, **query) -> list:
    return [item["id"] for item in run("list_petitions", {**LIST, "query": text, **query})["items"]]


def test_the_list_search_finds_every_word_phrases_prefixes_without_accents_nor_plurals(run, petition):
    benches, trees, bikes = petition(BENCHES), petition(TREES), petition(BIKES)
    assert ids_found(run, "BANC manin") == [benches]  # case and plural
    assert ids_found(run, "vegetalisation") == [trees]  # "Végétaliser", "végétalisation": accents and forms
    assert ids_found(run, "végétaliser écoles") == [trees]
    assert set(ids_found(run, "école")) == {trees, bikes}
    assert ids_found(run, "école vélos") == [bikes]  # every word
    assert ids_found(run, "bancs tramway") == []
    assert ids_found(run, '"cours d\'écoles"') == [trees]  # a phrase
    assert ids_found(run, '"écoles cours"') == []
    assert ids_found(run, "végéta*") == [trees]  # a prefix
    assert ids_found(run, "parc", arrondissement=19) == [benches]
    assert ids_found(run, "parc", arrondissement=11) == []


def test_the_list_search_counts_each_tab_and_pages_in_relevance_then_a_stable_order(run, petition, accounts):
    strong = petition({**BIKES, "title": "Vélos, vélos : des arceaux vélos partout"})
    others = [petition(BIKES) for _ in range(3)]
    sign(run, accounts, others[0], 1)
    page = run("list_petitions", {**LIST, "query": "vélos", "limit": 2})
    assert page["total"] == 4 and page["counts"] == {"open": 4, "threshold_reached": 0, "answered": 0, "closed": 0,
                                                     "rejected": 0}
    first_page = [item["id"] for item in page["items"]]
    assert first_page[0] == strong
    # the same relevance: in the chosen order (the newest first), then by id, the same across pages
    newest = sorted(others, key=lambda petition_id: (-_published(run, petition_id), petition_id))
    assert first_page[1:] + ids_found(run, "vélos", limit=2, offset=2) == newest
    assert ids_found(run, "vélos", sort="popular")[:2] == [strong, others[0]]


def _published(run, petition_id) -> float:
    return run("get_petition", petition_id, None)["opened_at"].timestamp()


@pytest.mark.parametrize("text", ["%", "_", "\\", "'", '"', "*", "a*", "le la les", "' OR 1=1 --", "%%%%",
                                  "\u0000", "𝔭𝔢𝔱𝔦𝔱𝔦𝔬𝔫", "x" * 100])
def test_a_query_with_nothing_to_search_finds_nothing_and_fails_nothing(run, petition, text):
    petition(BENCHES)
    page = run("list_petitions", {**LIST, "query": text})
    assert page["items"] == [] and page["total"] == 0


def test_a_list_query_over_its_length_is_refused():
    with pytest.raises(InvalidInput) as refused:
        load(schemas.ListQuerySchema(), {"query": "x" * 101})
    assert "query" in refused.value.details


# --- the petitions published before the index -----------------------------------------------------------

def test_the_migration_indexes_the_petitions_already_published(petitions_db, store, run):
    from alembic import command

    from hubkit.db import make_engine
    from hubkit.runner import alembic_config, migrate
    from petitions import SERVICE_NAME

    from .conftest import PACKAGE_DIR
    from .test_list_paths import seed
    command.downgrade(alembic_config(PACKAGE_DIR, petitions_db.url), "0005")
    engine = make_engine(petitions_db.url)
    with engine.begin() as connection:
        seed(connection, 120)
        connection.execute(sa.text("UPDATE petitions SET title = 'Des bancs rue Manin', "
                                   "asks = 'Nous demandons des bancs tous les cent mètres.'"))
        connection.execute(sa.text("UPDATE petitions SET threshold_reached_at = created_at WHERE status = 'closed' "
                                   "AND id < '8'"))
        rows = connection.execute(sa.text("SELECT id, status, hidden, threshold_reached_at FROM petitions")).all()
    engine.dispose()
    migrate(SERVICE_NAME, PACKAGE_DIR, petitions_db.url)
    expected = {row.id: kind for row in rows
                if (kind := domain.index_kind(row.status, bool(row.hidden), row.threshold_reached_at is not None))}
    assert indexed(store) == expected
    assert {domain.SUGGESTED, domain.ARCHIVED} == set(expected.values())
    opened = {row.id for row in rows if row.status == "open"}
    assert set(ids_found(run, "bancs manin", limit=100)) == opened
    suggested = {item["id"] for item in similar(run, "Des bancs rue Manin", limit=10)}
    assert len(suggested) == 10 and all(expected[petition_id] == domain.SUGGESTED for petition_id in suggested)

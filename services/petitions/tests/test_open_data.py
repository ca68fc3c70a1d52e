"""The petitions' open datasets (issue 15, section 5): published petitions and their signatures counted by
arrondissement, anonymised, a page at a time behind a cursor a reader cannot forge into anything but a 400.
Use cases on SQLite and PostgreSQL, then the RPC as the gateway calls it."""
import base64
import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from hubkit.errors import InvalidInput
from hubkit.testing import free_port, signed_proxy
from hubkit.validation import load
from petitions.domain import open_data as rules_of
from petitions.handlers import Context
from petitions.schemas.open_data import OpenDataPageQuerySchema, dump_page
from petitions.service import PetitionsService
from petitions.settings import Settings
from tests.fakes.actors import citizen_actor

SETTINGS = Settings(sponsors_required=0, threshold=5000, chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}
# 23:30 in UTC is already the next day in Paris (UTC+1 in March): the dataset gives the day Paris saw
NOW = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
AUTHOR_PSEUDONYM = "Camille-Pseudonyme-Unique-7431"
QUERY = OpenDataPageQuerySchema()


def clock():
    return NOW


def text(title: str) -> dict:
    return {"title": title, "asks": "Nous demandons des bancs tous les cent mètres rue Manin.",
            "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.",
            "arrondissement": 19}


def sign(petition_id: str, ip: str, works=False) -> dict:
    return {"petition_id": petition_id, "connection": {"lives": not works, "works": works, "studies": False},
            "notify": True, "client": {"ip": ip}}


@pytest.fixture
def run(store, throttle, accounts, use_case):
    def run(method, *args):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, clock), method)(*args)
    return run


def page(run, dataset: str, after=None, limit=None) -> dict:
    """A page as the service answers it: the query through the wire schema, the rows through theirs."""
    query = load(QUERY, {"dataset": dataset, "after": after, **({"limit": limit} if limit else {})})
    return dump_page(dataset, run("dataset_page", query))


def every_row(run, dataset: str, limit: int) -> list:
    rows, after = [], None
    while True:
        answer = page(run, dataset, after, limit)
        assert len(answer["rows"]) <= limit
        rows += answer["rows"]
        if answer["next"] is None:
            return rows
        after = answer["next"]


@pytest.fixture
def world(run, accounts) -> dict:
    """An answered petition (signed in the 11e twice and once from outside Paris), an open one whose 5e signature
    was invalidated, a rejected one, one hidden for legal reasons, a draft and one awaiting moderation."""
    author, other_author = citizen_actor(), citizen_actor()  # an author drafts at most 5 petitions an hour
    accounts.add(author["account_id"], AUTHOR_PSEUDONYM, arrondissement=19)
    accounts.add(other_author["account_id"], "Dominique-Pseudonyme-Unique-2718", arrondissement=20)
    residents = [citizen_actor() for _ in range(3)]
    for number, resident in enumerate(residents):
        accounts.add(resident["account_id"], f"Signataire {number}", arrondissement=(11, 11, 5)[number])
    commuter = citizen_actor()
    accounts.add(commuter["account_id"], "Signataire banlieue", lives_in_paris=False)

    def submitted(title, by=author):
        petition = run("draft_petition", by, text(title))
        return run("submit", by, petition["id"])["id"]

    answered = submitted("Des bancs rue Manin, tous les cent mètres")
    run("publish", ADMIN, {"petition_id": answered, "threshold": 2, "eligibility": "live_work_study"})
    run("sign", residents[0], sign(answered, "203.0.113.1"))
    run("sign", residents[1], sign(answered, "203.0.113.2"))
    run("sign", commuter, sign(answered, "203.0.113.3", works=True))
    run("schedule_for_council", ADMIN, {"petition_id": answered, "session_date": date(2026, 4, 7),
                                        "agenda_url": "https://www.paris.fr/conseil/seance-2026-04"})
    run("record_response", ADMIN, {"petition_id": answered, "decision": "partially_accepted",
                                   "response": "La Ville installera des bancs rue Manin en 2027."})
    opened = submitted("Une fontaine place des Fêtes pour l'été")
    run("publish", MODERATOR, {"petition_id": opened, "threshold": None, "eligibility": None})
    run("sign", residents[0], sign(opened, "203.0.113.1"))
    run("sign", residents[2], sign(opened, "198.51.100.66"))
    run("invalidate_signatures", MODERATOR, {"petition_id": opened, "ip": "198.51.100.66",
                                             "reason": "Signatures en série depuis une même adresse."})
    rejected = submitted("Une piste de ski sur la butte Montmartre")
    run("reject", MODERATOR, {"petition_id": rejected, "code": "not_city_competence",
                              "reason": "La Ville ne gère pas les pistes de ski.", "hidden": False})
    hidden = submitted("Un texte qui nomme un voisin en toutes lettres", other_author)
    run("reject", MODERATOR, {"petition_id": hidden, "code": "personal_data",
                              "reason": "Le texte contient des données personnelles.", "hidden": True})
    draft = run("draft_petition", other_author, text("Un brouillon que personne ne voit"))["id"]
    waiting = submitted("Une pétition en attente de modération", other_author)
    return {"answered": answered, "opened": opened, "rejected": rejected, "unpublished": {hidden, draft, waiting},
            "people": [author, other_author, *residents, commuter]}


def test_published_petitions_are_given_with_their_counts_and_outcome(run, world):
    answer = page(run, "petitions")
    assert answer["next"] is None
    rows = {row["petition_id"]: row for row in answer["rows"]}
    assert [row["petition_id"] for row in answer["rows"]] == sorted(rows)  # the ids' order
    assert set(rows) == {world["answered"], world["opened"], world["rejected"]}
    assert rows[world["answered"]] == {
        "petition_id": world["answered"], "title": "Des bancs rue Manin, tous les cent mètres",
        "status": "answered", "published_at": "2026-03-02", "signatures_count": 3, "threshold": 2,
        "threshold_reached_at": "2026-03-02", "council_session": "2026-04-07",
        "council_outcome": "partially_accepted"}
    assert rows[world["opened"]] == {
        "petition_id": world["opened"], "title": "Une fontaine place des Fêtes pour l'été", "status": "open",
        "published_at": "2026-03-02", "signatures_count": 1, "threshold": 5000, "threshold_reached_at": None,
        "council_session": None, "council_outcome": None}
    assert rows[world["rejected"]]["status"] == "rejected" and rows[world["rejected"]]["signatures_count"] == 0


def test_signatures_are_counted_by_arrondissement_never_listed(run, world):
    answer = page(run, "petition_signatures_by_arrondissement")
    assert answer["next"] is None
    expected = sorted([(world["answered"], "11", 2), (world["answered"], "hors Paris", 1), (world["opened"], "11", 1)],
                      key=lambda row: (row[0], 21 if row[1] == "hors Paris" else int(row[1])))
    assert [(row["petition_id"], row["arrondissement"], row["signatures_count"]) for row in answer["rows"]] == \
        expected  # the invalidated signature of the 5e is not counted; the rejected petition has no row


def test_a_signature_from_an_arrondissement_paris_does_not_have_joins_those_outside_paris(run, world, store):
    with store.engine.begin() as connection:  # written by hand: accounts gives 1 to 20 or nothing
        connection.execute(sa.insert(store.metadata.tables["petition_signatures"]), [{
            "petition_id": world["answered"], "account_id": str(uuid.uuid4()), "lives_in_paris": True,
            "works_in_paris": False, "studies_in_paris": False, "arrondissement": 0, "notify": False,
            "created_at": NOW}])
    rows = [(row["arrondissement"], row["signatures_count"]) for row in
            page(run, "petition_signatures_by_arrondissement")["rows"] if row["petition_id"] == world["answered"]]
    assert rows == [("11", 2), ("hors Paris", 2)]


def test_nothing_names_a_person_and_unpublished_petitions_are_absent(run, world, accounts):
    published = repr([page(run, dataset) for dataset in rules_of.DATASETS])
    for person in world["people"]:
        account = accounts.accounts[person["account_id"]]
        for personal in (person["account_id"], account["pseudonym"], account["email"]):
            assert personal not in published
    for petition_id in world["unpublished"]:
        assert petition_id not in published
    assert "203.0.113" not in published and "Camille" not in published


@pytest.mark.parametrize("dataset", rules_of.DATASETS)
def test_pages_of_one_row_give_every_row_once_in_order(run, world, dataset):
    whole = page(run, dataset)["rows"]
    assert len(whole) == 3
    assert every_row(run, dataset, limit=1) == whole
    assert every_row(run, dataset, limit=2) == whole


def forged_cursors(petition_id: str) -> list:
    def encoded(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return ["n'importe quoi", "%%%", encoded("petitions"), encoded(f"petitions|{petition_id}|3"),
            encoded(f"petitions|{petition_id.upper()}"), encoded("petitions|not-a-uuid"),
            encoded(f"petition_signatures_by_arrondissement|{petition_id}|22"),
            encoded(f"petition_signatures_by_arrondissement|{petition_id}|0"),
            encoded(f"petition_signatures_by_arrondissement|{petition_id}"), encoded(f"ideas|{petition_id}"),
            encoded(f"petitions|{petition_id}") + "==", "é" * 10, "A" * 201, ""]


@pytest.mark.parametrize("dataset", rules_of.DATASETS)
def test_a_forged_or_foreign_cursor_is_refused_as_bad_input(run, world, dataset):
    petition_id = world["answered"]
    foreign = {"petitions": rules_of.cursor_after("petition_signatures_by_arrondissement", petition_id, 11),
               "petition_signatures_by_arrondissement": rules_of.cursor_after("petitions", petition_id)}[dataset]
    for cursor in forged_cursors(petition_id) + [foreign]:
        with pytest.raises(InvalidInput) as refused:
            page(run, dataset, after=cursor)
        assert "after" in refused.value.details, cursor


def test_the_query_is_checked_before_anything_is_read():
    for bad in ({}, {"dataset": "signataires"}, {"dataset": "petitions", "limit": 0},
                {"dataset": "petitions", "limit": 2001}, {"dataset": "petitions", "limit": "beaucoup"},
                {"dataset": "petitions", "after": 12}, {"dataset": "petitions", "account_id": str(uuid.uuid4())}):
        with pytest.raises(InvalidInput):
            load(QUERY, bad)
    assert load(QUERY, {"dataset": "petitions"}) == {"dataset": "petitions", "after": None, "limit": 2000}


def test_every_status_is_either_published_or_not_and_only_public_ones_are():
    from petitions import domain
    published, unpublished = set(rules_of.PUBLISHED_STATUSES), set(rules_of.UNPUBLISHED_STATUSES)
    assert published | unpublished == set(domain.STATUSES) and not published & unpublished
    assert published == set(domain.PUBLIC_STATUSES)


def test_an_arrondissement_paris_does_not_have_counts_as_outside_paris():
    assert [rules_of.arrondissement_key(value) for value in (1, 20, None, 0, 21, 75)] == [1, 20, 21, 21, 21, 21]
    assert [rules_of.arrondissement_label(key) for key in (1, 20, 21)] == ["1", "20", "hors Paris"]


def test_dates_are_the_days_paris_saw():
    assert rules_of.paris_date(datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)) == date(2026, 3, 2)
    assert rules_of.paris_date(datetime(2026, 7, 1, 21, 59, tzinfo=timezone.utc)) == date(2026, 7, 1)
    assert rules_of.paris_date(datetime(2026, 7, 1, 22, 0)) == date(2026, 7, 2)  # naive: UTC, as SQLite reads it
    assert rules_of.paris_date(None) is None


# --- through the RPC, as the gateway calls it ------------------------------------------------------------------

@pytest.fixture
def config(rabbit_config, petitions_db, monkeypatch):
    monkeypatch.setenv("PETITIONS_DATABASE_URL", petitions_db.url)
    monkeypatch.setenv("HUB_REDIS_PREFIX", f"test-petitions-{uuid.uuid4().hex}")
    return {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


def test_the_gateway_reads_the_datasets_page_by_page_and_no_one_else_may(config, container_factory, run, world):
    container_factory(PetitionsService, config).start()
    with signed_proxy("petitions", config) as petitions:
        first = petitions.open_data_page({"dataset": "petitions", "after": None, "limit": 2})
        second = petitions.open_data_page({"dataset": "petitions", "after": first["next"], "limit": 2})
        by_arrondissement = petitions.open_data_page({"dataset": "petition_signatures_by_arrondissement"})
        with pytest.raises(Exception) as forged:
            petitions.open_data_page({"dataset": "petitions", "after": "Zm9yZ8Op", "limit": 2})
    assert len(first["rows"]) == 2 and len(second["rows"]) == 1 and second["next"] is None
    assert first["rows"] + second["rows"] == page(run, "petitions")["rows"]
    assert by_arrondissement == page(run, "petition_signatures_by_arrondissement")
    assert getattr(forged.value, "code", None) == "VALIDATION_ERROR"
    with signed_proxy("petitions", config, identity="ideas") as petitions:
        with pytest.raises(Exception) as refused:
            petitions.open_data_page({"dataset": "petitions"})
    assert getattr(refused.value, "code", None) == "CALLER_NOT_TRUSTED"

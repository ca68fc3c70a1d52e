"""Use cases of the petitions service on a real database (SQLite and PostgreSQL) and a real Redis."""
import json
import uuid
from datetime import date, timedelta

import eventlet
import pytest
import sqlalchemy as sa

from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from hubkit.validation import load
from petitions import domain, schemas
from petitions.handlers import Context
from petitions.handlers.common import utcnow
from petitions.settings import Settings, load_settings
from tests.fakes import FakeIdeas
from tests.fakes.actors import citizen_actor

# charts recounted at every read (the service keeps them PETITIONS_CHART_CACHE_SECONDS): counts are checked
SETTINGS = Settings(sponsors_required=2, threshold=3, moderation_days=7, open_months=12, chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}
DRAFT = {"title": "Des bancs rue Manin", "asks": "Nous demandons des bancs tous les cent mètres rue Manin.",
         "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.",
         "arrondissement": 19}


def signing(petition_id, lives=False, works=False, studies=False, notify=False, ip="203.0.113.7") -> dict:
    return {"petition_id": petition_id, "connection": {"lives": lives, "works": works, "studies": studies},
            "notify": notify, "client": {"ip": ip}}


@pytest.fixture
def run(store, throttle, accounts, use_case):
    """Run one use case in its own unit of work, as a service worker does."""
    def run(method, *args, clock=utcnow, settings=SETTINGS):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, settings, clock), method)(*args)
    return run


@pytest.fixture
def author(accounts) -> dict:
    actor = citizen_actor()
    accounts.add(actor["account_id"], "Camille du 19e", arrondissement=19)
    return actor


@pytest.fixture
def people(accounts):
    """Citizens known to the fake accounts service (Paris residents of the 11e unless told otherwise)."""
    def make(count=1, **attributes) -> list:
        made = []
        for number in range(count):
            actor = citizen_actor()
            accounts.add(actor["account_id"], f"Citoyen {number}", **attributes)
            made.append(actor)
        return made
    return make


def draft(run, author, **changes) -> dict:
    return run("draft_petition", author, {**DRAFT, **changes})


def submitted(run, author, people) -> dict:
    petition = draft(run, author)
    for sponsor in people(SETTINGS.sponsors_required):
        run("sponsor", sponsor, petition["sponsor_token"])
    return run("submit", author, petition["id"])


def published(run, author, people, **publication) -> dict:
    petition = submitted(run, author, people)
    return run("publish", ADMIN if publication.get("threshold") else MODERATOR,
               {"petition_id": petition["id"], "threshold": None, "eligibility": None, **publication})


# --- drafting ----------------------------------------------------------------------------------

def test_a_draft_is_private_to_its_author_and_carries_a_sponsor_link(run, store, author, accounts):
    petition = draft(run, author)
    assert petition["status"] == "draft" and petition["author_pseudonym"] == "Camille du 19e"
    assert petition["title"] == "Des bancs rue Manin" and petition["arrondissement"] == 19
    assert len(petition["sponsor_token"]) >= 40 and petition["viewer"]["is_author"]
    assert {"account_ids": [author["account_id"]]} in accounts.data_of("public_profiles")
    assert store.events() == []  # a draft is nobody's business yet
    for stranger in (None, citizen_actor()):
        with pytest.raises(NotFound):
            run("get_petition", petition["id"], stranger)
    assert run("get_petition", petition["id"], author)["sponsor_token"] == petition["sponsor_token"]
    assert [row.action for row in store.rows("petition_history")] == ["drafted"]


def test_moderators_and_admins_see_a_petition_once_submitted_and_its_author_always(run, author, people):
    """Issue 12: a draft is its author's alone, even with its co-sponsors gathered; moderation begins with
    the submission."""
    petition = draft(run, author)
    for sponsor in people(SETTINGS.sponsors_required):
        run("sponsor", sponsor, petition["sponsor_token"])
    for staff in (MODERATOR, ADMIN):
        with pytest.raises(NotFound):
            run("get_petition", petition["id"], staff)
    assert run("moderation_queue", MODERATOR)["items"] == []
    assert run("get_petition", petition["id"], author)["status"] == "draft"
    run("submit", author, petition["id"])
    for reader in (MODERATOR, ADMIN, author):
        assert run("get_petition", petition["id"], reader)["status"] == "submitted"
    assert [item["id"] for item in run("moderation_queue", MODERATOR)["items"]] == [petition["id"]]


def test_empty_or_oversized_texts_are_refused_field_by_field_and_nothing_is_written(run, store, author):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run("draft_petition", author, {"title": "   ", "asks": "x" * 3001, "background": "court",
                                        "arrondissement": 21})
    assert set(refused.value.details) == {"title", "asks", "background", "arrondissement"}
    assert refused.value.details["title"] == ["Ce champ ne peut pas être vide."]
    assert refused.value.details["asks"] == ["Au plus 3000 caractères."]
    assert store.snapshot() == before


def test_the_wire_schema_refuses_huge_or_missing_fields_before_the_rules():
    with pytest.raises(InvalidInput) as refused:
        load(schemas.DraftSchema(), {"title": "t" * 10_000, "asks": 12, "arrondissement": "x"})
    assert set(refused.value.details) == {"title", "asks", "background", "arrondissement"}
    with pytest.raises(InvalidInput) as refused:
        load(schemas.SignSchema(), {"petition_id": "nope", "connection": {"lives": "peut-être"}})
    assert set(refused.value.details) == {"petition_id", "connection"}


def test_drafting_is_rate_limited_per_account(run, store, author):
    settings = Settings(**{**SETTINGS.__dict__, "drafts_per_hour": 2})
    for _ in range(2):
        run("draft_petition", author, DRAFT, settings=settings)
    before = store.snapshot()
    with pytest.raises(RateLimited) as limited:
        run("draft_petition", author, DRAFT, settings=settings)
    assert 0 < limited.value.retry_after <= 3600 and "Réessayez dans" in limited.value.message
    assert store.snapshot() == before


def test_the_author_edits_the_draft_until_a_co_sponsor_endorsed_it(run, store, author, people):
    petition = draft(run, author)
    edited = run("update_draft", author, {"petition_id": petition["id"], "title": "Des bancs rue Manin, vite"})
    assert edited["title"] == "Des bancs rue Manin, vite" and edited["asks"] == DRAFT["asks"]
    with pytest.raises(NotFound):
        run("update_draft", citizen_actor(), {"petition_id": petition["id"], "title": "Détournée par un autre"})
    run("sponsor", people()[0], petition["sponsor_token"])
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("update_draft", author, {"petition_id": petition["id"], "title": "Changée après parrainage"})
    assert refused.value.code == "DRAFT_LOCKED" and store.snapshot() == before


# --- co-sponsors and submission -----------------------------------------------------------------

def test_the_author_cannot_sponsor_and_nobody_sponsors_twice(run, store, author, people):
    petition = draft(run, author)
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("sponsor", author, petition["sponsor_token"])
    assert refused.value.code == "OWN_PETITION" and store.snapshot() == before
    [sponsor] = people()
    assert run("sponsor", sponsor, petition["sponsor_token"])["sponsors_count"] == 1
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("sponsor", sponsor, petition["sponsor_token"])
    assert refused.value.code == "ALREADY_SPONSORED" and store.snapshot() == before
    with pytest.raises(NotFound) as refused:
        run("sponsor", sponsor, "x" * 43)
    assert refused.value.code == "INVALID_SPONSOR_LINK"
    view = run("sponsor_view", sponsor, petition["sponsor_token"])
    assert view["viewer"]["sponsored"] and view["sponsor_token"] is None and view["title"] == DRAFT["title"]


def test_submission_needs_enough_co_sponsors(run, store, author, people):
    petition = draft(run, author)
    run("sponsor", people()[0], petition["sponsor_token"])
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("submit", author, petition["id"])
    assert refused.value.code == "NOT_ENOUGH_SPONSORS" and "1 co-parrain sur 2" in refused.value.message
    assert store.snapshot() == before
    run("sponsor", people()[0], petition["sponsor_token"])
    with pytest.raises(NotFound):
        run("submit", citizen_actor(), petition["id"])
    moment = utcnow()
    result = run("submit", author, petition["id"], clock=lambda: moment)
    assert result["status"] == "submitted" and result["sponsors_count"] == 2
    assert result["moderation_due_at"] == moment + timedelta(days=7)
    [event] = store.events("petition_submitted")
    assert event["payload"] == {"petition_id": petition["id"], "sponsors_count": 2}
    assert event["actor"] == {"account_id": author["account_id"], "role": "citizen"}
    with pytest.raises(Conflict) as refused:
        run("sponsor", people()[0], petition["sponsor_token"])
    assert refused.value.code == "NOT_A_DRAFT"


# --- moderation ----------------------------------------------------------------------------------

def test_the_moderation_queue_shows_deadlines_and_overdue_items(run, author, people):
    petition = submitted(run, author, people)
    with pytest.raises(PermissionDenied):
        run("moderation_queue", citizen_actor())
    queue = run("moderation_queue", MODERATOR)
    assert [item["id"] for item in queue["items"]] == [petition["id"]] and queue["overdue_count"] == 0
    late = run("moderation_queue", MODERATOR, clock=lambda: utcnow() + timedelta(days=8))
    assert late["items"][0]["overdue"] and late["overdue_count"] == 1
    assert run("get_petition", petition["id"], MODERATOR)["status"] == "submitted"


def test_publication_fixes_threshold_eligibility_and_deadline(run, store, author, people):
    petition = submitted(run, author, people)
    moment = utcnow()
    result = run("publish", MODERATOR, {"petition_id": petition["id"], "threshold": None, "eligibility": None},
                 clock=lambda: moment)
    assert result["status"] == "open" and result["threshold"] == 3 and result["eligibility"] == "live_work_study"
    assert result["closes_at"] == domain.add_months(moment, 12) and result["signable"]
    assert result["signatures_count"] == 0 and len(store.rows("petition_signature_counters")) == 16
    assert run("get_petition", petition["id"])["sponsor_token"] is None
    [event] = store.events("petition_published")
    assert event["payload"]["threshold"] == 3 and event["actor"]["role"] == "moderator"
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("publish", MODERATOR, {"petition_id": petition["id"], "threshold": None, "eligibility": None})
    assert refused.value.code == "NOT_AWAITING_MODERATION" and store.snapshot() == before


def test_only_an_admin_publishes_with_another_threshold(run, store, author, people):
    petition = submitted(run, author, people)
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        run("publish", MODERATOR, {"petition_id": petition["id"], "threshold": 1, "eligibility": None})
    assert refused.value.code == "THRESHOLD_ADMIN_ONLY" and store.snapshot() == before
    with pytest.raises(PermissionDenied):
        run("publish", citizen_actor(), {"petition_id": petition["id"], "threshold": None, "eligibility": None})
    assert run("publish", ADMIN, {"petition_id": petition["id"], "threshold": 1,
                                  "eligibility": "paris_residents"})["threshold"] == 1


def test_a_rejected_petition_stays_visible_with_its_code_and_reason(run, store, author, people):
    petition = submitted(run, author, people)
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run("reject", MODERATOR, {"petition_id": petition["id"], "code": "duplicate", "reason": "", "hidden": True})
    assert set(refused.value.details) == {"reason", "hidden"} and store.snapshot() == before
    run("reject", MODERATOR, {"petition_id": petition["id"], "code": "duplicate", "hidden": False,
                              "reason": "Une pétition identique est déjà ouverte aux signatures."})
    public = run("get_petition", petition["id"])
    assert public["status"] == "rejected" and public["title"] == DRAFT["title"]
    assert public["rejection"] == {"code": "duplicate", "label": "Doublon d'une pétition existante",
                                   "reason": "Une pétition identique est déjà ouverte aux signatures.",
                                   "hidden": False}
    listed = run("list_petitions", {"status": "rejected", "query": "", "sort": "recent", "limit": 20, "offset": 0})
    assert [item["id"] for item in listed["items"]] == [petition["id"]]
    [event] = store.events("petition_rejected")
    assert event["payload"] == {"petition_id": petition["id"], "code": "duplicate", "hidden": False}


def test_a_petition_hidden_for_legal_reasons_shows_only_its_reason(run, author, people):
    petition = submitted(run, author, people)
    run("reject", MODERATOR, {"petition_id": petition["id"], "code": "personal_data", "hidden": True,
                              "reason": "Le texte cite le nom et l'adresse d'une personne."})
    public = run("get_petition", petition["id"], citizen_actor())
    assert public["title"] == domain.HIDDEN_TITLE and public["asks"] == "" and public["background"] == ""
    assert public["rejection"]["reason"] == "Le texte cite le nom et l'adresse d'une personne."
    assert run("get_petition", petition["id"], author)["title"] == DRAFT["title"]
    listed = run("list_petitions", {"status": "rejected", "query": "", "sort": "recent", "limit": 20, "offset": 0})
    assert listed["items"] == [] and listed["counts"]["rejected"] == 0


# --- signing -------------------------------------------------------------------------------------

def test_a_signature_is_stored_with_what_was_declared_and_counted(run, store, author, people):
    petition = published(run, author, people)
    [signer] = people(arrondissement=18)
    result = run("sign", signer, signing(petition["id"], notify=True))
    assert result == {"petition_id": petition["id"], "signed": True, "signatures_count": 1, "threshold": 3,
                      "progress_percent": 33, "status": "open"}
    row = store.one("petition_signatures")
    assert (row.account_id, row.lives_in_paris, row.works_in_paris, row.arrondissement, row.notify, row.client_ip) == \
        (signer["account_id"], True, False, 18, True, "203.0.113.7")
    [event] = store.events("petition_signed")
    assert event["payload"] == {"petition_id": petition["id"], "signatures_count": 1, "count": 1}
    assert event["version"] == 2
    assert event["actor"] == {"account_id": None, "role": "citizen"}  # who signs what is nobody else's business
    assert signer["account_id"] not in json.dumps(event)
    view = run("get_petition", petition["id"], signer)
    assert view["viewer"]["signed"] and view["signatures_count"] == 1 and view["progress_percent"] == 33
    chart = {entry["arrondissement"]: entry["signatures"] for entry in view["by_arrondissement"]}
    assert chart[18] == 1 and sum(chart.values()) == 1 and len(chart) == 21


def test_signing_twice_is_a_conflict_and_nothing_is_written(run, store, author, people):
    petition = published(run, author, people)
    [signer] = people()
    run("sign", signer, signing(petition["id"]))
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("sign", signer, signing(petition["id"], works=True, ip="198.51.100.4"))
    assert refused.value.code == "ALREADY_SIGNED" and store.snapshot() == before


def test_one_account_signing_many_times_at_once_is_counted_once(run, store, author, people):
    """Requests of one account at the same instant: the unique constraint decides (INSERT … ON CONFLICT DO
    NOTHING), one signature is counted, the others are told they already signed."""
    petition = published(run, author, people, threshold=100)
    [signer] = people()

    def attempt(_):
        try:
            return run("sign", signer, signing(petition["id"]))["signatures_count"]
        except Conflict as refused:
            return refused.code
    outcomes = list(eventlet.GreenPool(4).imap(attempt, range(4)))  # within the per-account burst limit
    assert sorted(map(str, outcomes)) == ["1"] + ["ALREADY_SIGNED"] * 3
    assert len(store.rows("petition_signatures")) == 1
    assert sum(row.signatures for row in store.rows("petition_signature_counters")) == 1
    assert len(store.events("petition_signed")) == 1


def test_unpublished_rejected_and_closed_petitions_cannot_be_signed(run, store, author, people):
    [signer] = people()
    drafted = draft(run, author)
    waiting = submitted(run, author, people)
    rejected = submitted(run, author, people)
    run("reject", MODERATOR, {"petition_id": rejected["id"], "code": "advertising", "hidden": False,
                              "reason": "Promotion d'un commerce."})
    open_one = published(run, author, people)
    later = utcnow() + timedelta(days=400)
    assert run("close_expired", clock=lambda: later) == 1
    before = store.snapshot()
    for petition, code in ((drafted, "PETITION_NOT_PUBLISHED"), (waiting, "PETITION_NOT_PUBLISHED"),
                           (rejected, "PETITION_REJECTED"), (open_one, "PETITION_CLOSED")):
        with pytest.raises(Conflict) as refused:
            run("sign", signer, signing(petition["id"]))
        assert refused.value.code == code
    with pytest.raises(NotFound):
        run("sign", signer, signing(str(uuid.uuid4())))
    assert store.snapshot() == before


def test_eligibility_is_checked_against_the_profile_or_the_declaration(run, store, author, people, accounts):
    residents = published(run, author, people, threshold=100, eligibility="paris_residents")
    open_to_all = published(run, author, people)
    [outsider] = people(lives_in_paris=False)
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        run("sign", outsider, signing(residents["id"], lives=True))
    assert refused.value.code == "NOT_ELIGIBLE" and "Mon compte" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        run("sign", outsider, signing(open_to_all["id"]))
    assert list(refused.value.details) == ["connection"]
    assert store.snapshot() == before
    assert run("sign", outsider, signing(open_to_all["id"], studies=True))["signatures_count"] == 1
    row = store.one("petition_signatures")
    assert (row.lives_in_paris, row.studies_in_paris, row.arrondissement) == (False, True, None)


def test_signatures_are_rate_limited_per_account_in_bursts(run, store, author, people):
    settings = Settings(**{**SETTINGS.__dict__, "threshold": 100, "sign_account_per_minute": 2})
    petitions = [published(run, author, people) for _ in range(3)]
    [signer] = people()
    for petition in petitions[:2]:
        run("sign", signer, signing(petition["id"]), settings=settings)
    before = store.snapshot()
    with pytest.raises(RateLimited) as limited:
        run("sign", signer, signing(petitions[2]["id"]), settings=settings)
    assert 0 < limited.value.retry_after <= 60 and limited.value.details["limit"] == "sign-account-burst"
    assert store.snapshot() == before


def test_signatures_are_rate_limited_per_address_over_an_hour(run, store, author, people):
    settings = Settings(**{**SETTINGS.__dict__, "sign_ip_per_minute": 100, "sign_ip_per_hour": 3})
    petition = published(run, author, people, threshold=100)
    signers = people(4)
    for signer in signers[:3]:
        run("sign", signer, signing(petition["id"], ip="192.0.2.77"), settings=settings)
    with pytest.raises(RateLimited) as limited:
        run("sign", signers[3], signing(petition["id"], ip="192.0.2.77"), settings=settings)
    assert 60 < limited.value.retry_after <= 3600 and limited.value.details["limit"] == "sign-ip"
    assert run("sign", signers[3], signing(petition["id"], ip="192.0.2.78"), settings=settings)["signed"]


# --- threshold and counting ------------------------------------------------------------------------

def test_the_threshold_moves_the_petition_once_and_signing_goes_on(run, store, author, people):
    petition = published(run, author, people)  # threshold 3
    signers = people(4)
    results = [run("sign", signer, signing(petition["id"])) for signer in signers]
    assert [r["status"] for r in results] == ["open", "open", "threshold_reached", "threshold_reached"]
    assert [r["signatures_count"] for r in results] == [1, 2, 3, 4]
    [event] = store.events("petition_threshold_reached")
    assert event["payload"] == {"petition_id": petition["id"], "threshold": 3, "signatures_count": 3}
    assert event["actor"]["role"] == "system"
    assert run("reach_missed_thresholds") == 0
    assert len(store.events("petition_threshold_reached")) == 1


def test_concurrent_signers_are_all_counted_exactly_and_the_threshold_is_reached_once(run, store, author, people):
    petition = published(run, author, people, threshold=5)
    signers = people(24)
    pool = eventlet.GreenPool(12)
    results = list(pool.imap(lambda s: run("sign", s, signing(petition["id"], ip=f"10.0.0.{id(s) % 250}")),
                             signers))
    run("reach_missed_thresholds")  # what the periodic sweep does
    assert all(r["signed"] for r in results)
    assert len(store.rows("petition_signatures")) == 24
    assert sum(row.signatures for row in store.rows("petition_signature_counters")) == 24
    assert len(store.events("petition_threshold_reached")) == 1
    assert run("get_petition", petition["id"])["signatures_count"] == 24
    assert run("recount", petition["id"]) == 24


def test_a_crossing_no_signer_saw_is_caught_by_the_sweep_once(run, store, author, people):
    petition = published(run, author, people)  # threshold 3
    with store.engine.begin() as connection:  # as if concurrent signers each missed the others' signatures
        connection.execute(sa.text("UPDATE petition_signature_counters SET signatures = 1 WHERE petition_id = :id "
                                   "AND shard < 3"), {"id": petition["id"]})
    assert run("get_petition", petition["id"])["status"] == "open"
    assert run("reach_missed_thresholds") == 1
    assert run("reach_missed_thresholds") == 0
    assert run("get_petition", petition["id"])["status"] == "threshold_reached"
    [event] = store.events("petition_threshold_reached")
    assert event["payload"]["signatures_count"] == 3


def test_a_recount_rebuilds_the_count_from_the_signatures(run, store, author, people):
    petition = published(run, author, people, threshold=100)
    for signer in people(2):
        run("sign", signer, signing(petition["id"]))
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE petition_signature_counters SET signatures = 7"))
    assert run("get_petition", petition["id"])["signatures_count"] == 16 * 7
    assert run("recount", petition["id"]) == 2
    assert run("get_petition", petition["id"])["signatures_count"] == 2


# --- deadline -------------------------------------------------------------------------------------

def test_petitions_below_the_threshold_close_at_their_deadline_once(run, store, author, people):
    below = published(run, author, people)
    reached = published(run, author, people, threshold=1)
    run("sign", people()[0], signing(reached["id"]))
    after_deadline = utcnow() + timedelta(days=366)
    assert run("close_expired", clock=lambda: after_deadline) == 1
    assert run("close_expired", clock=lambda: after_deadline) == 0
    closed = run("get_petition", below["id"])
    assert closed["status"] == "closed" and closed["closed_reason"] == "deadline" and not closed["signable"]
    assert run("get_petition", reached["id"])["status"] == "threshold_reached"  # awaits the Council
    [event] = store.events("petition_closed")
    assert event["payload"] == {"petition_id": below["id"], "reason": "deadline", "signatures_count": 0,
                                "threshold_reached": False}
    with pytest.raises(Conflict) as refused:  # its signing period is over too
        run("sign", people()[0], signing(reached["id"]), clock=lambda: after_deadline)
    assert refused.value.code == "PETITION_CLOSED"


# --- the Council of Paris --------------------------------------------------------------------------

def test_council_placement_response_and_closing_by_an_admin(run, store, author, people):
    petition = published(run, author, people, threshold=1)
    placement = {"petition_id": petition["id"], "session_date": date.today() + timedelta(days=30),
                 "agenda_url": "https://www.paris.fr/conseil/seance-2026-06"}
    with pytest.raises(Conflict) as refused:
        run("schedule_for_council", ADMIN, placement)
    assert refused.value.code == "THRESHOLD_NOT_REACHED"
    run("sign", people()[0], signing(petition["id"]))
    with pytest.raises(PermissionDenied):
        run("schedule_for_council", MODERATOR, placement)
    agenda = run("council_agenda", MODERATOR)
    assert [p["id"] for p in agenda["awaiting_placement"]] == [petition["id"]]
    with pytest.raises(Conflict) as refused:
        run("record_response", ADMIN, {"petition_id": petition["id"], "decision": "accepted",
                                       "response": "La Ville installera des bancs rue Manin en 2027."})
    assert refused.value.code == "NOT_SCHEDULED"

    scheduled = run("schedule_for_council", ADMIN, placement)
    assert scheduled["status"] == "scheduled_for_council" and scheduled["signable"]
    assert scheduled["council"]["agenda_url"] == placement["agenda_url"]
    assert run("council_agenda", ADMIN)["scheduled"][0]["id"] == petition["id"]
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run("record_response", ADMIN, {"petition_id": petition["id"], "decision": "maybe", "response": ""})
    assert set(refused.value.details) == {"decision", "response"} and store.snapshot() == before
    answered = run("record_response", ADMIN, {"petition_id": petition["id"], "decision": "partially_accepted",
                                              "response": "La Ville installera des bancs rue Manin en 2027."})
    assert answered["status"] == "answered" and answered["answer"]["decision_label"] == "Demande acceptée en partie"
    assert not answered["signable"]
    closed = run("close", ADMIN, petition["id"])
    assert closed["status"] == "closed" and closed["closed_reason"] == "answered"
    types = [e["type"] for e in store.events()]
    assert types[-3:] == ["petition_scheduled_for_council", "petition_answered", "petition_closed"]
    assert store.events("petition_scheduled_for_council")[0]["payload"]["session_date"] == \
        placement["session_date"].isoformat()
    assert store.events("petition_answered")[0]["payload"] == {"petition_id": petition["id"],
                                                                "decision": "partially_accepted"}
    assert [row.action for row in store.rows("petition_history", sa.column("petition_id") == petition["id"])][-3:] \
        == ["scheduled_for_council", "answered", "closed"]


# --- lists ----------------------------------------------------------------------------------------

def test_the_list_has_tabs_search_and_popularity(run, author, people):
    quiet = published(run, author, people, threshold=100)
    popular = published(run, author, people, threshold=100)
    draft(run, author)  # never listed
    for signer in people(2):
        run("sign", signer, signing(popular["id"]))
    run("sign", people()[0], signing(quiet["id"]))
    query = {"status": "open", "query": "", "sort": "popular", "limit": 20, "offset": 0}
    listed = run("list_petitions", query)
    assert [item["id"] for item in listed["items"]] == [popular["id"], quiet["id"]]
    assert listed["counts"] == {"open": 2, "threshold_reached": 0, "answered": 0, "closed": 0, "rejected": 0}
    assert listed["items"][0]["signatures_count"] == 2
    assert run("list_petitions", {**query, "query": "RUE manin"})["total"] == 2
    assert run("list_petitions", {**query, "query": "mètres"})["total"] == 2  # what it asks is searched too
    assert run("list_petitions", {**query, "query": "tramway"})["items"] == []
    assert run("list_petitions", {**query, "query": "100%"})["items"] == []


def test_my_petitions(run, author, people):
    mine = draft(run, author)
    theirs = published(run, people()[0], people)
    run("sponsor", author, draft(run, people()[0])["sponsor_token"])
    run("sign", author, signing(theirs["id"]))
    result = run("my_petitions", author)
    assert [p["id"] for p in result["authored"]] == [mine["id"]]
    assert len(result["sponsored"]) == 1 and [p["id"] for p in result["signed"]] == [theirs["id"]]


# --- accounts' events and GDPR -------------------------------------------------------------------

def account_event(type_: str, account_id: str, **payload) -> dict:
    from hubkit.envelope import make_event
    return make_event(type=type_, version=1, producer="accounts", subject={"kind": "account", "id": account_id},
                      payload={"account_id": account_id, **payload},
                      actor={"account_id": account_id, "role": "citizen"},
                      correlation_id="req-events", causation_id="req-events")


def test_a_deleted_account_is_unlinked_once_and_its_signatures_stay_counted(run, store, author, people):
    petition = published(run, author, people, threshold=100)
    private_draft = draft(run, author)
    [signer] = people()
    run("sign", signer, signing(petition["id"]))
    run("sign", author, signing(petition["id"]))
    deleted = account_event("account_deleted", author["account_id"])
    assert run("forget_account", deleted) is True
    assert run("forget_account", deleted) is False  # redelivered: skipped
    view = run("get_petition", petition["id"])
    assert view["author_pseudonym"] == "Citoyen·ne anonyme" and view["signatures_count"] == 2
    with pytest.raises(NotFound):
        run("get_petition", private_draft["id"], author)  # nobody else ever saw it: gone
    rows = store.rows("petition_signatures")
    assert sorted(str(r.account_id) for r in rows) == sorted([signer["account_id"], "None"])
    assert [r.client_ip for r in rows if r.account_id is None] == [None]
    everything = json.dumps([list(map(str, r)) for t in ("petitions", "petition_signatures", "petition_history")
                             for r in store.rows(t)])
    assert author["account_id"] not in everything
    assert run("export_personal_data", author["account_id"]) == {"petitions": [], "sponsorships": [],
                                                                 "signatures": []}


def test_a_new_pseudonym_is_fetched_from_accounts(run, author, accounts):
    petition = draft(run, author)
    accounts.accounts[author["account_id"]]["pseudonym"] = "Camille des Buttes"
    renamed = account_event("account_profile_updated", author["account_id"], fields=["pseudonym"],
                            certification="declared")
    assert run("refresh_author_pseudonym", renamed) is True
    assert run("refresh_author_pseudonym", renamed) is False
    assert run("get_petition", petition["id"], author)["author_pseudonym"] == "Camille des Buttes"
    other = account_event("account_profile_updated", author["account_id"], fields=["birth_date"],
                          certification="declared")
    assert run("refresh_author_pseudonym", other) is False


def test_the_export_holds_what_the_account_wrote_sponsored_and_signed(run, author, people):
    mine = draft(run, author)
    theirs = published(run, people()[0], people, threshold=100)
    run("sign", author, signing(theirs["id"], works=True, notify=True))
    export = run("export_personal_data", author["account_id"])
    assert [p["id"] for p in export["petitions"]] == [mine["id"]] and export["petitions"][0]["asks"] == DRAFT["asks"]
    [signature] = export["signatures"]
    assert signature["petition_id"] == theirs["id"] and signature["notify"] and signature["client_ip"]
    json.dumps(export)  # plain JSON for the gateway


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PETITIONS_SPONSORS_REQUIRED", "3")
    monkeypatch.setenv("PETITIONS_THRESHOLD", "12000")
    monkeypatch.setenv("PETITIONS_ELIGIBILITY", "paris_residents")
    settings = load_settings()
    assert (settings.sponsors_required, settings.threshold, settings.eligibility, settings.open_months) == \
        (3, 12000, "paris_residents", 12)


def ideas_holding(idea_id: str) -> FakeIdeas:
    """The ideas service, holding the idea forwarded to petitions."""
    ideas = FakeIdeas()
    ideas.add(idea_id, "Des fontaines le long du canal",
              "Installer trois ou quatre fontaines entre République et Jaurès.", arrondissement=10)
    return ideas


def forwarded(idea_id: str, author_id, scheme="petition", version=1, decision_id=None) -> dict:
    from hubkit.envelope import make_event
    envelope = make_event(type="idea_forwarded", version=version, producer="routing",
                          subject={"kind": "idea", "id": idea_id},
                          payload={"decision_id": decision_id or str(uuid.uuid4()), "idea_id": idea_id,
                                   "scheme": scheme, "scheme_kind": "internal", "author_id": author_id,
                                   "message": "Votre idée ferait une belle pétition.", "dossier_reference": None},
                          actor={"account_id": MODERATOR["account_id"], "role": "agent"},
                          correlation_id="req-idea-submitted", causation_id="req-agent")
    return envelope


def test_an_idea_forwarded_to_petitions_becomes_one_draft_of_its_author(run, store, author, people):
    idea_id, decision_id = str(uuid.uuid4()), str(uuid.uuid4())
    ideas = ideas_holding(idea_id)
    event = forwarded(idea_id, author["account_id"], decision_id=decision_id)
    assert run("draft_from_forwarded_idea", event, ideas) is True
    assert run("draft_from_forwarded_idea", event, ideas) is False  # redelivered
    again = forwarded(idea_id, author["account_id"])  # forwarded again (another decision): no second draft
    assert run("draft_from_forwarded_idea", again, ideas) is True
    [draft_view] = run("my_petitions", author)["authored"]
    petition = run("get_petition", draft_view["id"], author)
    assert petition["status"] == "draft" and petition["title"] == "Des fontaines le long du canal"
    assert petition["asks"].startswith("Installer trois") and petition["arrondissement"] == 10
    assert petition["origin_idea_id"] == idea_id and petition["author_pseudonym"] == "Camille du 19e"
    assert ideas.data_of("get_idea") == [{"idea_id": idea_id}] * 3
    for ignored in (forwarded(str(uuid.uuid4()), author["account_id"], scheme="budget"),
                    forwarded(str(uuid.uuid4()), None), forwarded(str(uuid.uuid4()), author["account_id"], version=2)):
        assert run("draft_from_forwarded_idea", ignored, ideas) is False
    assert len(store.rows("petitions")) == 1

    # one petition_drafted, keeping the ids of the idea's journey; later events of the petition name the idea
    [drafted] = store.events("petition_drafted")
    assert drafted["payload"] == {"petition_id": petition["id"], "origin_idea_id": idea_id,
                                  "decision_id": decision_id}
    assert drafted["actor"]["role"] == "system"
    for sponsor in people(SETTINGS.sponsors_required):
        run("sponsor", sponsor, petition["sponsor_token"])
    run("submit", author, petition["id"])
    run("publish", MODERATOR, {"petition_id": petition["id"], "threshold": None, "eligibility": None})
    [signer] = people()
    run("sign", signer, signing(petition["id"], lives=True))
    for type_ in ("petition_submitted", "petition_published", "petition_signed"):
        [event] = store.events(type_)
        assert event["payload"]["origin_idea_id"] == idea_id, type_


def test_events_of_a_petition_without_an_origin_idea_do_not_name_one(run, store, author, people):
    published(run, author, people)
    assert all("origin_idea_id" not in event["payload"] for event in store.events())


# --- the petition page, read in one statement -------------------------------------------------------



def test_the_page_read_in_one_statement_counts_and_knows_each_reader(run, author, people):
    petition = draft(run, author)
    sponsor, signer, other = people(3)
    run("sponsor", sponsor, petition["sponsor_token"])
    page = run("get_petition", petition["id"], author)  # a draft: its author only
    assert page["sponsors_count"] == 1 and page["signatures_count"] == 0
    assert page["viewer"] == {"is_author": True, "signed": False, "sponsored": False, "can_moderate": False,
                              "can_administer": False}
    run("sponsor", other, petition["sponsor_token"])
    run("submit", author, petition["id"])
    run("publish", MODERATOR, {"petition_id": petition["id"], "threshold": None, "eligibility": None})
    run("sign", signer, signing(petition["id"], lives=True, ip="198.51.100.9"))
    run("sign", sponsor, signing(petition["id"], lives=True))
    expected = {  # reader: (is_author, signed, sponsored, can_moderate)
        "author": (True, False, False, False), "sponsor": (False, True, True, False),
        "signer": (False, True, False, False), "other": (False, False, True, False),
        "moderator": (False, False, False, True)}
    readers = {"author": author, "sponsor": sponsor, "signer": signer, "other": other, "moderator": MODERATOR}
    for name, reader in readers.items():
        page = run("get_petition", petition["id"], reader)
        viewer = page["viewer"]
        assert (viewer["is_author"], viewer["signed"], viewer["sponsored"], viewer["can_moderate"]) == expected[name]
        assert page["signatures_count"] == 2 and page["sponsors_count"] == 2 and page["invalidations"] == []
    anonymous = run("get_petition", petition["id"], None)
    assert anonymous["viewer"] is None and anonymous["signatures_count"] == 2 and anonymous["sponsor_token"] is None
    run("invalidate_signatures", MODERATOR, {"petition_id": petition["id"], "ip": "198.51.100.9",
                                             "reason": "Signatures en série depuis une même connexion"})
    page = run("get_petition", petition["id"], signer)
    assert page["signatures_count"] == 1 and [entry["count"] for entry in page["invalidations"]] == [1]
    assert page["viewer"]["signed"]  # an invalidated signature stays the signer's
    assert run("get_petition", petition["id"], None)["invalidations"] == page["invalidations"]


def test_a_page_is_one_statement_besides_the_chart_and_a_hidden_draft_stays_hidden(run, store, author, people):
    petition = published(run, author, people)
    [signer] = people()
    run("sign", signer, signing(petition["id"], lives=True))
    statements = []

    def count(*args):
        statements.append(args[2])
    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        for reader in (None, signer):
            statements.clear()
            assert run("get_petition", petition["id"], reader)["signatures_count"] == 1
            reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            assert len(reads) == 2  # the page, and the chart (SETTINGS keep no chart)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    hidden = draft(run, author)
    with pytest.raises(NotFound):
        run("get_petition", hidden["id"], signer)
    with pytest.raises(NotFound):
        run("get_petition", hidden["id"])
    with pytest.raises(NotFound):
        run("get_petition", str(uuid.uuid4()))

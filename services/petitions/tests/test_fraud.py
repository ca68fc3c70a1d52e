"""Anti-fraud on a real database (SQLite and PostgreSQL) and a real Redis: the moderators' view of where
signatures come from, and bulk invalidation with an exact recount, a public reason and a log."""
import json
import uuid
from datetime import timedelta

import pytest

from hubkit.errors import Conflict, InvalidInput, PermissionDenied
from hubkit.validation import load
from petitions import schemas
from petitions.handlers import Context
from petitions.handlers.common import utcnow
from petitions.settings import Settings
from tests.fakes.actors import citizen_actor

# charts recounted at every read (the service keeps them PETITIONS_CHART_CACHE_SECONDS): counts are checked
SETTINGS = Settings(sponsors_required=0, threshold=3, sign_ip_per_minute=100, sign_ip_per_hour=1000,
                    chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
DRAFT = {"title": "Des bancs rue Manin", "asks": "Nous demandons des bancs tous les cent mètres rue Manin.",
         "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.",
         "arrondissement": 19}
FARM, HOME = "203.0.113.66", "198.51.100.4"
FARM_DOMAIN = "yopmail.com"
REASON = "Signatures en série depuis une même connexion"


@pytest.fixture
def run(store, throttle, accounts, use_case):
    def run(method, *args, clock=utcnow):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, clock), method)(*args)
    return run


@pytest.fixture
def petition(run, accounts) -> dict:
    """An open petition (threshold 3) signed by 4 accounts from one address and 1 from another; 3 of the 4
    have a disposable address and created their account an hour before signing."""
    author = citizen_actor()
    accounts.add(author["account_id"], "Camille du 19e", arrondissement=19)
    draft = run("draft_petition", author, DRAFT)
    run("submit", author, draft["id"])
    opened = run("publish", MODERATOR, {"petition_id": draft["id"], "threshold": None, "eligibility": None})
    signers, an_hour_ago = [], (utcnow() - timedelta(hours=1)).isoformat()
    for number, ip in enumerate([FARM] * 4 + [HOME]):
        signer = citizen_actor()
        accounts.add(signer["account_id"], f"Citoyen {number}", arrondissement=11 if ip == FARM else 18,
                     **({"email_domain": FARM_DOMAIN, "registered_at": an_hour_ago} if number < 3 else {}))
        run("sign", signer, {"petition_id": opened["id"], "connection": {}, "notify": True, "client": {"ip": ip}})
        signers.append(signer)
    return {**opened, "signers": signers}


def invalidation(petition_id, **criterion) -> dict:
    return load(schemas.InvalidationSchema(), {"petition_id": petition_id, "reason": REASON, **criterion})


def trends(run, petition_id, hours=24) -> dict:
    return run("signature_trends", MODERATOR, load(schemas.TrendsQuerySchema(), {"petition_id": petition_id,
                                                                                  "hours": hours}))


def test_moderators_see_the_addresses_that_sign_most_and_what_signers_declared(run, petition):
    view = trends(run, petition["id"])
    assert view["signatures_count"] == 5 and view["window_signatures"] == 5
    assert [(ip["ip"], ip["signatures"], ip["invalidated"]) for ip in view["ips"]] == [(FARM, 4, 0), (HOME, 1, 0)]
    farm = view["ips"][0]
    assert farm["first_at"] <= farm["last_at"]
    assert view["by_arrondissement"] == [{"arrondissement": 11, "signatures": 4},
                                         {"arrondissement": 18, "signatures": 1}]
    assert view["declared"] == {"lives": 5, "works": 0, "studies": 0}
    assert len(view["latest"]) == 5 and {s["client_ip"] for s in view["latest"]} == {FARM, HOME}
    signers = json.dumps(schemas.SignatureTrendsSchema().dump(view))
    assert not any(s["account_id"] in signers for s in petition["signers"])  # who signed stays private


def test_moderators_see_the_e_mail_domains_that_sign_most_never_the_addresses(run, petition, accounts):
    view = trends(run, petition["id"])
    assert [(d["domain"], d["signatures"], d["share_percent"], d["new_accounts"], d["disposable"], d["invalidated"])
            for d in view["email_domains"]] == [(FARM_DOMAIN, 3, 60.0, 3, True, 0), ("exemple.fr", 2, 40.0, 0, False, 0)]
    assert view["email_domains"][0]["first_at"] <= view["email_domains"][0]["last_at"]
    assert view["domains_scanned"] == 5 and view["domains_truncated"] is False
    [asked] = accounts.data_of("email_domains")
    assert sorted(asked["account_ids"]) == sorted(s["account_id"] for s in petition["signers"])
    dumped = json.dumps(schemas.SignatureTrendsSchema().dump(view))
    assert "@" not in dumped and not any(s["account_id"] in dumped for s in petition["signers"])


def test_domains_are_asked_of_accounts_500_accounts_at_a_time(run, accounts):
    ids = [str(uuid.uuid4()) for _ in range(1201)]
    for account_id in ids[:3]:
        accounts.add(account_id, "Quelqu'un", email_domain="exemple.fr")
    found = run("_domains_of", ids + ids[:10])
    assert set(found) == set(ids[:3])
    assert [len(data["account_ids"]) for data in accounts.data_of("email_domains")] == [500, 500, 201]


def test_invalidating_an_e_mail_domain_recounts_exactly_and_logs_the_domain(run, store, petition):
    result = run("invalidate_signatures", MODERATOR, invalidation(petition["id"], email_domain=" @YopMail.com"))
    assert (result["invalidated"], result["signatures_count"]) == (3, 2)
    invalidated = {row.account_id for row in store.rows("petition_signatures") if row.invalidated_at}
    assert invalidated == {s["account_id"] for s in petition["signers"][:3]}
    [entry] = store.rows("petition_moderation_log")
    assert (entry.criterion, entry.email_domain, entry.client_ip, entry.affected, entry.signatures_count) == \
        ("email_domain", FARM_DOMAIN, None, 3, 2)
    [event] = store.events("signatures_invalidated")
    assert event["payload"] == {"petition_id": petition["id"], "count": 3, "signatures_count": 2}
    assert FARM_DOMAIN not in json.dumps(event)
    assert run("get_petition", petition["id"])["signatures_count"] == 2
    assert FARM_DOMAIN not in json.dumps(schemas.PetitionSchema().dump(run("get_petition", petition["id"])))
    [farm] = [d for d in trends(run, petition["id"])["email_domains"] if d["domain"] == FARM_DOMAIN]
    assert (farm["signatures"], farm["invalidated"]) == (3, 3)


def test_a_domain_outside_the_window_or_not_a_domain_invalidates_nothing(run, store, petition):
    before = store.snapshot()
    later = utcnow() + timedelta(hours=3)
    with pytest.raises(Conflict) as refused:
        run("invalidate_signatures", MODERATOR, invalidation(petition["id"], email_domain=FARM_DOMAIN, hours=2),
            clock=lambda: later)
    assert refused.value.code == "NOTHING_TO_INVALIDATE"
    for unknown in ("autre.fr",):
        with pytest.raises(Conflict):
            run("invalidate_signatures", MODERATOR, invalidation(petition["id"], email_domain=unknown))
    for bad in ("jean@yopmail.com", "yopmail", "yop mail.com"):
        with pytest.raises(InvalidInput) as refused:
            run("invalidate_signatures", MODERATOR, invalidation(petition["id"], email_domain=bad))
        assert "email_domain" in refused.value.details
    assert store.snapshot() == before


def test_the_window_leaves_out_older_signatures(run, petition):
    later = utcnow() + timedelta(hours=3)
    view = run("signature_trends", MODERATOR, {"petition_id": petition["id"], "hours": 2}, clock=lambda: later)
    assert view["ips"] == [] and view["window_signatures"] == 0 and view["signatures_count"] == 5


def test_only_moderators_see_trends_or_invalidate(run, store, petition):
    before = store.snapshot()
    with pytest.raises(PermissionDenied):
        run("signature_trends", citizen_actor(), {"petition_id": petition["id"], "hours": 24})
    with pytest.raises(PermissionDenied):
        run("invalidate_signatures", citizen_actor(), invalidation(petition["id"], ip=FARM))
    assert store.snapshot() == before


def test_invalidating_an_address_recounts_exactly_logs_and_tells_the_public_why(run, store, petition):
    result = run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    assert result == {"petition_id": petition["id"], "invalidated": 4, "signatures_count": 1, "threshold": 3,
                      "status": "threshold_reached"}  # a step reached is not undone; moderators see the count
    rows = store.rows("petition_signatures")
    assert len(rows) == 5 and sum(row.invalidated_at is not None for row in rows) == 4  # kept, not counted
    assert {row.client_ip for row in rows if row.invalidated_at is not None} == {FARM}
    [entry] = store.rows("petition_moderation_log")
    assert (entry.action, entry.actor_id, entry.criterion, entry.client_ip, entry.affected, entry.signatures_count,
            entry.reason) == ("signatures_invalidated", MODERATOR["account_id"], "ip", FARM, 4, 1, REASON)
    assert all(row.invalidation_id == entry.id for row in rows if row.invalidated_at is not None)
    [event] = store.events("signatures_invalidated")
    assert event["payload"] == {"petition_id": petition["id"], "count": 4, "signatures_count": 1}
    assert FARM not in json.dumps(event) and REASON not in json.dumps(event)
    public = run("get_petition", petition["id"])
    assert public["signatures_count"] == 1
    assert [(i["count"], i["reason"]) for i in public["invalidations"]] == [(4, REASON)]
    assert FARM not in json.dumps(schemas.PetitionSchema().dump(public))
    chart = {entry["arrondissement"]: entry["signatures"] for entry in public["by_arrondissement"]}
    assert chart[11] == 0 and chart[18] == 1
    assert [(ip["ip"], ip["signatures"], ip["invalidated"]) for ip in trends(run, petition["id"])["ips"]][0] == \
        (FARM, 4, 4)


def test_invalidating_signatures_by_id_touches_only_those(run, store, petition):
    ids = sorted(row.id for row in store.rows("petition_signatures") if row.client_ip == FARM)[:2]
    result = run("invalidate_signatures", MODERATOR, invalidation(petition["id"], signature_ids=ids))
    assert (result["invalidated"], result["signatures_count"]) == (2, 3)
    assert sorted(row.id for row in store.rows("petition_signatures") if row.invalidated_at) == ids
    assert store.one("petition_moderation_log").criterion == "ids"


def test_an_invalidated_signer_cannot_sign_again_and_nothing_is_written(run, store, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("sign", petition["signers"][0], {"petition_id": petition["id"], "connection": {}, "notify": False,
                                             "client": {"ip": HOME}})
    assert refused.value.code == "SIGNATURE_INVALIDATED" and store.snapshot() == before
    assert run("get_petition", petition["id"])["signatures_count"] == 1


def test_invalidating_twice_or_nothing_is_a_conflict_and_writes_nothing(run, store, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    before = store.snapshot()
    for criterion in ({"ip": FARM}, {"ip": "192.0.2.1"}):
        with pytest.raises(Conflict) as refused:
            run("invalidate_signatures", MODERATOR, invalidation(petition["id"], **criterion))
        assert refused.value.code == "NOTHING_TO_INVALIDATE"
    assert store.snapshot() == before


def test_unknown_ids_and_unsafe_reasons_are_refused_and_nothing_is_written(run, store, petition):
    before = store.snapshot()
    known = store.rows("petition_signatures")[0].id
    with pytest.raises(InvalidInput) as refused:
        run("invalidate_signatures", MODERATOR, invalidation(petition["id"], signature_ids=[known, 999_999]))
    assert "999999" in refused.value.details["signature_ids"][0]
    for reason in ("court", "Fraude de jean.dupont@example.org", f"Ferme à clics {FARM}", "   "):
        with pytest.raises(InvalidInput) as refused:
            run("invalidate_signatures", MODERATOR, {**invalidation(petition["id"], ip=FARM), "reason": reason})
        assert "reason" in refused.value.details
    assert store.snapshot() == before


def test_the_wire_schema_wants_exactly_one_criterion():
    petition_id = str(uuid.uuid4())
    for bad in ({}, {"ip": FARM, "signature_ids": [1]}, {"ip": FARM, "email_domain": FARM_DOMAIN},
                {"email_domain": FARM_DOMAIN, "hours": 0}, {"signature_ids": []}, {"signature_ids": [0]},
                {"signature_ids": list(range(1, 1002))}, {"ip": "x" * 46}):
        with pytest.raises(InvalidInput):
            load(schemas.InvalidationSchema(), {"petition_id": petition_id, "reason": REASON, **bad})
    with pytest.raises(InvalidInput):
        load(schemas.InvalidationSchema(), {"petition_id": petition_id, "ip": FARM})
    for hours in (0, 24 * 31, "beaucoup"):
        with pytest.raises(InvalidInput):
            load(schemas.TrendsQuerySchema(), {"petition_id": petition_id, "hours": hours})


def test_a_draft_has_nothing_to_invalidate(run, store, accounts):
    author = citizen_actor()
    accounts.add(author["account_id"], "Camille")
    draft = run("draft_petition", author, DRAFT)
    before = store.snapshot()
    with pytest.raises(Conflict) as refused:
        run("invalidate_signatures", MODERATOR, invalidation(draft["id"], ip=FARM))
    assert refused.value.code == "PETITION_NOT_PUBLISHED" and store.snapshot() == before


def test_without_accounts_the_view_shows_the_rest_and_says_domains_are_missing(run, petition, accounts):
    from hubkit.errors import ServiceUnavailable

    def down(data):
        raise ServiceUnavailable(details={"reason": "email_domains timed out"})
    accounts.email_domains = down
    view = trends(run, petition["id"])
    assert view["domains_unavailable"] is True and view["email_domains"] == []
    assert [ip["signatures"] for ip in view["ips"]] == [4, 1]

"""Batched signing on a real database (SQLite and PostgreSQL) and a real Redis: many signatures, one transaction,
one outcome per item, the count exact, the threshold crossed once, each event with its own request's ids."""
import uuid

import pytest

from hubkit.batching import BatchItem
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited, ServiceUnavailable
from petitions.handlers import Context
from petitions.handlers.common import utcnow
from petitions.settings import Settings

# charts recounted at every read (the service keeps them PETITIONS_CHART_CACHE_SECONDS): counts are checked
SETTINGS = Settings(sponsors_required=0, threshold=5, sign_account_per_minute=3, chart_cache_seconds=0)
MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "moderator"]}
DRAFT = {"title": "Des bancs rue Manin", "asks": "Nous demandons des bancs tous les cent mètres rue Manin.",
         "background": "Les personnes âgées qui montent au parc n'ont nulle part où s'asseoir.",
         "arrondissement": 19}


@pytest.fixture
def run(store, throttle, accounts, use_case):
    def run(method, *args, clock=utcnow):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, clock), method)(*args)
    return run


def citizens(accounts, count: int, **attributes) -> list:
    made = []
    for number in range(count):
        account_id = str(uuid.uuid4())
        accounts.add(account_id, f"Citoyen {number}", **attributes)
        made.append(account_id)
    return made


def opened(run, accounts, **publication) -> str:
    [author] = citizens(accounts, 1)
    draft = run("draft_petition", {"account_id": author, "roles": ["citizen"]}, DRAFT)
    run("submit", {"account_id": author, "roles": ["citizen"]}, draft["id"])
    return run("publish", MODERATOR, {"petition_id": draft["id"], "threshold": None, "eligibility": None,
                                      **publication})["id"]


def item(account_id, petition_id, request_id=None, ip="203.0.113.7", **command) -> BatchItem:
    request_id = request_id or f"req-{uuid.uuid4().hex[:12]}"
    return BatchItem({"correlation_id": request_id, "causation_id": request_id},
                     {"actor": {"account_id": account_id, "roles": ["citizen"]}, "petition_id": petition_id,
                      "connection": {"lives": True}, "client": {"ip": ip}, **command})


def test_a_batch_is_one_insert_one_eligibility_call_and_the_threshold_crosses_once(run, store, accounts):
    petition_id = opened(run, accounts)
    signers = citizens(accounts, 7)
    accounts.calls.clear()
    outcomes = run("sign_batch", [item(signer, petition_id, f"req-{n}") for n, signer in enumerate(signers)])
    assert [o["signatures_count"] for o in outcomes] == [1, 2, 3, 4, 5, 6, 7]
    assert [o["status"] for o in outcomes] == ["open"] * 4 + ["threshold_reached"] * 3
    assert all(o["signed"] and o["threshold"] == 5 for o in outcomes) and outcomes[4]["progress_percent"] == 100
    assert [name for name, _ in accounts.calls] == ["eligibility_attributes_many"]  # one call for the batch
    assert sorted(accounts.data_of("eligibility_attributes_many")[0]["account_ids"]) == sorted(signers)
    assert run("get_petition", petition_id)["signatures_count"] == 7 == len(store.rows("petition_signatures"))
    [signed] = store.events("petition_signed")  # one for the batch's signatures of the petition, with the first's ids
    assert (signed["version"], signed["payload"], signed["correlation_id"], signed["causation_id"]) == (
        2, {"petition_id": petition_id, "signatures_count": 7, "count": 7}, "req-0", "req-0")
    [reached] = store.events("petition_threshold_reached")
    assert reached["payload"]["signatures_count"] == 5 and reached["correlation_id"] == "req-4"
    assert run("get_petition", petition_id)["status"] == "threshold_reached"
    assert len([row for row in store.rows("petition_history") if row.action == "threshold_reached"]) == 1


def test_each_bad_item_gets_its_own_error_and_the_others_are_signed(run, store, accounts, throttle):
    petition_id = opened(run, accounts)
    residents_only = opened(run, accounts, eligibility="paris_residents")
    good, again, outsider, unverified, hasty = citizens(accounts, 5)
    accounts.add(outsider, "Hors Paris", lives_in_paris=False)
    accounts.add(unverified, "Pas vérifié", email_verified=False)
    run("sign", {"account_id": again, "roles": ["citizen"]},
        {"petition_id": petition_id, "connection": {"lives": True}, "notify": False, "client": {"ip": "198.51.100.1"}})
    for _ in range(SETTINGS.sign_account_per_minute):  # this account has used up its burst window
        throttle.hit("sign-account-burst", hasty, 60)
    outcomes = run("sign_batch", [
        item(good, petition_id),
        item(again, petition_id),
        item(outsider, residents_only),
        item(unverified, petition_id),
        item(good, str(uuid.uuid4())),
        BatchItem({}, {"actor": {"account_id": good}, "petition_id": "pas-un-identifiant"}),
        item(str(uuid.uuid4()), petition_id),  # an account accounts does not know (deleted meanwhile)
        item(hasty, petition_id),
        item(good, petition_id, connection={}),  # the same account again in the batch: a double click
    ])
    assert outcomes[0]["signatures_count"] == 2
    assert isinstance(outcomes[1], Conflict) and outcomes[1].code == "ALREADY_SIGNED"
    assert isinstance(outcomes[2], PermissionDenied) and outcomes[2].code == "NOT_ELIGIBLE"
    assert isinstance(outcomes[3], PermissionDenied) and outcomes[3].code == "EMAIL_NOT_VERIFIED"
    assert isinstance(outcomes[4], NotFound)
    assert isinstance(outcomes[5], InvalidInput) and "petition_id" in outcomes[5].details
    assert isinstance(outcomes[6], NotFound)
    assert isinstance(outcomes[7], RateLimited) and "Réessayez dans" in outcomes[7].message
    assert isinstance(outcomes[8], Conflict) and outcomes[8].code == "ALREADY_SIGNED"
    assert run("get_petition", petition_id)["signatures_count"] == 2 == len(
        [row for row in store.rows("petition_signatures") if row.petition_id == petition_id])
    assert run("get_petition", residents_only)["signatures_count"] == 0
    assert len(store.events("petition_signed")) == 2


def test_signatures_of_several_petitions_in_one_batch_and_a_closed_one(run, store, accounts):
    closed = opened(run, accounts)
    later = utcnow().replace(year=utcnow().year + 2)  # past the deadline of `closed`, swept now
    assert run("close_expired", clock=lambda: later) == 1
    first, second = opened(run, accounts), opened(run, accounts)
    signers = citizens(accounts, 4)
    outcomes = run("sign_batch", [item(signers[0], first), item(signers[1], second), item(signers[2], first),
                                  item(signers[3], closed)])
    assert [outcomes[0]["signatures_count"], outcomes[1]["signatures_count"], outcomes[2]["signatures_count"]] == \
        [1, 1, 2]
    assert isinstance(outcomes[3], Conflict) and outcomes[3].code == "PETITION_CLOSED"
    assert (run("get_petition", first)["signatures_count"], run("get_petition", second)["signatures_count"]) == (2, 1)


def test_an_invalidated_signer_in_a_batch_is_told_so(run, store, accounts):
    petition_id = opened(run, accounts)
    [signer] = citizens(accounts, 1)
    run("sign_batch", [item(signer, petition_id, ip="203.0.113.66")])
    run("invalidate_signatures", MODERATOR, {"petition_id": petition_id, "ip": "203.0.113.66",
                                             "reason": "Signatures en série depuis une même connexion"})
    [outcome] = run("sign_batch", [item(signer, petition_id)])
    assert isinstance(outcome, Conflict) and outcome.code == "SIGNATURE_INVALIDATED"
    assert run("get_petition", petition_id)["signatures_count"] == 0


def test_a_big_batch_is_split_into_bounded_calls_and_statements(run, store, accounts):
    petition_id = opened(run, accounts)
    signers = citizens(accounts, 1100)
    accounts.calls.clear()
    outcomes = run("sign_batch", [item(signer, petition_id, ip=f"10.0.{n // 250}.{n % 250}")
                                  for n, signer in enumerate(signers)])
    assert all(isinstance(o, dict) for o in outcomes)
    assert [len(data["account_ids"]) for data in accounts.data_of("eligibility_attributes_many")] == [500, 500, 100]
    assert run("get_petition", petition_id)["signatures_count"] == 1100 == len(store.rows("petition_signatures"))


def test_the_chart_is_kept_a_moment_the_count_never_and_an_invalidation_drops_it(store, throttle, accounts, use_case):
    settings = Settings(sponsors_required=0, threshold=5, chart_cache_seconds=60)

    def run(method, *args):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, settings), method)(*args)
    petition_id = opened(run, accounts)  # its view, chart included, was read at publication
    first, second = citizens(accounts, 2)
    run("sign_batch", [item(first, petition_id, ip="203.0.113.66"), item(second, petition_id)])
    petition = run("get_petition", petition_id)
    assert petition["signatures_count"] == 2  # exact at once
    assert {e["arrondissement"]: e["signatures"] for e in petition["by_arrondissement"]}[11] == 0  # kept
    run("invalidate_signatures", MODERATOR, {"petition_id": petition_id, "ip": "203.0.113.66",
                                             "reason": "Signatures en série depuis une même connexion"})
    petition = run("get_petition", petition_id)
    assert petition["signatures_count"] == 1
    assert {e["arrondissement"]: e["signatures"] for e in petition["by_arrondissement"]}[11] == 1  # recounted


def test_with_accounts_down_the_whole_batch_is_unavailable_and_nothing_is_written(run, store, accounts):
    petition_id = opened(run, accounts)
    signers = citizens(accounts, 3)
    before = store.snapshot()

    def down(data):
        raise ServiceUnavailable(details={"reason": "eligibility_attributes_many timed out"})
    accounts.eligibility_attributes_many = down
    with pytest.raises(ServiceUnavailable):
        run("sign_batch", [item(signer, petition_id) for signer in signers])
    assert store.snapshot() == before  # no signature, no count, no event


def test_a_batch_s_refusals_are_counted_by_reason():
    from prometheus_client import REGISTRY

    from hubkit.errors import Conflict
    from petitions.business_metrics import count_refusals

    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0
    before = (value("petitions_signatures_refused_total", reason="already_signed"),
              value("petitions_signatures_refused_total", reason="rate_limited"))
    count_refusals([{"signed": True}, Conflict("déjà", code="ALREADY_SIGNED"), RateLimited("vite"),
                    {"signed": True}, Conflict("encore", code="ALREADY_SIGNED"), {"signed": True}])
    after = (value("petitions_signatures_refused_total", reason="already_signed"),
             value("petitions_signatures_refused_total", reason="rate_limited"))
    assert [b - a for a, b in zip(before, after)] == [2, 1]  # the signatures are counted where they are written


def test_on_postgresql_a_batch_is_written_and_counted_by_one_statement_whatever_its_size(run, store, accounts,
                                                                                       database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite takes the rows as multi-row VALUES, then updates the counter")
    import sqlalchemy as sa
    petition_id, other_id = opened(run, accounts), opened(run, accounts)
    signers = citizens(accounts, 600)
    statements = []

    def record(*args):
        statements.append(" ".join(args[2].split()).upper())
    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        outcomes = run("sign_batch", [item(signer, petition_id if n % 3 else other_id, ip=f"10.1.{n // 250}.{n % 250}")
                                      for n, signer in enumerate(signers)])
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    assert [o["signatures_count"] for o in outcomes if o["petition_id"] == petition_id] == list(range(1, 401))
    assert [o["signatures_count"] for o in outcomes if o["petition_id"] == other_id] == list(range(1, 201))
    assert len([s for s in statements if "INSERT INTO PETITION_SIGNATURES" in s]) == 1
    assert not [s for s in statements if s.startswith("UPDATE PETITION_SIGNATURE_COUNTERS")]
    rows = store.rows("petition_signatures")
    assert [row.account_id for row in sorted(rows, key=lambda row: row.id)] == signers  # in the batch's order
    assert {(row.lives_in_paris, row.works_in_paris, row.notify, row.arrondissement) for row in rows} == {
        (True, False, False, 11)}
    counters = store.rows("petition_signature_counters")
    assert sum(c.signatures for c in counters if c.petition_id == petition_id) == 400
    assert sum(c.signatures for c in counters if c.petition_id == other_id) == 200


def test_a_counter_row_that_was_never_created_loses_no_signature(store, throttle, accounts, use_case):
    import sqlalchemy as sa

    def run(method, *args, shard=7):
        with store.uow() as uow:
            return use_case(Context(uow, throttle, accounts, SETTINGS, pick_shard=lambda: shard), method)(*args)
    petition_id = opened(run, accounts)
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM petition_signature_counters WHERE petition_id = :id AND shard = 7"),
                           {"id": petition_id})
    outcomes = run("sign_batch", [item(signer, petition_id) for signer in citizens(accounts, 2)])
    assert [o["signatures_count"] for o in outcomes] == [1, 2]
    assert [(c.shard, c.signatures) for c in store.rows("petition_signature_counters") if c.shard == 7] == [(7, 2)]
    outcomes = run("sign_batch", [item(signer, petition_id) for signer in citizens(accounts, 2)], shard=3)
    assert [o["signatures_count"] for o in outcomes] == [3, 4]
    assert run("get_petition", petition_id)["signatures_count"] == 4 == len(store.rows("petition_signatures"))


def test_a_batch_of_signers_without_arrondissement_nor_address_stores_nulls(run, store, accounts):
    petition_id = opened(run, accounts)
    signers = citizens(accounts, 3, lives_in_paris=False)
    outcomes = run("sign_batch", [item(signer, petition_id, ip="", connection={"works": True}, notify=True)
                                  for signer in signers])
    assert [o["signatures_count"] for o in outcomes] == [1, 2, 3]
    rows = store.rows("petition_signatures")
    assert {(row.lives_in_paris, row.works_in_paris, row.arrondissement, row.client_ip, row.notify)
            for row in rows} == {(False, True, None, None, True)}

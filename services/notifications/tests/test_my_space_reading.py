"""« Mon espace », the reading side: the page as contract §C says (newest first, then kind, then id; an opaque
keyset cursor; a kind filter; every kind counted), bad input refused with a clear error, an anonymous caller
refused; and on PostgreSQL, one person's 1,000 items read on the listing index in a constant number of queries."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hubkit.errors import AuthenticationFailed, InvalidInput
from hubkit.validation import load
from notifications import domain, schemas
from notifications.models import SpaceEntry, SpaceItem

CAMILLE, SACHA = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
QUERY = schemas.MySpaceQuerySchema()


def seed(store, account_id, specs):
    """`specs`: (kind, item_id, updated_at) of the person's items (one role each)."""
    with store.uow() as uow:
        for kind, item_id, moment in specs:
            if uow.session.get(SpaceItem, (kind, item_id)) is None:
                uow.session.add(SpaceItem(kind=kind, item_id=item_id, title=f"Titre {item_id[:8]}", state="",
                                          detail="", counts={}, link=domain.item_link(kind, item_id),
                                          updated_at=moment))
            uow.session.add(SpaceEntry(account_id=account_id, kind=kind, item_id=item_id, roles="follower",
                                       contributions=0, updated_at=moment))


def page(store, use, account_id, **query):
    with store.uow() as uow:
        return use(uow).my_space.my_space({"account_id": account_id}, load(QUERY, query))


def walk(store, use, account_id, **query) -> list:
    seen, cursor = [], None
    while True:
        answer = page(store, use, account_id, cursor=cursor, **query)
        seen += [(item["kind"], item["id"]) for item in answer["items"]]
        if not answer["has_more"]:
            assert answer["next_cursor"] is None
            return seen
        cursor = answer["next_cursor"]


def test_pages_follow_each_other_newest_first_then_kind_then_id(store, use):
    ids = sorted(str(uuid.uuid4()) for _ in range(4))
    tie = T0 + timedelta(hours=5)  # three items changed at the same moment: kind, then id, decide
    seed(store, CAMILLE, [("petition", ids[0], tie), ("idea", ids[1], tie), ("idea", ids[2], tie),
                          ("ballot", ids[3], T0), ("idea", ids[3], T0 + timedelta(days=1))])
    seed(store, SACHA, [("idea", ids[0], T0 + timedelta(days=9))])  # someone else's: never in Camille's pages
    expected = [("idea", ids[3]), ("idea", ids[1]), ("idea", ids[2]), ("petition", ids[0]), ("ballot", ids[3])]
    assert walk(store, use, CAMILLE, limit=2) == expected
    assert walk(store, use, CAMILLE, limit=1) == expected
    first = page(store, use, CAMILLE, limit=2)
    assert first["has_more"] is True and first["kinds"] == {
        "idea": 3, "contribution": 0, "budget_project": 0, "ballot": 1, "petition": 1, "dossier": 0}
    assert walk(store, use, CAMILLE, kind="idea", limit=2) == [item for item in expected if item[0] == "idea"]
    only_ideas = page(store, use, CAMILLE, kind="idea")
    assert only_ideas["kinds"]["petition"] == 1  # the tabs count every kind, whatever the filter


def test_an_empty_space_answers_every_kind_at_zero(store, use):
    assert page(store, use, CAMILLE) == {"items": [], "has_more": False, "next_cursor": None,
                                         "kinds": {kind: 0 for kind in domain.KINDS}}


def test_the_answer_dumps_as_the_contract_says(store, use):
    item_id = str(uuid.uuid4())
    seed(store, CAMILLE, [("petition", item_id, T0)])
    dumped = schemas.MySpacePageSchema().dump(page(store, use, CAMILLE))
    assert dumped["items"][0]["updated_at"] == "2026-12-01T09:00:00+00:00"
    assert set(dumped["items"][0]) == {"kind", "id", "title", "roles", "state", "state_label", "detail", "counts",
                                       "link", "updated_at"}


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
    ({"kind": "everything"}, "kind"), ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": ""}, "cursor"),
    ({"cursor": domain.encode_cursor(T0, "idea", "x")[:-3]}, "cursor"), ({"cursor": 12}, "cursor"),
    ({"colour": "red"}, "colour")])
def test_bad_input_is_refused_with_the_field_named(query, field):
    with pytest.raises(InvalidInput) as refused:
        load(QUERY, query)
    assert field in refused.value.details


def test_a_cursor_made_up_by_hand_is_refused():
    import base64
    import json
    for forged in (["2026-12-01T09:00:00", "idea", "x"],  # no time zone
                   ["2026-12-01T09:00:00+00:00", "secret_kind", "x"], ["2026-12-01T09:00:00+00:00", "idea", ""],
                   ["2026-12-01T09:00:00+00:00", "idea", "x" * 65], {"a": 1}, ["yesterday", "idea", "x"]):
        text = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        with pytest.raises(InvalidInput) as refused:
            load(QUERY, {"cursor": text})
        assert refused.value.details["cursor"] == ["Curseur invalide : reprenez la liste depuis le début."]


def test_an_anonymous_caller_is_refused(store, use):
    with store.uow() as uow:
        with pytest.raises(AuthenticationFailed) as refused:
            use(uow).my_space.my_space({"account_id": None}, load(QUERY, {}))
    assert refused.value.code == "AUTHENTICATION_REQUIRED"


def test_a_thousand_items_are_read_on_the_index_in_a_constant_number_of_queries(store, use, database_kind):
    if database_kind != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's (production's)")
    base = T0
    seed(store, CAMILLE, [(domain.KINDS[number % 6], str(uuid.UUID(int=number + 1)), base + timedelta(minutes=number))
                          for number in range(1000)])
    seed(store, SACHA, [("idea", str(uuid.UUID(int=number + 1)), base) for number in range(1000)])
    with store.engine.begin() as connection:
        connection.execute(sa.text("ANALYZE space_entries"))
        connection.execute(sa.text("ANALYZE space_items"))
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))
    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        first = page(store, use, CAMILLE, limit=10)
        small = len(statements)
        statements.clear()
        last = page(store, use, CAMILLE, limit=100, cursor=first["next_cursor"])
        assert len(statements) == small == 2  # the page and the counts by kind: no query per item
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert len(last["items"]) == 100 and last["items"][0]["updated_at"] < first["items"][-1]["updated_at"]
    # the handler's own page query (from the cursor), explained as PostgreSQL would run it
    [(statement, parameters)] = [(sql, args) for sql, args in statements if "JOIN space_items" in sql]
    connection = store.engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # tiny tables: ask which index it would take
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
    assert "ix_space_entries_account_recent" in plan and " Sort" not in plan, plan

"""The inbox at scale (issue 17): the same items in the same order whether read by page number or by cursor, one
index for each way of listing it (no sort, no scan of the whole inbox), counts in one statement, and a cursor that
is read strictly: a forged one is a clear 400 and never shows another list's items. SQLite and PostgreSQL."""
import base64
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command

from hubkit.errors import InvalidInput, PermissionDenied
from hubkit.runner import alembic_config, migrate
from hubkit.validation import load
from routing import SERVICE_NAME, domain, schemas
from routing.handlers import Context, Inbox
from routing.models import OPEN_ITEMS, InboxItem
from routing.settings import Settings

from .conftest import PACKAGE_DIR

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"], "direction": None}
AGENT = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "agent"], "direction": "DEVE"}
STATUSES = ["waiting"] * 6 + ["pending", "forwarded", "answered", "merged"]
DIRECTIONS = ("DEVE", "DVD")
LISTS = [{"status": "open"}, {"status": "open", "direction": "DEVE"}, {"status": "open", "direction": "DVD"},
         {"status": "all"}, {"status": "forwarded"}, {"status": "open", "overdue": True},
         {"status": "all", "assigned": "nobody", "scheme": "street_report"}, {"status": "open", "assigned": "me"},
         {"status": "waiting", "arrondissement": 19, "min_age_days": 1}]


def seed(store, count: int = 500, seed: int = 17) -> list:
    """`count` items with many equal deadlines and arrival times (the order's last key, the id, decides)."""
    draw, items = random.Random(seed), []
    for number in range(count):
        received_at = NOW - timedelta(days=draw.randrange(0, 20), hours=draw.choice((0, 0, 3)),
                                      microseconds=draw.choice((0, 0, 250_001)))  # a cursor keeps microseconds
        items.append(dict(
            idea_id=str(uuid.UUID(int=draw.getrandbits(128), version=4)), title=f"Idée {number}", excerpt="…",
            theme="environnement", arrondissement=draw.choice((11, 19, None)), author_id=None,
            correlation_id=f"req-{number}", status=draw.choice(STATUSES), suggested_scheme="street_report",
            suggestion_reason="", suggestion_keywords=[], checklist={},
            scheme=draw.choice(("street_report", "greening_permit")), direction=draw.choice(DIRECTIONS),
            assigned_agent_id=draw.choice((None, None, AGENT["account_id"])), submitted_at=received_at,
            received_at=received_at, deadline_at=received_at + timedelta(days=draw.choice((7, 15, 30))),
            updated_at=received_at))
    with store.uow() as uow:
        uow.session.execute(sa.insert(InboxItem), items)
    return items


def expected(items: list, query: dict, actor: dict) -> list:
    """The list as the previous code ordered it (deadline, then arrival), ties broken by id: in plain Python."""
    def holds(item):
        age = NOW - item["received_at"]
        return ((query["status"] == "all" or item["status"] == query["status"]
                 or (query["status"] == "open" and item["status"] in domain.OPEN_STATUSES))
                and all(item[name] == query[name] for name in ("direction", "scheme", "arrondissement")
                        if name in query)
                and (query.get("min_age_days") is None or age >= timedelta(days=query["min_age_days"]))
                and (query.get("assigned") != "me" or item["assigned_agent_id"] == actor["account_id"])
                and (query.get("assigned") != "nobody" or item["assigned_agent_id"] is None)
                and (not query.get("overdue") or (item["status"] in domain.OPEN_STATUSES
                                                  and item["deadline_at"] < NOW)))
    chosen = sorted((item for item in items if holds(item)),
                    key=lambda item: (item["deadline_at"], item["received_at"], item["idea_id"]))
    return [item["idea_id"] for item in chosen]


@pytest.fixture
def inbox(store, directions):
    def read(actor, **query):
        with store.uow() as uow:
            use_cases = Inbox(Context(uow, Settings(), directions, lambda: NOW))
            return use_cases.inbox(actor, load(schemas.InboxQuerySchema(), query))
    return read


def by_pages(inbox, actor, query, per_page) -> list:
    seen, page = [], 1
    while True:
        answer = inbox(actor, **query, page=page, per_page=per_page)
        seen.append(answer)
        if not answer["items"]:
            return seen
        page += 1


def by_cursor(inbox, actor, query, per_page) -> list:
    seen, after = [inbox(actor, **query, per_page=per_page)], None
    while seen[-1]["next_cursor"] is not None:
        after = seen[-1]["next_cursor"]
        seen.append(inbox(actor, **query, per_page=per_page, after=after))
    return seen


def ids(pages) -> list:
    return [item["idea_id"] for page in pages for item in page["items"]]


def test_500_ideas_read_by_page_number_and_by_cursor_give_the_same_items_in_the_same_order(store, inbox):
    items = seed(store)
    assert len({(item["deadline_at"], item["received_at"]) for item in items}) < len(items) / 2  # ties: the id decides
    for query in LISTS:
        actor = AGENT if query.get("assigned") == "me" else ADMIN
        wanted = expected(items, query, actor)
        assert len(wanted) > 21, query  # every list has several pages of 7
        numbered, cursored = by_pages(inbox, actor, query, 7), by_cursor(inbox, actor, query, 7)
        assert ids(numbered) == wanted == ids(cursored), query
        assert len(cursored) == -(-len(wanted) // 7)  # no empty page at the end: the last one says so
        overdue = sum(1 for item in items if item["idea_id"] in set(wanted) and item["status"] in
                      domain.OPEN_STATUSES and item["deadline_at"] < NOW)
        for page in numbered + cursored:
            assert (page["total"], page["overdue"]) == (len(wanted), overdue), query
        assert [page["next_cursor"] is None for page in cursored] == [False] * (len(cursored) - 1) + [True]
        # a page by number hands on the cursor of its next page: the gateway can switch to cursors at any page
        second = inbox(actor, **query, page=2, per_page=7)
        assert ids([inbox(actor, **query, per_page=7, after=second["next_cursor"])]) == wanted[14:21]


def test_an_agent_of_a_direction_reads_only_its_items_even_with_another_lists_or_a_forged_cursor(store, inbox):
    items = seed(store)
    deve = by_cursor(inbox, AGENT, {"status": "open", "direction": "DEVE"}, 10)
    assert {item["direction"] for page in deve for item in page["items"]} == {"DEVE"}
    dvd_page = inbox(AGENT, status="open", direction="DVD", per_page=10)
    with pytest.raises(InvalidInput) as refused:  # the cursor of DVD's list, on DEVE's list
        inbox(AGENT, status="open", direction="DEVE", per_page=10, after=dvd_page["next_cursor"])
    assert "autre liste" in refused.value.details["after"][0]
    # a cursor forged with DEVE's fingerprint but the place of a DVD item: DEVE's items after that place, no other
    place = dvd_page["items"][3]
    forged = domain.encode_cursor(place["deadline_at"], place["received_at"], place["idea_id"],
                                  domain.filters_fingerprint({"status": "open", "direction": "DEVE"}, "x"))
    after_it = ids(by_cursor_from(inbox, {"status": "open", "direction": "DEVE"}, forged))
    wanted = [idea for idea in expected(items, {"status": "open", "direction": "DEVE"}, AGENT)
              if _key(items, idea) > (place["deadline_at"], place["received_at"], place["idea_id"])]
    assert after_it == wanted and place["idea_id"] not in after_it


def by_cursor_from(inbox, query, cursor) -> list:
    pages = [inbox(AGENT, **query, per_page=10, after=cursor)]
    while pages[-1]["next_cursor"] is not None:
        pages.append(inbox(AGENT, **query, per_page=10, after=pages[-1]["next_cursor"]))
    return pages


def _key(items, idea_id):
    item = next(item for item in items if item["idea_id"] == idea_id)
    return item["deadline_at"], item["received_at"], item["idea_id"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _document(*parts) -> str:
    return _b64(json.dumps(list(parts)).encode())


FINGERPRINT = domain.filters_fingerprint({"status": "open"}, ADMIN["account_id"])
GOOD_PLACE = ("2026-11-01T09:00:00+00:00", "2026-10-20T09:00:00+00:00", "3f1c0e1e-8a51-4d7c-9a0e-6b8f2f1c2d3e")
FORGED = {
    "not base64": "!!!",
    "base64 of nothing readable": _b64(b"\xff\xfe\x00garbage"),
    "not JSON": _b64(b"deadline=tomorrow"),
    "JSON, not a list": _b64(b'{"deadline_at": "2026-11-01"}'),
    "another version": _document(2, *GOOD_PLACE, FINGERPRINT),
    "a version that only equals 1": _document(True, *GOOD_PLACE, FINGERPRINT),
    "too few parts": _document(1, GOOD_PLACE[0], FINGERPRINT),
    "a number for a date": _document(1, 17, GOOD_PLACE[1], GOOD_PLACE[2], FINGERPRINT),
    "not a date": _document(1, "demain", *GOOD_PLACE[1:], FINGERPRINT),
    "a date without offset": _document(1, "2026-11-01T09:00:00", *GOOD_PLACE[1:], FINGERPRINT),
    "a date out of range in UTC": _document(1, "0001-01-01T00:00:00+14:00", *GOOD_PLACE[1:], FINGERPRINT),
    "SQL for an id": _document(1, *GOOD_PLACE[:2], "x' OR 1=1 --", FINGERPRINT),
    "an id not in canonical form": _document(1, *GOOD_PLACE[:2], "{" + GOOD_PLACE[2].upper() + "}", FINGERPRINT),
    "another list's fingerprint": _document(1, *GOOD_PLACE, "0" * 16),
    "odd Unicode": _document(1, "２０２６-11-01T09:00:00+00:00", *GOOD_PLACE[1:], FINGERPRINT),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_forged_or_damaged_cursor_is_a_clear_400_naming_the_field(store, inbox, case):
    seed(store, 30)
    with pytest.raises(InvalidInput) as refused:
        inbox(ADMIN, status="open", after=FORGED[case])
    assert refused.value.details["after"] and "repartez de la première page" in refused.value.details["after"][0]


@pytest.mark.parametrize("cursor", ["a" * 301, "abc=", "abc def", "<script>", "a%27", ""])
def test_a_cursor_that_is_no_cursor_at_all_is_refused_by_the_schema(cursor):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.InboxQuerySchema(), {"after": cursor})
    assert "after" in refused.value.details


def test_a_cursor_and_a_page_number_together_are_refused_and_reading_stays_for_staff(store, inbox):
    seed(store, 30)
    cursor = inbox(ADMIN, status="open", per_page=5)["next_cursor"]
    with pytest.raises(InvalidInput) as refused:
        inbox(ADMIN, status="open", per_page=5, page=2, after=cursor)
    assert "pas les deux" in refused.value.details["after"][0]
    with pytest.raises(PermissionDenied):
        inbox({**ADMIN, "roles": ["citizen"]}, status="open", after=cursor)


def test_the_open_inbox_condition_is_the_partial_indexes_own():
    assert OPEN_ITEMS == "status IN (" + ", ".join(f"'{status}'" for status in domain.OPEN_STATUSES) + ")"


def test_the_migration_goes_down_and_up_again(routing_db):
    command.downgrade(alembic_config(PACKAGE_DIR, routing_db.url), "0003")
    migrate(SERVICE_NAME, PACKAGE_DIR, routing_db.url)

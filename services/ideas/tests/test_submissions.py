"""The internal submissions feed (routing's reconciliation) on a real database (SQLite and PostgreSQL): ideas in
submission order behind a stable cursor, with their author's account and the citizen's correlation id."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hubkit import correlation
from hubkit.errors import InvalidInput
from hubkit.validation import load
from ideas import schemas
from ideas.handlers import Ideas

from .conftest import TABLES
from .test_handlers import CAMILLE, DOMINIQUE, account_event, accounts, idea_command, run  # noqa: F401 (fixtures)

MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
EVERYTHING = {"since": None, "after": None, "limit": 500}


class NoLimit:
    """Posting limits are not what these tests are about."""
    def consume(self, *args):
        pass


@pytest.fixture
def submit(store):
    """Submit an idea at `at` as `actor`, within the request `request` (the citizen's click)."""
    def submit(actor=CAMILLE, at=MORNING, request="req-click", **changes) -> str:
        tokens = correlation.bind(request)
        try:
            with store.uow() as uow:
                return Ideas(uow, NoLimit(), clock=lambda: at).submit_idea(actor, idea_command(**changes))["id"]
        finally:
            correlation.unbind(tokens)
    return submit


@pytest.fixture
def feed(store, throttle):
    def feed(**query):
        query = load(schemas.SubmissionsQuerySchema(), query)  # what the RPC entrypoint does
        with store.uow() as uow:
            return schemas.SubmissionsPageSchema().dump(Ideas(uow, throttle).submissions(query))
    return feed


def test_ideas_come_in_submission_order_with_their_author_and_the_citizens_correlation_id(submit, feed, store):
    later = submit(DOMINIQUE, at=MORNING + timedelta(hours=2), request="req-dominique", arrondissement=19)
    first = submit(request="req-camille", theme="mobilites")
    page = feed()
    assert [item["idea_id"] for item in page["items"]] == [first, later] and page["has_more"] is False
    assert page["items"][0] == {"idea_id": first, "author_id": CAMILLE["account_id"], "correlation_id": "req-camille",
                                "submitted_at": MORNING.isoformat(), "status": "submitted", "theme": "mobilites",
                                "arrondissement": 10, "cursor": page["items"][0]["cursor"]}
    assert page["items"][1]["correlation_id"] == "req-dominique" and page["items"][1]["arrondissement"] == 19
    assert page["next_cursor"] == page["items"][1]["cursor"]
    # it is the correlation id the idea_submitted event carried
    assert {e["payload"]["idea_id"]: e["correlation_id"] for e in store.events("idea_submitted")} == {
        first: "req-camille", later: "req-dominique"}


def test_the_cursor_pages_through_ideas_submitted_at_the_same_instant_without_skipping_or_repeating(submit, feed):
    ids = sorted(submit(request=f"req-{n}") for n in range(5))  # same instant: the id breaks the tie
    newer = submit(at=MORNING + timedelta(seconds=1))
    seen, cursor = [], None
    while True:
        page = feed(after=cursor, limit=2)
        seen += [item["idea_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == ids + [newer]
    empty = feed(after=cursor)
    assert empty == {"items": [], "next_cursor": cursor, "has_more": False}  # nothing new: the cursor stays
    latest = submit(at=MORNING + timedelta(minutes=1))
    assert [item["idea_id"] for item in feed(after=cursor)["items"]] == [latest]


def test_since_keeps_the_ideas_submitted_then_or_later(submit, feed):
    submit(at=MORNING - timedelta(days=1))
    today = submit(at=MORNING)
    assert [item["idea_id"] for item in feed(since=MORNING.isoformat())["items"]] == [today]
    assert [item["idea_id"] for item in feed(since="2026-11-30T09:00:00+01:00")["items"]] == [today]


def test_a_deleted_authors_idea_has_no_author_and_older_ideas_read_their_correlation_id_from_the_outbox(
        submit, feed, store, run):
    mine = submit(request="req-before-the-column")
    theirs = submit(DOMINIQUE, request="req-dominique")
    assert run("forget_account", account_event("account_deleted", DOMINIQUE["account_id"])) is True
    with store.engine.begin() as connection:  # an idea submitted before the idea kept its correlation id
        connection.execute(sa.update(TABLES["ideas"]).where(TABLES["ideas"].c.id == mine)
                           .values(submission_correlation_id=None))
    items = {item["idea_id"]: item for item in feed()["items"]}
    assert items[mine]["correlation_id"] == "req-before-the-column"
    assert items[mine]["author_id"] == CAMILLE["account_id"]
    assert items[theirs]["author_id"] is None and items[theirs]["correlation_id"] == "req-dominique"


def test_an_imported_idea_has_neither_author_nor_correlation_id(run, feed):
    assert run("import_proposals", [{"id": "4242", "title": "Plus de bancs sur les places du quartier",
                                     "description": "Des bancs pour se reposer en attendant le bus, à l'ombre.",
                                     "created_at": "03/02/2016", "cached_votes_up": "12", "retired_at": ""}]) == [
        "created"]
    [item] = feed()["items"]
    assert (item["author_id"], item["correlation_id"], item["status"]) == (None, None, "submitted")


@pytest.mark.parametrize("query, field", [
    ({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"since": "hier"}, "since"),
    ({"after": "not-a-cursor"}, "after"), ({"after": "2026-13-45T99:00:00+00:00|abc"}, "after"),
    ({"author": "x"}, "author")])
def test_a_bad_query_is_refused_with_a_clear_message(query, field):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.SubmissionsQuerySchema(), query)
    assert list(refused.value.details) == [field] and refused.value.details[field][0]

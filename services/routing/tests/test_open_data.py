"""Routing's open dataset `routing_response_times` (issue 15, section 5): the statistics by hand-computed figures
(plain domain), then the pages read from the inbox (SQLite and PostgreSQL), then the RPC as the gateway calls it."""
import base64
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hubkit.clock import aware
from hubkit.errors import InvalidInput
from hubkit.testing import free_port, signed_proxy
from hubkit.validation import load
from routing.domain import response_times as statistics
from routing.domain.response_times import Arrival
from routing.handlers.common import Context
from routing.handlers.open_data import OpenData
from routing.models import InboxItem
from routing.schemas.open_data import OpenDataPageQuerySchema, OpenDataPageSchema
from routing.settings import Settings

from .test_handlers import clock, decide, received, run  # noqa: F401  (the use cases' fixtures and steps)

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=timezone.utc)
QUERY, PAGE = OpenDataPageQuerySchema(), OpenDataPageSchema()


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def arrival(hours_to_answer=None, deadline_hours=240, received=utc(2026, 3, 2, 8, 0), scheme="street_report",
            direction="DPE") -> Arrival:
    answered = received + timedelta(hours=hours_to_answer) if hours_to_answer is not None else None
    return Arrival(scheme, direction, received, answered, received + timedelta(hours=deadline_hours))


# --- the statistics, by hand ----------------------------------------------------------------------------------

def test_median_p90_and_share_within_the_deadline_of_one_group():
    arrivals = [arrival(2), arrival(30), arrival(100, deadline_hours=72),  # answered: in time, in time, late
                arrival(None, deadline_hours=24),  # never answered, its deadline passed: late
                arrival(None, deadline_hours=24 * 365)]  # not answered yet, still within its deadline: not counted
    [row] = statistics.month_rows("2026-03", arrivals, NOW)
    # waits 2, 30, 100 h: the median is the middle one; the 90th centile sits at rank 0.9 × 2 = 1.8, between 30
    # and 100: 30 + 0.8 × 70 = 86; the outcome is known for 4 ideas, 2 of them answered in time
    assert row == {"scheme": "street_report", "direction": "DPE", "month": "2026-03", "ideas_count": 5,
                   "median_hours_to_first_answer": 30.0, "p90_hours_to_first_answer": 86.0,
                   "answered_within_deadline_share": 0.5}


def test_quantiles_interpolate_between_ranks():
    assert statistics.quantile([1, 2, 3, 10], 0.5) == 2.5  # the mean of the middle two
    assert statistics.quantile([1, 2, 3, 10], 0.9) == pytest.approx(7.9)  # rank 2.7: 3 + 0.7 × 7
    assert statistics.quantile([5], 0.5) == statistics.quantile([5], 0.9) == 5
    assert statistics.quantile([0, 10], 0.9) == 9
    with pytest.raises(ValueError):
        statistics.quantile([], 0.5)


def test_a_group_without_answers_or_known_outcomes_says_so_with_empty_figures():
    [row] = statistics.month_rows("2026-05", [arrival(None, deadline_hours=24 * 365)], NOW)
    assert row["ideas_count"] == 1 and row["median_hours_to_first_answer"] is None
    assert row["p90_hours_to_first_answer"] is None and row["answered_within_deadline_share"] is None
    [row] = statistics.month_rows("2026-05", [arrival(None, deadline_hours=1)], NOW)
    assert row["answered_within_deadline_share"] == 0.0 and row["median_hours_to_first_answer"] is None


def test_rows_are_one_per_scheme_and_direction_in_that_order_and_rounded():
    arrivals = [arrival(1, scheme="street_report", direction="DVD"), arrival(1 / 3, scheme="budget"),
                arrival(2, scheme="street_report", direction="DPE"), arrival(4, scheme="street_report",
                                                                             direction="DPE")]
    rows = statistics.month_rows("2026-03", arrivals, NOW)
    assert [(r["scheme"], r["direction"], r["ideas_count"]) for r in rows] == [
        ("budget", "DPE", 1), ("street_report", "DPE", 2), ("street_report", "DVD", 1)]
    assert rows[0]["median_hours_to_first_answer"] == 0.33 and rows[1]["median_hours_to_first_answer"] == 3.0
    assert rows[1]["p90_hours_to_first_answer"] == 3.8


def test_an_idea_closed_before_it_reached_the_inbox_was_answered_at_once():
    early = Arrival("budget", "DDCT", utc(2026, 3, 2, 8, 0), utc(2026, 3, 2, 7, 0), utc(2026, 3, 9, 8, 0))
    assert statistics.month_rows("2026-03", [early], NOW)[0]["median_hours_to_first_answer"] == 0.0


def test_months_are_those_of_paris():
    assert statistics.month_of(utc(2026, 3, 31, 21, 59)) == "2026-03"  # 23:59 in Paris (summer time)
    assert statistics.month_of(utc(2026, 3, 31, 22, 0)) == "2026-04"  # midnight in Paris
    assert statistics.month_of(utc(2026, 12, 31, 23, 30)) == "2027-01"  # winter time: UTC+1
    assert statistics.month_of(datetime(2026, 12, 31, 22, 30)) == "2026-12"  # naive: UTC, as SQLite reads it
    assert statistics.month_start("2026-04") == utc(2026, 3, 31, 22, 0)
    assert statistics.month_start("2026-01") == utc(2025, 12, 31, 23, 0)


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_of(*parts) -> str:
    return encoded(json.dumps(list(parts), separators=(",", ":")))


FORGED = ["n'importe quoi", "%%%", "é" * 4, encoded("routing_response_times|2026-03|budget|DPE"), encoded("[]"),
          encoded("{}"), encoded("null"), cursor_of("routing_response_times", "2026-13", "budget", "DPE"),
          cursor_of("routing_response_times", "2026-3", "budget", "DPE"),
          cursor_of("routing_response_times", "0001-01", "budget", "DPE"),
          cursor_of("routing_response_times", "2026-03", "budget"), cursor_of("ideas", "2026-03", "budget", "DPE"),
          cursor_of("routing_response_times", "2026-03", "budget", "DPE", "x"),
          cursor_of("routing_response_times", "2026-03", "", "DPE"),
          cursor_of("routing_response_times", "2026-03", "b" * 41, "DPE"),
          cursor_of("routing_response_times", "2026-03", "budget", 7),
          cursor_of("routing_response_times", "2026-03", "budget", "DPE") + "==",
          encoded('["routing_response_times", "2026-03", "budget", "DPE"]'),  # another spelling of a place
          "A" * 201]


def test_a_cursor_is_read_strictly():
    row = {"month": "2026-03", "scheme": "street_report", "direction": "DPE"}
    assert statistics.position_of(statistics.cursor_after(row)) == ("2026-03", "street_report", "DPE")
    odd = {"month": "2026-03", "scheme": "vélo|cargo", "direction": "dir-Est 2"}  # whatever the inbox holds
    assert statistics.position_of(statistics.cursor_after(odd)) == ("2026-03", "vélo|cargo", "dir-Est 2")
    for cursor in FORGED:
        with pytest.raises(statistics.RuleBroken) as refused:
            statistics.position_of(cursor)
        assert refused.value.field == "after", cursor


def test_the_query_is_checked_before_anything_is_read():
    for bad in ({}, {"dataset": "ideas"}, {"dataset": "routing_response_times", "limit": 0},
                {"dataset": "routing_response_times", "limit": 2001},
                {"dataset": "routing_response_times", "after": ""},
                {"dataset": "routing_response_times", "scheme": "budget"}):
        with pytest.raises(InvalidInput):
            load(QUERY, bad)
    assert load(QUERY, {"dataset": "routing_response_times"}) == {
        "dataset": "routing_response_times", "after": None, "limit": 2000}


# --- pages read from the inbox ------------------------------------------------------------------------------------

def item(received_at: datetime, scheme: str, direction: str, hours_to_answer=None, deadline_days=15) -> dict:
    return dict(idea_id=str(uuid.uuid4()), title="Une idée de Camille", excerpt="Rue Manin, au 12…",
                theme="environnement", arrondissement=19, author_id=str(uuid.uuid4()), correlation_id="req-1",
                status="answered" if hours_to_answer is not None else "waiting", suggested_scheme=scheme,
                suggestion_reason="", suggestion_keywords=[], checklist={}, scheme=scheme, direction=direction,
                assigned_agent_id=str(uuid.uuid4()), submitted_at=received_at, received_at=received_at,
                deadline_at=received_at + timedelta(days=deadline_days),
                first_response_at=received_at + timedelta(hours=hours_to_answer) if hours_to_answer is not None
                else None, updated_at=received_at)


@pytest.fixture
def inbox(store) -> list:
    """Three months of arrivals: March (two schemes, two directions), April (one idea, at midnight in Paris on the
    1st, still 31 March in UTC), none in the summer, September."""
    items = [item(utc(2026, 3, 2, 8), "street_report", "DPE", 2), item(utc(2026, 3, 9, 8), "street_report", "DPE", 30),
             item(utc(2026, 3, 10, 8), "street_report", "DPE", 400), item(utc(2026, 3, 11, 8), "street_report", "DVD"),
             item(utc(2026, 3, 12, 8), "budget", "DDCT", 10), item(utc(2026, 3, 31, 22, 0), "budget", "DDCT", 5),
             item(utc(2026, 9, 1, 8), "greening_permit", "DEVE")]
    with store.uow() as uow:
        uow.session.execute(sa.insert(InboxItem), items)
    return items


@pytest.fixture
def page(store):
    def read(after=None, limit=None) -> dict:
        query = load(QUERY, {"dataset": "routing_response_times", "after": after,
                             **({"limit": limit} if limit else {})})
        with store.uow() as uow:
            return PAGE.dump(OpenData(Context(uow, Settings(), clock=lambda: utc(2026, 9, 2, 8))).dataset_page(query))
    return read


def test_the_inbox_reads_as_rows_by_month_scheme_and_direction(page, inbox):
    answer = page()
    assert answer["next"] is None
    assert answer["rows"] == [
        {"scheme": "budget", "direction": "DDCT", "month": "2026-03", "ideas_count": 1,
         "median_hours_to_first_answer": 10.0, "p90_hours_to_first_answer": 10.0,
         "answered_within_deadline_share": 1.0},
        {"scheme": "street_report", "direction": "DPE", "month": "2026-03", "ideas_count": 3,
         "median_hours_to_first_answer": 30.0, "p90_hours_to_first_answer": 326.0,  # 30 + 0.8 × 370
         "answered_within_deadline_share": 0.6667},  # 400 h is past 15 days (360 h)
        {"scheme": "street_report", "direction": "DVD", "month": "2026-03", "ideas_count": 1,
         "median_hours_to_first_answer": None, "p90_hours_to_first_answer": None,
         "answered_within_deadline_share": 0.0},  # its 15 days passed long ago, unanswered
        {"scheme": "budget", "direction": "DDCT", "month": "2026-04", "ideas_count": 1,
         "median_hours_to_first_answer": 5.0, "p90_hours_to_first_answer": 5.0,
         "answered_within_deadline_share": 1.0},
        {"scheme": "greening_permit", "direction": "DEVE", "month": "2026-09", "ideas_count": 1,
         "median_hours_to_first_answer": None, "p90_hours_to_first_answer": None,
         "answered_within_deadline_share": None}]  # arrived yesterday: nothing known yet


def test_pages_of_any_size_give_every_row_once_in_order(page, inbox):
    whole = page()["rows"]
    for limit in (1, 2, 3):
        rows, after = [], None
        while True:
            answer = page(after, limit)
            assert len(answer["rows"]) <= limit
            rows += answer["rows"]
            if answer["next"] is None:
                break
            after = answer["next"]
        assert rows == whole, limit


def test_nothing_of_an_idea_its_author_or_its_agent_is_given(page, inbox):
    shown = repr(page())
    for seeded in inbox:
        for value in (seeded["idea_id"], seeded["author_id"], seeded["assigned_agent_id"]):
            assert value not in shown
    assert "Camille" not in shown and "Manin" not in shown


def test_a_forged_cursor_is_refused_as_bad_input_and_a_cursor_past_the_end_gives_nothing(page, inbox):
    for cursor in FORGED:
        with pytest.raises(InvalidInput) as refused:
            page(cursor)
        assert "after" in refused.value.details, cursor
    beyond = statistics.cursor_after({"month": "2031-01", "scheme": "budget", "direction": "DDCT"})
    assert page(beyond) == {"rows": [], "next": None}


def test_on_postgresql_a_page_reads_the_inbox_in_arrival_order_from_its_index(store, page, inbox, database_kind):
    if database_kind != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM inbox_items" in statement:
            statements.append((statement, parameters))
    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        page(statistics.cursor_after({"month": "2026-03", "scheme": "budget", "direction": "DDCT"}))
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    [(statement, parameters)] = statements
    with store.engine.connect() as connection:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # whatever a small table costs
            connection.exec_driver_sql(f"SET {setting} = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_inbox_items_received_at" in plan and "Sort" not in plan, plan
    assert "Index Cond" in plan, plan  # from the cursor's month on, not the whole inbox filtered


def test_an_empty_inbox_is_an_empty_dataset(page):
    assert page() == {"rows": [], "next": None}


def test_the_figures_follow_ideas_received_and_answered_by_the_use_cases(run, ideas, clock, store, dns):
    """From arrival (the idea_submitted event) to the first decision taking effect: the inbox's own moments."""
    arrived = clock()
    quick, slow, waiting = received(run, ideas), received(run, ideas), received(run, ideas)
    clock.advance(hours=3)
    decide(run, quick, action="answer", message="La DEVE passera la semaine prochaine.")
    deadline = aware(store.one("inbox_items", sa.column("idea_id") == slow).deadline_at)
    clock.now = deadline + timedelta(hours=1)  # one hour late
    decide(run, slow, action="not_retain", reason_code="private_land", message="C'est une cour privée.")
    with store.uow() as uow:
        query = load(QUERY, {"dataset": "routing_response_times"})
        rows = PAGE.dump(OpenData(Context(uow, Settings(), clock=clock)).dataset_page(query))["rows"]
    assert [(row["month"], row["ideas_count"]) for row in rows] == [(statistics.month_of(arrived), 3)]
    [row], late = rows, (deadline - arrived).total_seconds() / 3600 + 1
    assert row["median_hours_to_first_answer"] == round((3 + late) / 2, 2)  # two answers: their mean
    assert row["p90_hours_to_first_answer"] == round(3 + 0.9 * (late - 3), 2)
    assert row["answered_within_deadline_share"] == 0.3333  # the quick one; the slow and the waiting one are late
    assert waiting not in repr(rows)


# --- through the RPC, as the gateway calls it ---------------------------------------------------------------------

@pytest.fixture
def config(rabbit_config, routing_db, monkeypatch):
    monkeypatch.setenv("ROUTING_DATABASE_URL", routing_db.url)
    return {**rabbit_config, "serializer": "json", "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


def test_the_gateway_reads_the_dataset_and_no_other_service_may(config, container_factory, inbox, page):
    from routing.service import RoutingService
    container_factory(RoutingService, config).start()
    with signed_proxy("routing", config) as routing:
        first = routing.open_data_page({"dataset": "routing_response_times", "after": None, "limit": 3})
        rest = routing.open_data_page({"dataset": "routing_response_times", "after": first["next"]})
        with pytest.raises(Exception) as forged:
            routing.open_data_page({"dataset": "routing_response_times", "after": "Zm9yZ8Op"})
    assert len(first["rows"]) == 3 and len(rest["rows"]) == 2 and rest["next"] is None
    assert [row["month"] for row in first["rows"] + rest["rows"]] == [row["month"] for row in page()["rows"]]
    assert getattr(forged.value, "code", None) == "VALIDATION_ERROR"
    with signed_proxy("routing", config, identity="petitions") as routing:
        with pytest.raises(Exception) as refused:
            routing.open_data_page({"dataset": "routing_response_times"})
    assert getattr(refused.value, "code", None) == "CALLER_NOT_TRUSTED"

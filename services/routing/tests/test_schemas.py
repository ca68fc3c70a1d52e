"""What routing dumps on the wire: every datetime with its offset, also those SQLite hands back naive."""
import re
from datetime import datetime, timezone

from routing import schemas
from routing.handlers import Catalogue, Decisions, History, Inbox

from .test_handlers import ADMIN, AGENT, IMMEDIATE, clock, decide, received, run  # noqa: F401 (fixtures)

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
LOOKS_LIKE_A_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT")


def datetimes(value) -> list:
    """Every string of a dumped answer that reads as a datetime."""
    if isinstance(value, dict):
        return [found for item in value.values() for found in datetimes(item)]
    if isinstance(value, list):
        return [found for item in value for found in datetimes(item)]
    return [value] if isinstance(value, str) and LOOKS_LIKE_A_DATETIME.match(value) else []


def test_a_naive_datetime_is_dumped_as_utc_with_its_offset():
    dumped = schemas.TraceEntrySchema().dump({"occurred_at": datetime(2026, 3, 1, 9, 30)})
    assert dumped["occurred_at"] == "2026-03-01T09:30:00+00:00"
    paris = datetime(2026, 3, 1, 10, 30, tzinfo=timezone.utc).astimezone()
    assert ISO_WITH_OFFSET.match(schemas.TraceEntrySchema().dump({"occurred_at": paris})["occurred_at"])
    assert schemas.DossierSchema().dump({"delivered_at": None})["delivered_at"] is None


def test_every_datetime_routing_answers_carries_its_offset(run, ideas):
    """On SQLite (naive datetimes back from the database) and PostgreSQL alike."""
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="greening_permit")  # an external scheme: a dossier with its dates
    pending = run(Decisions, "decide", {**AGENT, "direction": "DEVE"}, {
        "idea_id": idea_id, "action": "forward", "scheme": "street_report", "message": "", "reason_code": None,
        "duplicate_of": None, "idempotency_key": "reroute-0001"}, settings=IMMEDIATE)
    answers = [
        schemas.InboxDetailSchema().dump(run(Inbox, "get_item", ADMIN, idea_id)),
        schemas.InboxPageSchema().dump(run(Inbox, "inbox", ADMIN, {"status": "all", "page": 1, "per_page": 50})),
        schemas.DecisionSchema().dump(pending),
        schemas.TimelineSchema().dump(run(History, "idea_timeline", idea_id)),
        schemas.SchemeSchema(many=True).dump(run(Catalogue, "list_schemes")),
    ]
    found = datetimes(answers)
    assert len(found) > 15
    assert [moment for moment in found if not ISO_WITH_OFFSET.match(moment)] == []

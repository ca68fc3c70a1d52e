"""Every date-time petitions sends carries its timezone (UTC), whatever the database: SQLite gives back naive
ones, and a client must not read them as local time."""
from datetime import date, datetime, timedelta

import pytest

from hubkit.validation import load
from petitions import schemas

from .test_fraud import MODERATOR, invalidation, petition, run, trends  # noqa: F401

pytestmark = pytest.mark.integration

ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"]}


def date_times(value, path="") -> dict:
    """Every string of a dumped answer that reads as a date and a time, by where it is."""
    found = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(date_times(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(date_times(item, f"{path}[{index}]"))
    elif isinstance(value, str) and len(value) > 10 and value[10:11] == "T":
        try:
            found[path] = datetime.fromisoformat(value)
        except ValueError:
            pass
    return found


def assert_all_utc(answer: dict, expected: set):
    found = date_times(answer)
    assert expected <= set(found), f"missing date-times: {sorted(expected - set(found))}"
    naive = sorted(path for path, moment in found.items() if moment.utcoffset() != timedelta(0))
    assert naive == [], f"date-times without their UTC offset: {naive}"


def test_the_petition_page_lists_and_fraud_view_send_utc_date_times(run, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip="203.0.113.66"))
    run("schedule_for_council", ADMIN, load(schemas.CouncilPlacementSchema(), {
        "petition_id": petition["id"], "session_date": (date.today() + timedelta(days=30)).isoformat(),
        "agenda_url": "https://www.paris.fr/conseil/seance"}))
    run("record_response", ADMIN, {"petition_id": petition["id"], "decision": "accepted",
                                   "response": "La Ville installera des bancs rue Manin en 2027."})

    page = schemas.PetitionSchema().dump(run("get_petition", petition["id"], MODERATOR))
    assert_all_utc(page, {".created_at", ".submitted_at", ".opened_at", ".closes_at", ".moderation_due_at",
                          ".threshold_reached_at", ".updated_at", ".council.scheduled_at", ".answer.answered_at",
                          ".invalidations[0].at"})
    listed = schemas.PetitionPageSchema().dump(run("list_petitions", load(schemas.ListQuerySchema(), {
        "status": "answered"})))
    assert_all_utc(listed, {".items[0].created_at", ".items[0].opened_at"})
    agenda = schemas.CouncilAgendaSchema().dump(run("council_agenda", MODERATOR))
    assert_all_utc(agenda, {".answered[0].created_at"})
    mine = schemas.MyPetitionsSchema().dump(run("my_petitions", petition["signers"][0]))
    assert_all_utc(mine, {".signed[0].created_at"})
    fraud = schemas.SignatureTrendsSchema().dump(trends(run, petition["id"]))
    assert_all_utc(fraud, {".since", ".ips[0].first_at", ".ips[0].last_at", ".email_domains[0].first_at",
                           ".email_domains[0].last_at", ".latest[0].created_at", ".invalidations[0].at"})

"""Every date-time the service dumps carries its offset, also what SQLite hands back naive (SQLite and
PostgreSQL): a client reads « 2026-12-06T22:48:57+00:00 », never a local time it has to guess."""
from datetime import date, datetime

import pytest
from budget import schemas

from .test_handlers import AGENT, advance_to, ballot, run, vote_cycle, voter  # noqa: F401  (fixtures)

pytestmark = pytest.mark.integration


def has_offset(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() is not None


def test_dumped_date_times_carry_their_offset(run, store, voter, vote_cycle):
    citizen = voter()
    receipt = schemas.dump_ballot_receipt(run("cast_ballot", citizen, ballot(vote_cycle, paris=("P1",))))
    mine = schemas.MyBallotSchema().dump(run("my_ballot", citizen, vote_cycle["id"]))
    advance_to(run, vote_cycle["id"], "results")
    run("change_project_status", AGENT, {"project_id": vote_cycle["P1"], "status": "etudes_conception",
                                         "justification": "Études lancées.", "effective_date": date(2026, 9, 1)})
    cycle = schemas.CycleSchema().dump(run("get_cycle", vote_cycle["id"]))  # read back: naive on SQLite
    project = schemas.ProjectSchema().dump(run("get_project", vote_cycle["P1"]))
    moments = [receipt["cast_at"], mine["cast_at"], cycle["created_at"], cycle["vote_closed_at"],
               project["submitted_at"], *[step["recorded_at"] for step in project["timeline"]]]
    assert len(moments) == 6 and all(has_offset(moment) for moment in moments), moments
    exported = run("export_personal_data", citizen["account_id"])
    assert [has_offset(row["cast_at"]) for row in exported["ballots"]] == [True]


def test_a_naive_moment_is_dumped_as_utc():
    dumped = schemas.CycleSchema().dump({"created_at": datetime(2026, 12, 6, 22, 48, 57, 425039),
                                         "vote_closed_at": None})
    assert dumped == {"created_at": "2026-12-06T22:48:57.425039+00:00", "vote_closed_at": None}
    receipt = {"cycle_id": "c", "receipt": "r", "replaced": False, "paris_projects": [], "sector": None,
               "sector_projects": [], "cast_at": datetime(2026, 12, 6, 22, 48, 57)}
    assert schemas.dump_ballot_receipt(receipt)["cast_at"] == "2026-12-06T22:48:57+00:00"

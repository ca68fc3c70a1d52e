"""The dates of the `ideas` and `consultations` datasets are the days Paris lives them, like the petitions' and
routing's (docs/open_data.md): a moment at 23:30 UTC is already the next day in Paris (00:30 in winter, 01:30 in
summer), and that next day is the one published. SQLite and PostgreSQL."""
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ideas.domain.open_data import paris_day
from hubkit.validation import load
from ideas.handlers import Context, Ideas
from ideas.handlers.open_data import OpenData
from ideas.models import Consultation, Idea, StatusChange
from ideas.schemas import open_data as schemas

from .test_handlers import ADMIN, CAMILLE, accounts, idea_command  # noqa: F401 (fixtures)

WINTER_NIGHT = datetime(2026, 3, 14, 23, 30, tzinfo=timezone.utc)  # 00:30 on 15 March in Paris (UTC+1)
SUMMER_NIGHT = datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)  # 01:30 on 2 July in Paris (UTC+2)
SUMMER_EVENING = datetime(2026, 7, 1, 21, 30, tzinfo=timezone.utc)  # 23:30 on 1 July in Paris: still that day


@pytest.fixture
def page(store, throttle):
    """The dataset's one page, as the entrypoint answers it (its query loaded, its rows dumped)."""
    def page(dataset: str) -> list:
        query = load(schemas.OpenDataPageQuerySchema(), {"dataset": dataset, "after": None, "limit": 100})
        with store.uow() as uow:
            return schemas.dump_page(dataset, OpenData(Context(uow, throttle)).open_data_page(query))["rows"]
    return page


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.mark.parametrize("moment,day", [
    (WINTER_NIGHT, date(2026, 3, 15)), (SUMMER_NIGHT, date(2026, 7, 2)), (SUMMER_EVENING, date(2026, 7, 1)),
    (WINTER_NIGHT.replace(tzinfo=None), date(2026, 3, 15)),  # naive: UTC, as SQLite reads it back
    (datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc), date(2026, 3, 29)),  # the night clocks go forward
    (datetime(2026, 10, 24, 22, 30, tzinfo=timezone.utc), date(2026, 10, 25)),  # the night they go back
    (None, None)])
def test_a_moment_is_published_as_the_day_it_is_in_paris(moment, day):
    assert paris_day(moment) == day


def test_an_idea_sent_and_decided_after_23_00_utc_is_of_the_next_day(store, throttle, accounts, page):
    clock = Clock(WINTER_NIGHT)

    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts, clock=clock), method)(*args)

    idea = run("submit_idea", CAMILLE, idea_command())
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "under_review", "message": "À l'étude."})
    clock.now = SUMMER_NIGHT
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "answered", "message": "La Ville répond."})
    with store.uow() as uow:  # the moments are stored as they were lived, in UTC
        stored = uow.session.get(Idea, idea["id"]).created_at
        decided = uow.session.execute(sa.select(sa.func.max(StatusChange.changed_at))).scalar_one()
    assert (stored.day, decided.day) == (14, 1)
    [row] = page("ideas")
    assert (row["submitted_at"], row["decided_at"]) == ("2026-03-15", "2026-07-02")


def test_a_consultation_s_dates_are_paris_days(store, page):
    with store.uow() as uow:
        uow.session.add(Consultation(
            id="6a1e0c8e-3b7f-4c55-9d2a-1f0e9c8b7a65", title="Réaménager la place de la Nation", context="…",
            resources=[], agenda=[], opens_at=WINTER_NIGHT, closes_at=SUMMER_EVENING,
            synthesis_published_at=SUMMER_NIGHT, synthesis="Synthèse.", decision="La place sera piétonne.",
            created_at=WINTER_NIGHT, updated_at=SUMMER_NIGHT))
    [row] = page("consultations")
    assert (row["opens_at"], row["closes_at"], row["synthesis_published_at"]) == (
        "2026-03-15", "2026-07-01", "2026-07-02")

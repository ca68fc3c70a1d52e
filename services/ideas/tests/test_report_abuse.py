"""Reports cannot be used to hide what others wrote: three reports hide an item only from distinct accounts older
than IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS (their age asked of accounts), and a citizen makes at most
IDEAS_REPORTS_PER_HOUR reports; a refused report writes nothing. SQLite and PostgreSQL, a real Redis."""
import uuid
from datetime import timedelta

import eventlet
import pytest

from hubkit.errors import Conflict, RateLimited
from ideas.handlers import Ideas, utcnow
from ideas.settings import IdeasSettings

from tests.fakes import FakeAccounts

from .test_moderation import CAMILLE, XSS

MIN_AGE_DAYS = 7


def citizen_aged(accounts: FakeAccounts, age_days: float) -> dict:
    """A citizen whose account accounts registered `age_days` ago (ideas asks it through public_profiles)."""
    registered_at = (utcnow() - timedelta(days=age_days)).isoformat()
    return {"account_id": accounts.add(pseudonym="Voisin·e", registered_at=registered_at), "roles": ["citizen"]}


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def settings() -> dict:
    """The service's settings for these tests, as the environment would give them (a test may change them)."""
    return {"report_min_account_age_days": MIN_AGE_DAYS}


@pytest.fixture
def run(store, throttle, accounts, settings):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts, settings=IdeasSettings(**settings)), method)(*args)
    return run


@pytest.fixture
def idea(run):
    return run("submit_idea", CAMILLE, {
        "title": "Achetez des montres pas chères", "theme": "cadre_de_vie", "arrondissement": None,
        "address_line": None, "author_pseudonym": "Camille", "description": f"Promo sur montres-pas-cheres {XSS}"})


def report(run, actor, idea_id, reason="spam") -> dict:
    return run("report_content", actor, {"kind": "idea", "content_id": idea_id, "reason": reason})


def test_three_reports_from_one_account_hide_nothing(run, store, accounts, idea):
    reporter = citizen_aged(accounts, 400)
    assert report(run, reporter, idea["id"])["hidden"] is False
    for reason in ("offensive", "off_topic"):
        with pytest.raises(Conflict):
            report(run, reporter, idea["id"], reason)
    assert len(store.rows("content_reports")) == 1 and store.events("content_hidden") == []


def test_three_reports_from_new_accounts_hide_nothing(run, store, accounts, idea):
    for age in (0, 1, MIN_AGE_DAYS - 0.5):
        assert report(run, citizen_aged(accounts, age), idea["id"])["hidden"] is False
    assert len(store.rows("content_reports")) == 3 and store.events("content_hidden") == []
    assert run("moderation_queue", {"account_id": str(uuid.uuid4()), "roles": ["moderator"]})["items"][0][
        "pending_reports"] == 3  # moderators still see every report


def test_three_reports_from_distinct_old_accounts_hide_the_item(run, store, accounts, idea):
    old = [citizen_aged(accounts, age) for age in (MIN_AGE_DAYS + 1, 30, 900)]
    assert report(run, old[0], idea["id"])["hidden"] is False
    assert report(run, citizen_aged(accounts, 2), idea["id"])["hidden"] is False  # a new account: not counted
    assert report(run, old[1], idea["id"])["hidden"] is False
    assert report(run, old[2], idea["id"])["hidden"] is True
    [event] = store.events("content_hidden")
    assert event["payload"]["by"] == "reports"
    assert accounts.data_of("public_profiles")[-1]["account_ids"] == [old[2]["account_id"]]


def test_a_report_made_while_accounts_is_down_is_kept_but_hides_nothing(run, store, accounts, idea):
    old = [citizen_aged(accounts, 100) for _ in range(3)]
    report(run, old[0], idea["id"])
    report(run, old[1], idea["id"])
    accounts.down = eventlet.Timeout()  # as a call that does not answer in time ends
    assert report(run, old[2], idea["id"])["hidden"] is False
    assert len(store.rows("content_reports")) == 3 and store.events("content_hidden") == []


def test_without_a_minimum_age_accounts_is_not_asked(run, accounts, idea, settings):
    settings["report_min_account_age_days"] = 0
    for _ in range(3):
        hidden = report(run, citizen_aged(accounts, 0), idea["id"])["hidden"]
    assert hidden is True and accounts.calls == []


def test_the_report_past_the_hourly_limit_is_refused_with_429_and_nothing_written(run, store, accounts, idea,
                                                                                   settings):
    settings["reports_per_hour"] = 3
    reporter = citizen_aged(accounts, 100)
    ideas = [idea["id"]] + [run("submit_idea", CAMILLE, {
        "title": f"Des bancs rue Manin, numéro {n}", "theme": "cadre_de_vie", "arrondissement": 19,
        "address_line": None, "author_pseudonym": "Camille", "description": "Il manque des bancs pour s'asseoir."})[
        "id"] for n in range(3)]
    for idea_id in ideas[:3]:
        report(run, reporter, idea_id)
    before = store.snapshot(), store.rows("content_reports")
    with pytest.raises(RateLimited) as limited:
        report(run, reporter, ideas[3])
    assert limited.value.message.startswith("Vous avez atteint la limite de 3 signalements par heure.")
    assert 0 < limited.value.retry_after <= 3600
    assert (store.snapshot(), store.rows("content_reports")) == before
    report(run, citizen_aged(accounts, 100), ideas[3])  # the limit is per account

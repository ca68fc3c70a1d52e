"""Co-sponsorship links cannot be guessed or used in bulk: opening or accepting one counts towards
PETITIONS_SPONSOR_REQUESTS_PER_HOUR per account, and the request past it is refused with 429, nothing written."""
import pytest
from hubkit.errors import NotFound, RateLimited
from petitions.settings import Settings
from tests.fakes.actors import citizen_actor

from .test_handlers import DRAFT, author, people, run  # noqa: F401

# charts recounted at every read (the service keeps them PETITIONS_CHART_CACHE_SECONDS): counts are checked
LIMITED = Settings(sponsors_required=2, threshold=3, sponsor_requests_per_hour=3, chart_cache_seconds=0)


def test_the_sponsor_request_past_the_hourly_limit_is_refused_and_nothing_is_written(run, store, author, people):
    drafts = [run("draft_petition", author, {**DRAFT, "title": f"Des bancs rue Manin, {n}"}, settings=LIMITED)
              for n in range(3)]
    [sponsor] = people()
    run("sponsor_view", sponsor, drafts[0]["sponsor_token"], settings=LIMITED)
    run("sponsor", sponsor, drafts[0]["sponsor_token"], settings=LIMITED)
    run("sponsor", sponsor, drafts[1]["sponsor_token"], settings=LIMITED)
    before = store.snapshot()
    for refused_call in ("sponsor", "sponsor_view"):
        with pytest.raises(RateLimited) as limited:
            run(refused_call, sponsor, drafts[2]["sponsor_token"], settings=LIMITED)
        assert limited.value.message.startswith("Vous avez atteint la limite de 3 demandes de parrainage par heure.")
        assert 0 < limited.value.retry_after <= 3600
    assert store.snapshot() == before
    [other] = people()
    assert run("sponsor", other, drafts[2]["sponsor_token"], settings=LIMITED)["sponsored"] is True  # per account


def test_guessed_links_count_towards_the_limit(run, author, people):
    petition = run("draft_petition", author, DRAFT, settings=LIMITED)
    guesser = citizen_actor()
    for _ in range(3):
        with pytest.raises(NotFound):
            run("sponsor_view", guesser, "x" * 43, settings=LIMITED)
    with pytest.raises(RateLimited):
        run("sponsor_view", guesser, petition["sponsor_token"], settings=LIMITED)


def test_the_setting_is_at_least_one():
    with pytest.raises(ValueError, match="sponsor_requests_per_hour"):
        Settings(sponsor_requests_per_hour=0)
    assert Settings().sponsor_requests_per_hour == 30

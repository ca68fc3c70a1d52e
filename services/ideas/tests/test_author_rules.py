"""An idea's author neither follows it nor reports it: the page hides the two buttons, and the service refuses a
request sent anyway (a forged form, the API), on its own data (the idea's author), writing nothing. A follow the
author took before the rule can still be removed. SQLite and PostgreSQL, a real Redis."""
from datetime import UTC, datetime

import pytest

from hubkit.errors import PermissionDenied
from ideas.handlers import Ideas
from ideas.models import Follow, Idea

from tests.fakes import FakeAccounts

from .test_handlers import CAMILLE, DOMINIQUE, idea_command

REPORTS = "content_reports"


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def run(store, throttle, accounts):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts), method)(*args)
    return run


@pytest.fixture
def idea(run) -> dict:
    return run("submit_idea", CAMILLE, idea_command())


def refused(run, *args) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as raised:
        run(*args)
    return raised.value


def test_the_author_cannot_follow_their_idea_and_nothing_is_written(run, store, idea):
    before = store.snapshot()
    error = refused(run, "follow_idea", CAMILLE, idea["id"])
    assert error.code == "OWN_IDEA" and "auteur·e de cette idée" in error.message
    assert store.snapshot() == before and store.rows("idea_follows") == []
    assert run("get_idea", idea["id"], CAMILLE)["viewer"]["follows"] is False


def test_someone_else_still_follows_it(run, idea):
    assert run("follow_idea", DOMINIQUE, idea["id"]) == {"idea_id": idea["id"], "following": True,
                                                         "followers_count": 1}


def test_the_author_cannot_report_their_idea_and_nothing_is_written(run, store, idea):
    error = refused(run, "report_content", CAMILLE, {"kind": "idea", "content_id": idea["id"], "reason": "spam"})
    assert error.code == "OWN_IDEA" and "signaler" in error.message
    assert store.rows(REPORTS) == [] and store.one("ideas").hidden is False


def test_someone_else_still_reports_it(run, store, idea):
    state = run("report_content", DOMINIQUE, {"kind": "idea", "content_id": idea["id"], "reason": "spam"})
    assert state["reported"] is True
    assert [row.account_id for row in store.rows(REPORTS)] == [DOMINIQUE["account_id"]]


def test_a_follow_the_author_took_before_the_rule_can_still_be_removed(run, store, idea):
    with store.uow() as uow:  # written as the service did before the rule
        uow.session.add(Follow(idea_id=idea["id"], account_id=CAMILLE["account_id"], created_at=datetime.now(UTC)))
    assert run("unfollow_idea", CAMILLE, idea["id"]) == {"idea_id": idea["id"], "following": False,
                                                         "followers_count": 0}
    assert store.rows("idea_follows") == []


def test_an_idea_whose_author_deleted_their_account_is_followed_and_reported_by_anyone(run, store, idea):
    """Nobody is its author any more: the rule does not turn into refusing everybody."""
    with store.uow() as uow:  # what forget_account leaves of a deleted author
        uow.session.get(Idea, idea["id"]).author_id = None
    assert run("follow_idea", DOMINIQUE, idea["id"])["following"] is True
    assert run("report_content", DOMINIQUE, {"kind": "idea", "content_id": idea["id"], "reason": "spam"})["reported"]

"""A project names as its origin only an idea its citizen wrote (or one forwarded to the budget for them), and a
citizen submits at most BUDGET_SUBMISSIONS_PER_DAY projects a day; every refusal writes nothing."""
import uuid

import pytest
from budget.handlers import Projects, use_case
from budget.handlers.projects import NOT_YOUR_IDEA
from budget.settings import Settings
from hubkit.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from hubkit.testing import throttle_fixture

from .conftest import context
from .test_handlers import ADMIN, CYCLE, PROJECT, citizen
from .test_open_data import forwarded

throttle = throttle_fixture()


class IdeasAsReader:
    """ideas.get_idea(data, actor) as budget calls it: `viewer.is_author` for the reader; the calls it got."""

    def __init__(self):
        self.authors, self.calls = {}, []

    def write(self, author: dict) -> str:
        idea_id = str(uuid.uuid4())
        self.authors[idea_id] = author["account_id"]
        return idea_id

    def get_idea(self, data, actor=None):  # without an actor: as the forwarded-draft handler reads it
        self.calls.append((data["idea_id"], actor and actor["account_id"]))
        if data["idea_id"] not in self.authors:
            raise NotFound("Idée introuvable.")
        return {"id": data["idea_id"], "title": "Des bancs rue de Belleville", "description": "Il manque des bancs.",
                "theme_label": "Cadre de vie", "arrondissement": 20, "address_line": None,
                "viewer": actor and {"is_author": self.authors[data["idea_id"]] == actor["account_id"]}}


@pytest.fixture
def ideas():
    return IdeasAsReader()


@pytest.fixture
def settings():
    return Settings(submissions_per_day=10)


@pytest.fixture
def run(store, accounts, ideas, throttle, settings):
    def run(method, *args):
        with store.uow() as uow:
            return use_case(context(uow, accounts=accounts, ideas=ideas, throttle=throttle, settings=settings),
                            method)(*args)
    return run


@pytest.fixture
def cycle(run) -> dict:
    return run("create_cycle", ADMIN, CYCLE)


def submit(run, cycle, actor, **changes):
    return run("submit_project", actor, {**PROJECT, "cycle_id": cycle["id"], **changes})


def test_a_citizen_links_their_own_idea(run, cycle, ideas, store):
    author = citizen()
    idea_id = ideas.write(author)
    project = submit(run, cycle, author, origin_idea_id=idea_id)
    assert project["origin_idea_id"] == idea_id and ideas.calls == [(idea_id, author["account_id"])]
    [submitted] = store.events("project_submitted")
    assert submitted["payload"]["origin_idea_id"] == idea_id


def test_linking_someone_elses_idea_is_refused_and_nothing_is_written(run, cycle, ideas, store):
    idea_id = ideas.write(citizen())
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        submit(run, cycle, citizen(), origin_idea_id=idea_id)
    assert refused.value.code == "IDEA_NOT_YOURS" and refused.value.message == NOT_YOUR_IDEA
    assert store.snapshot() == before


def test_an_unknown_idea_is_a_field_error(run, cycle, store):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        submit(run, cycle, citizen(), origin_idea_id=str(uuid.uuid4()))
    assert refused.value.details == {"origin_idea_id": ["Cette idée n'existe pas."]}
    assert store.snapshot() == before


def test_an_idea_forwarded_to_the_budget_for_the_citizen_is_theirs_to_link(run, cycle, ideas):
    carrier, idea_id = citizen(), str(uuid.uuid4())  # ideas would not call them its author (a merged idea, say)
    ideas.authors[idea_id] = str(uuid.uuid4())
    with pytest.raises(PermissionDenied):
        submit(run, cycle, carrier, origin_idea_id=idea_id)
    assert run("draft_forwarded_idea", forwarded(idea_id, carrier["account_id"]), ideas) is True
    ideas.calls.clear()
    project = submit(run, cycle, carrier, origin_idea_id=idea_id)
    assert project["origin_idea_id"] == idea_id and ideas.calls == []  # budget's own record of the forward
    with pytest.raises(PermissionDenied):
        submit(run, cycle, citizen(), origin_idea_id=idea_id)  # forwarded to the carrier, not to anyone


def test_an_idea_waiting_for_a_cycle_counts_as_forwarded(run, store, ideas):
    carrier, idea_id = citizen(), ideas.write(citizen())
    assert run("draft_forwarded_idea", forwarded(idea_id, carrier["account_id"]), ideas) is True
    assert len(store.rows("budget_pending_ideas")) == 1
    with store.uow() as uow:
        budget = Projects(context(uow, ideas=ideas))
        budget.check_origin_idea(carrier, idea_id)  # no error
        with pytest.raises(PermissionDenied):
            budget.check_origin_idea(citizen(), idea_id)


@pytest.mark.parametrize("settings", [Settings(submissions_per_day=3)])
def test_the_submission_past_the_days_limit_is_refused_with_429_and_nothing_written(run, cycle, store, settings):
    author, other = citizen(), citizen()
    for number in range(3):
        submit(run, cycle, author, title=f"Des fontaines au parc, numéro {number}")
    before = store.snapshot()
    with pytest.raises(RateLimited) as limited:
        submit(run, cycle, author, title="Des fontaines au parc, une de trop")
    assert limited.value.message.startswith("Vous avez déposé 3 projets en 24 heures : c'est la limite par compte.")
    assert 0 < limited.value.retry_after <= 24 * 3600
    assert store.snapshot() == before
    submit(run, cycle, other)  # the limit is per account


@pytest.mark.parametrize("settings", [Settings(submissions_per_day=1)])
def test_a_refused_form_does_not_use_up_the_day(run, cycle, store, settings):
    author = citizen()
    with pytest.raises(InvalidInput):
        submit(run, cycle, author, title="abc")
    submit(run, cycle, author)
    with pytest.raises(RateLimited):
        submit(run, cycle, author)

"""A project names as its origin only an idea its citizen wrote (or one forwarded to the budget for them), and a
citizen submits at most BUDGET_SUBMISSIONS_PER_DAY projects a day; every refusal writes nothing."""
import uuid

import pytest
from budget.handlers import Projects, use_case
from budget.handlers.projects import NOT_YOUR_IDEA
from budget.settings import Settings
from hubkit.errors import InvalidInput, PermissionDenied, RateLimited
from hubkit.testing import throttle_fixture

from tests.fakes import FakeIdeas
from tests.fakes.actors import citizen_actor

from .conftest import context
from .test_handlers import ADMIN, CYCLE, PROJECT
from .test_open_data import forwarded

throttle = throttle_fixture()


def written_by(ideas: FakeIdeas, author: dict, idea_id: str = None) -> str:
    """An idea `author` wrote, as the ideas service holds it; its id."""
    return ideas.add(idea_id, "Des bancs rue de Belleville", "Il manque des bancs.", theme="cadre_de_vie",
                     theme_label="Cadre de vie", arrondissement=20, author_id=author["account_id"])["id"]


def readers_of(ideas: FakeIdeas) -> list:
    """(idea id, reader's account id) of each get_idea budget made (no reader: the forwarded-draft handler)."""
    return [(args[0]["idea_id"], args[1]["account_id"] if len(args) > 1 and args[1] else None)
            for args in ideas.args_of("get_idea")]


@pytest.fixture
def ideas():
    return FakeIdeas()


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
    author = citizen_actor()
    idea_id = written_by(ideas, author)
    project = submit(run, cycle, author, origin_idea_id=idea_id)
    assert project["origin_idea_id"] == idea_id and readers_of(ideas) == [(idea_id, author["account_id"])]
    [submitted] = store.events("project_submitted")
    assert submitted["payload"]["origin_idea_id"] == idea_id


def test_linking_someone_elses_idea_is_refused_and_nothing_is_written(run, cycle, ideas, store):
    idea_id = written_by(ideas, citizen_actor())
    before = store.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        submit(run, cycle, citizen_actor(), origin_idea_id=idea_id)
    assert refused.value.code == "IDEA_NOT_YOURS" and refused.value.message == NOT_YOUR_IDEA
    assert store.snapshot() == before


def test_an_unknown_idea_is_a_field_error(run, cycle, store):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        submit(run, cycle, citizen_actor(), origin_idea_id=str(uuid.uuid4()))
    assert refused.value.details == {"origin_idea_id": ["Cette idée n'existe pas."]}
    assert store.snapshot() == before


def test_an_idea_forwarded_to_the_budget_for_the_citizen_is_theirs_to_link(run, cycle, ideas):
    carrier, idea_id = citizen_actor(), str(uuid.uuid4())  # ideas would not call them its author (a merged idea, say)
    written_by(ideas, citizen_actor(), idea_id)
    with pytest.raises(PermissionDenied):
        submit(run, cycle, carrier, origin_idea_id=idea_id)
    assert run("draft_forwarded_idea", forwarded(idea_id, carrier["account_id"]), ideas) is True
    ideas.calls.clear()
    project = submit(run, cycle, carrier, origin_idea_id=idea_id)
    assert project["origin_idea_id"] == idea_id and ideas.calls == []  # budget's own record of the forward
    with pytest.raises(PermissionDenied):
        submit(run, cycle, citizen_actor(), origin_idea_id=idea_id)  # forwarded to the carrier, not to anyone


def test_an_idea_waiting_for_a_cycle_counts_as_forwarded(run, store, ideas):
    carrier, idea_id = citizen_actor(), written_by(ideas, citizen_actor())
    assert run("draft_forwarded_idea", forwarded(idea_id, carrier["account_id"]), ideas) is True
    assert len(store.rows("budget_pending_ideas")) == 1
    with store.uow() as uow:
        budget = Projects(context(uow, ideas=ideas))
        budget.check_origin_idea(carrier, idea_id)  # no error
        with pytest.raises(PermissionDenied):
            budget.check_origin_idea(citizen_actor(), idea_id)


@pytest.mark.parametrize("settings", [Settings(submissions_per_day=3)])
def test_the_submission_past_the_days_limit_is_refused_with_429_and_nothing_written(run, cycle, store, settings):
    author, other = citizen_actor(), citizen_actor()
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
    author = citizen_actor()
    with pytest.raises(InvalidInput):
        submit(run, cycle, author, title="abc")
    submit(run, cycle, author)
    with pytest.raises(RateLimited):
        submit(run, cycle, author)

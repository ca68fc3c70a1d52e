"""The City's directions are accounts' table: budget reads them from accounts.reference_data, keeps them a few
minutes, and answers 503 (never a wrong answer) when it has none and accounts cannot say. A direction code's format
is checked by the schemas, its existence by the use cases (the same 400 on the field as before)."""
import pytest
from budget import schemas
from budget.handlers import use_case
from budget.peers import DIRECTIONS_UNAVAILABLE, CityReference
from budget.settings import Settings
from hubkit.errors import InvalidInput, PermissionDenied, ServiceUnavailable
from hubkit.validation import load
from tests.fakes.accounts import DIRECTIONS

from .conftest import FakeAccounts, context
from .test_directions import DVD_AGENT, STUDY, owned_by
from .test_handlers import ADMIN, AGENT, CYCLE, advance_to, run, submit  # noqa: F401  (run: a fixture)

UNKNOWN_DIRECTION = f"Doit être l'une des valeurs : {', '.join(DIRECTIONS)}."


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class AccountsReference:
    """accounts.reference_data as budget reads it (`answer`, else accounts' table); how many times it was asked."""

    def __init__(self, answer=None):
        self.asked, self.answer = 0, answer

    def reference_data(self):
        self.asked += 1
        if self.answer is not None:
            return self.answer
        return {"directions": [{"code": code, "name": name} for code, name in DIRECTIONS.items()]}


class AccountsDown(FakeAccounts):
    def reference_data(self):
        raise ServiceUnavailable(details={"reason": "reference_data timed out"})


def _use(uow, accounts, name, **more):
    """The use case `name` on a unit of work, with these accounts (and settings, if given)."""
    return use_case(context(uow, accounts=accounts, **more), name)


# --- the cache ------------------------------------------------------------------------------------------------

def test_accounts_is_asked_once_per_period_and_again_after_it():
    accounts, clock = AccountsReference(), Clock()
    directions = CityReference(ttl=300, timer=clock)
    assert directions.directions(accounts) == DIRECTIONS
    clock.now = 299
    directions.directions(accounts)
    assert accounts.asked == 1
    clock.now = 301
    directions.directions(accounts)
    assert accounts.asked == 2


def test_an_accounts_outage_is_a_503_until_accounts_answers_and_the_kept_answer_serves_meanwhile():
    clock = Clock()
    directions = CityReference(ttl=300, timer=clock)
    with pytest.raises(ServiceUnavailable) as unavailable:
        directions.directions(AccountsDown())
    assert unavailable.value.message == DIRECTIONS_UNAVAILABLE
    assert directions.directions(AccountsReference()) == DIRECTIONS
    clock.now = 100
    assert directions.directions(AccountsDown()) == DIRECTIONS  # kept: accounts' outage is not seen within the period
    clock.now = 400
    with pytest.raises(ServiceUnavailable):
        directions.directions(AccountsDown())


@pytest.mark.parametrize("answer", [{}, {"directions": []}, {"directions": [{"code": "DVD"}]}, [], "DVD"],
                         ids=["no directions", "empty", "no label", "a list", "a text"])
def test_an_answer_without_directions_is_never_read_as_no_direction(answer):
    with pytest.raises(ServiceUnavailable):
        CityReference().directions(AccountsReference(answer))


def test_the_paris_postcodes_of_paper_ballots_are_accounts_own():
    postcodes = CityReference().paris_postcodes(FakeAccounts())
    assert {"75001", "75020", "75116"} <= postcodes and "75021" not in postcodes and "93100" not in postcodes


def test_an_accounts_answer_without_arrondissements_is_never_read_as_no_postcode_in_paris():
    """An accounts not yet serving them (mid-upgrade): the directions still answer, a paper ballot waits (503)."""
    reference = CityReference()
    accounts = AccountsReference()
    assert reference.directions(accounts) == DIRECTIONS
    with pytest.raises(ServiceUnavailable):
        reference.paris_postcodes(accounts)


def test_without_accounts_there_is_no_answer():
    with pytest.raises(ServiceUnavailable):
        CityReference().directions(None)


# --- schemas: the format only -------------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["dvd", "D", "DIRECTION1", "DVD;DROP", "DEVELOPPEMENT"])
def test_a_direction_that_is_not_a_code_is_refused_by_the_schema(direction):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.StudySchema(), {**STUDY, "project_id": "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c",
                                     "direction": direction})
    assert refused.value.details == {"direction": ["Code de direction attendu (p. ex. DEVE)."]}


def test_a_code_of_the_right_format_passes_the_schema():
    merge = {"cycle_id": "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c", "title": "Un grand jardin partagé",
             "description": "Les deux jardins réunis en un seul, plus grand.", "direction": "DXYZ",
             "project_ids": ["5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c", "6f5e4d3c-2b1a-4098-8e7d-6c5b4a3f2e1d"]}
    assert load(schemas.MergeSchema(), merge)["direction"] == "DXYZ"  # whether it exists: the use case's to say


# --- the use cases: existence, labels, outages --------------------------------------------------------------

@pytest.fixture
def at_study(run, store):
    cycle = run("create_cycle", ADMIN, CYCLE)
    project_id = submit(run, cycle["id"])["id"]
    advance_to(run, cycle["id"], "study")
    return project_id


@pytest.mark.integration
def test_a_direction_accounts_does_not_know_is_refused_on_its_field_and_nothing_is_written(run, store, at_study):
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run("decide_study", AGENT, {**STUDY, "project_id": at_study, "direction": "DXYZ"})
    assert refused.value.details == {"direction": [UNKNOWN_DIRECTION]}
    assert store.snapshot() == before
    handed = run("decide_study", AGENT, {**STUDY, "project_id": at_study, "direction": "DVD"})
    assert handed["direction"] == "DVD" and handed["direction_label"] == DIRECTIONS["DVD"]


@pytest.mark.integration
def test_the_forms_directions_are_accounts_codes_and_labels(run):
    assert run("reference_data")["directions"] == [{"code": code, "label": label}
                                                   for code, label in DIRECTIONS.items()]


@pytest.mark.integration
def test_an_accounts_outage_is_a_503_where_directions_are_needed_and_nothing_is_written(store, at_study):
    before = store.snapshot()
    with store.uow() as uow:
        with pytest.raises(ServiceUnavailable):
            _use(uow, AccountsDown(), "reference_data")()
    with store.uow() as uow:  # an agent acting on a project: whose direction it is needs accounts' table
        with pytest.raises(ServiceUnavailable):
            _use(uow, AccountsDown(), "decide_study")(AGENT, {**STUDY, "project_id": at_study})
    assert store.snapshot() == before
    with store.uow() as uow:  # an admin acts on any project: nothing to ask
        assert _use(uow, AccountsDown(), "decide_study")(ADMIN, {**STUDY, "project_id": at_study})["admissible"]


@pytest.mark.integration
def test_a_project_naming_a_direction_is_shown_with_accounts_label_and_not_without_it(run, store, at_study):
    owned_by(store, at_study, "DVD")
    assert run("get_project", at_study)["direction_label"] == DIRECTIONS["DVD"]
    with store.uow() as uow:
        with pytest.raises(ServiceUnavailable):
            _use(uow, AccountsDown(), "get_project")(at_study)


@pytest.mark.integration
def test_an_organising_direction_accounts_does_not_know_is_a_503_not_a_refusal(store, at_study):
    with store.uow() as uow:
        decide = _use(uow, FakeAccounts(), "decide_study", settings=Settings(organising_direction="DXYZ"))
        with pytest.raises(ServiceUnavailable) as unavailable:
            decide(AGENT, {**STUDY, "project_id": at_study})
    assert "BUDGET_ORGANISING_DIRECTION='DXYZ'" in unavailable.value.message


@pytest.mark.integration
def test_a_refusal_names_the_owning_direction_with_accounts_label(run, store, at_study):
    owned_by(store, at_study, "DEVE")
    with pytest.raises(PermissionDenied) as refused:
        run("decide_study", DVD_AGENT, {**STUDY, "project_id": at_study})
    assert f"DEVE ({DIRECTIONS['DEVE']})" in refused.value.message and f"DVD ({DIRECTIONS['DVD']})" in \
        refused.value.message


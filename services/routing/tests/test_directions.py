"""The City's directions are accounts' table: routing reads them from `accounts.reference_data`, keeps them a few
minutes, checks a direction's shape in its schemas and its existence in its use cases, and answers 503 (never a
wrong answer) while accounts does not answer."""
import pytest

from hubkit.errors import InvalidInput, PermissionDenied, ServiceUnavailable
from hubkit.validation import load
from routing import schemas
from routing.handlers import Catalogue, Decisions, Inbox
from routing.peers import Directions, DirectionsCache
from tests.fakes import FakeAccounts

from .test_handlers import ADMIN, AGENT, DVD_AGENT, clock, received, run  # noqa: F401 (fixtures)

ACCOUNTS_DOWN = ServiceUnavailable(details={"reason": "reference_data timed out"})  # as BoundedRpc reports it
KNOWN = ("Doit être l'une des valeurs : DDCT, DEVE, DVD, DU, DPE, DAC, DASCO, DJS, DFPE, DLH, DAE, DCPA, DSOL, "
         "DICOM, DSIN.")


class Timer:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_table_is_read_from_accounts_once_per_five_minutes():
    accounts, timer = FakeAccounts(), Timer()
    directions = Directions(accounts, DirectionsCache(ttl=300, timer=timer))
    assert directions.table()["DEVE"] == "Direction des espaces verts et de l'environnement"
    assert directions.codes()[:3] == ["DDCT", "DEVE", "DVD"] and directions.name("DVD").startswith("Direction de la")
    timer.now = 299
    directions.table()
    assert len(accounts.args_of("reference_data")) == 1
    timer.now = 301
    directions.table()
    assert len(accounts.args_of("reference_data")) == 2


def test_accounts_down_is_a_503_and_is_not_remembered():
    accounts = FakeAccounts()
    directions = Directions(accounts, DirectionsCache())
    accounts.down = ACCOUNTS_DOWN
    with pytest.raises(ServiceUnavailable) as unavailable:
        directions.codes()
    assert "directions de la Ville" in unavailable.value.message
    accounts.down = None
    assert "DEVE" in directions.codes()


@pytest.mark.parametrize("answer", [{}, {"directions": []}, {"directions": [{"label": "?"}]}, None])
def test_an_answer_that_is_no_directions_table_is_a_503_never_an_empty_table(answer):
    class Odd:
        def reference_data(self):
            return answer
    with pytest.raises(ServiceUnavailable):
        Directions(Odd(), DirectionsCache()).table()


def test_a_refusal_from_accounts_is_a_503_for_routings_caller():
    class Refusing:
        def reference_data(self):
            raise PermissionDenied()
    with pytest.raises(ServiceUnavailable) as unavailable:
        Directions(Refusing(), DirectionsCache()).table()
    assert unavailable.value.details == {"reason": "accounts.reference_data: FORBIDDEN"}


@pytest.mark.parametrize("schema, data", [
    (schemas.InboxQuerySchema(), {"direction": "deve"}), (schemas.AssignSchema(), {"idea_id": AGENT["account_id"],
                                                                                  "direction": "DEVE; DROP"}),
    (schemas.CreateSchemeSchema(), {"code": "x", "name": "x", "direction": "D", "kind": "internal",
                                    "delivery": "event", "deadline_days": 3}),
])
def test_the_schemas_check_a_directions_shape(schema, data):
    with pytest.raises(InvalidInput) as refused:
        load(schema, data)
    assert refused.value.details["direction"] == ["Format invalide."]


# --- in the use cases, on a real database -------------------------------------------------------------------

def test_a_scheme_of_a_direction_the_city_lacks_is_refused_as_before(run):
    command = {"code": "jardins", "name": "Jardins partagés", "direction": "DXYZ", "kind": "internal",
               "delivery": "event", "deadline_days": 30}
    with pytest.raises(InvalidInput) as refused:
        run(Catalogue, "create_scheme", ADMIN, command)
    assert refused.value.details == {"direction": [KNOWN]}
    created = run(Catalogue, "create_scheme", ADMIN, {**command, "direction": "DEVE"})
    assert created["direction_name"] == "Direction des espaces verts et de l'environnement"


def test_the_inbox_filter_and_an_assignment_name_a_known_direction(run, ideas, store):
    idea_id = received(run, ideas)
    with pytest.raises(InvalidInput) as refused:
        run(Inbox, "inbox", AGENT, {"status": "open", "page": 1, "per_page": 50, "direction": "DXYZ"})
    assert refused.value.details == {"direction": [KNOWN]}
    before = store.snapshot()
    with pytest.raises(InvalidInput) as refused:
        run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": None, "direction": "DXYZ"})
    assert refused.value.details == {"direction": [KNOWN]} and store.snapshot() == before


def test_labels_come_from_accounts_and_accounts_down_is_a_503(run, accounts, ideas):
    reference = run(Catalogue, "reference_data")
    assert {"code": "DSIN", "label": "Direction des systèmes d'information et du numérique"} in reference["directions"]
    idea_id = received(run, ideas)
    accounts.down = ACCOUNTS_DOWN
    with pytest.raises(PermissionDenied) as refused:  # the cache still holds the table: the refusal names it
        run(Decisions, "assign", DVD_AGENT, {"idea_id": idea_id, "agent_id": None, "direction": None})
    assert "DEVE (Direction des espaces verts et de l'environnement)" in refused.value.message


def test_accounts_down_with_nothing_cached_is_a_503_not_a_wrong_answer(run, accounts, ideas):
    accounts.down = ACCOUNTS_DOWN
    idea_id = received(run, ideas)  # an idea arriving needs no direction's name
    assert run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": None, "direction": None})  # allowed
    for group, method, args in ((Catalogue, "list_schemes", ()), (Catalogue, "reference_data", ()),
                                (Decisions, "assign", (DVD_AGENT, {"idea_id": idea_id, "agent_id": None,
                                                                   "direction": None}))):
        with pytest.raises(ServiceUnavailable):
            run(group, method, *args)

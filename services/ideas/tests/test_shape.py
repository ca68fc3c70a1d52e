"""What the common shape of a service brings to ideas: the City's directions read from accounts (cached, never
guessed), one settings object, and datetimes that carry their timezone on the wire. SQLite and PostgreSQL."""
import re
from datetime import timedelta

import eventlet
import pytest
from pydantic import ValidationError

from hubkit.errors import InvalidInput, PermissionDenied, ServiceUnavailable
from hubkit.validation import load
from ideas import peers
from ideas.handlers import Consultations, Ideas
from ideas.schemas import IdeaSchema, ModerationQueueSchema, SubmissionsPageSchema
from ideas.schemas.consultations import ConsultationSchema, ProposalSchema, SaveConsultationSchema
from ideas.settings import IdeasSettings
from tests.fakes import FakeAccounts
from tests.wire_times import moments, without_offset

from .test_consultations import AGENT, CAMILLE, MODERATOR, START, Clock, consultation_command, section_of

ADMIN = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen", "admin"]}
DVD_AGENT = {"account_id": "4c5d6e7f-8091-4a2b-bc3d-4e5f6a7b8c9d", "roles": ["citizen", "agent"], "direction": "DVD"}
# labels of accounts' own: what ideas shows must come from this answer, not from a copy of its own
DIRECTIONS = [{"code": "DDCT", "name": "Démocratie et territoires (libellé d'accounts)"},
              {"code": "DVD", "name": "Voirie et déplacements (libellé d'accounts)"}]


@pytest.fixture
def accounts():
    """accounts, answering its directions with labels of its own."""
    fake = FakeAccounts()
    fake.directions = {direction["code"]: direction["name"] for direction in DIRECTIONS}
    return fake


def asked(accounts) -> int:
    return len(accounts.args_of("reference_data"))


@pytest.fixture
def run(store, throttle, accounts):
    def run(method, *args, group=Consultations):
        with store.uow() as uow:
            return getattr(group(uow, throttle, clock=Clock(), accounts=accounts), method)(*args)
    return run


# --- the directions are accounts' -----------------------------------------------------------------------------

def test_the_directions_are_asked_of_accounts_once_then_read_from_the_cache(accounts):
    assert peers.Accounts(accounts).directions() == {d["code"]: d["name"] for d in DIRECTIONS}
    assert peers.Accounts(accounts).directions()["DVD"] == "Voirie et déplacements (libellé d'accounts)"
    assert asked(accounts) == 1
    peers.directions_cache.clear()  # five minutes later
    peers.Accounts(accounts).directions()
    assert asked(accounts) == 2


@pytest.mark.parametrize("failure", ["down", "no directions", "a bad code", "not a dict"])
def test_without_an_answer_from_accounts_the_directions_are_unavailable_never_guessed(accounts, failure,
                                                                                   monkeypatch):
    if failure == "down":
        accounts.down = eventlet.Timeout()  # as a call that does not answer in time ends
    else:
        answer = {"no directions": {"roles": []}, "a bad code": {"directions": [{"code": "dvd'--", "name": "x"}]},
                  "not a dict": ["DVD"]}[failure]
        monkeypatch.setattr(accounts, "reference_data", lambda: answer)
    with pytest.raises(ServiceUnavailable) as unavailable:
        peers.Accounts(accounts).directions()
    assert "momentanément indisponible" in unavailable.value.message
    assert peers.directions_cache.get("directions") is None  # the next call asks again


def test_an_admin_names_one_of_accounts_directions(run, store):
    made = run("save_consultation", ADMIN, consultation_command(direction="DVD"))
    assert made["direction"] == "DVD"
    with pytest.raises(InvalidInput) as refused:
        run("save_consultation", ADMIN, consultation_command(direction="DEVE"))  # a code accounts does not have
    assert refused.value.details == {"direction": ["Choisissez une direction de la Ville."]}
    with pytest.raises(InvalidInput):
        run("save_consultation", ADMIN, {**consultation_command(), "consultation_id": made["id"], "direction": "XYZ"})
    assert [row.direction for row in store.rows("consultations")] == ["DVD"]


def test_a_direction_code_of_the_wrong_form_is_refused_by_the_schema():
    command = {key: value.isoformat() if hasattr(value, "isoformat") else value
               for key, value in consultation_command().items() if key != "agenda"}
    for code in ("dvd", "D", "DIRECTIONX", "DV D", "DVD\n"):
        with pytest.raises(InvalidInput) as refused:
            load(SaveConsultationSchema(), {**command, "direction": code})
        assert refused.value.details == {"direction": ["Choisissez une direction de la Ville."]}
    assert load(SaveConsultationSchema(), {**command, "direction": "DVD"})["direction"] == "DVD"


def test_with_accounts_down_naming_a_direction_is_a_503_and_nothing_is_written(run, store, accounts):
    accounts.down = eventlet.Timeout()
    with pytest.raises(ServiceUnavailable):
        run("save_consultation", ADMIN, consultation_command(direction="DVD"))
    assert store.rows("consultations") == []
    # an agent's consultation is their direction's: nothing to ask
    assert run("save_consultation", AGENT, consultation_command())["direction"] == "DDCT" and asked(accounts) == 1


def test_a_refusal_names_the_directions_with_accounts_labels_and_asks_nothing_otherwise(run, accounts):
    consultation = run("save_consultation", AGENT, consultation_command())
    editing = {"consultation_id": consultation["id"], "editing": True}
    assert run("get_consultation", editing, AGENT)["viewer"]["can_edit"] and asked(accounts) == 0
    with pytest.raises(PermissionDenied) as refused:
        run("get_consultation", editing, DVD_AGENT)
    assert refused.value.code == "OUTSIDE_DIRECTION" and refused.value.details == {"direction": "DDCT"}
    assert "DDCT (Démocratie et territoires (libellé d'accounts))" in refused.value.message
    assert "DVD (Voirie et déplacements (libellé d'accounts))" in refused.value.message


# --- one settings object --------------------------------------------------------------------------------------

def test_settings_keep_the_variable_names_and_a_bad_value_names_its_variable(monkeypatch):
    monkeypatch.setenv("IDEAS_REPORTS_PER_HOUR", "12")
    monkeypatch.setenv("IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS", "3")
    assert IdeasSettings() == IdeasSettings(reports_per_hour=12, report_min_account_age_days=3)
    for name, value in (("IDEAS_REPORTS_PER_HOUR", "vingt"), ("IDEAS_REPORTS_PER_HOUR", "0"),
                        ("IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS", "-1")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError) as bad:
            IdeasSettings()
        assert name in str(bad.value)
        monkeypatch.setenv(name, "3")


def test_the_minimum_account_age_defaults_by_environment(monkeypatch):
    monkeypatch.delenv("IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS", raising=False)
    for hub_env, days in (("local", 0), ("test", 0), ("production", 7)):
        monkeypatch.setenv("HUB_ENV", hub_env)
        assert IdeasSettings().report_min_account_age_days == days


# --- datetimes carry their timezone on the wire ---------------------------------------------------------------

def test_every_datetime_the_schemas_dump_carries_its_timezone(run, store):
    consultation = run("save_consultation", AGENT, consultation_command(opens_at=START - timedelta(days=1)))
    consultation = run("save_section", AGENT, {"consultation_id": consultation["id"], "title": "Vos propositions",
                                               "mode": "amendable_text", "body": "Article 1 : la place est à tous."})
    proposal = run("submit_proposal", CAMILLE, {"section_id": section_of(consultation, "amendable_text")["id"],
                                                "title": "Des arbres au centre", "author_pseudonym": "Camille",
                                                "body": "Planter vingt arbres au centre."})
    idea = run("submit_idea", CAMILLE, {"title": "Des bancs rue Manin", "theme": "cadre_de_vie",
                                        "arrondissement": 19, "address_line": None, "author_pseudonym": "Camille",
                                        "description": "Pour s'asseoir en montant au parc."}, group=Ideas)
    run("moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"], "action": "hide", "reason": "Test."},
        group=Ideas)
    dumped = [
        ConsultationSchema().dump(run("get_consultation", {"consultation_id": consultation["id"]}, AGENT)),
        ProposalSchema().dump(run("get_proposal", proposal["id"], AGENT)),
        IdeaSchema().dump(run("get_idea", idea["id"], MODERATOR, group=Ideas)),
        ModerationQueueSchema().dump(run("moderation_queue", MODERATOR, group=Ideas)),
        SubmissionsPageSchema().dump(run("submissions", {"since": None, "after": None, "limit": 10}, group=Ideas)),
    ]
    found = moments(dumped)
    assert len(found) >= 10
    assert without_offset(found) == []

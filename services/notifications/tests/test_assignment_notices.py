"""routing's `idea_assigned` tells the agent a colleague confided an idea to, as routing's own e-mail did (moved
here, issue 15 §1): « Une idée vous est confiée », the title, the direction, the deadline and the link to the
idea's orientation page; « Idées qui me sont confiées », by e-mail unless the agent chose otherwise, with its
unsubscribe link. Nobody for an idea taken by the agent themselves or given to a direction only; once per event;
nothing recorded when accounts does not answer (the event comes back)."""
import uuid
from datetime import datetime, timezone

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load
from notifications import domain, schemas

from .conftest import HUB_URL
from .test_owner_notices import ALIX, IDEA, SACHA, choose, event, told

DEADLINE = "2027-01-06T20:20:01+00:00"
CONFIDED_BY_SACHA = {"account_id": SACHA, "role": "agent"}
TITLE = "Fontaines quai de Valmy"


def ideas_read(kind, key):
    return {"title": TITLE, "state": "submitted"} if (kind, key) == ("idea", IDEA) else None


def assigned(agent_id=ALIX, actor=CONFIDED_BY_SACHA, **extra):
    payload = {"idea_id": IDEA, "agent_id": agent_id, "direction": "DEVE", "deadline_at": DEADLINE, **extra}
    return event("idea_assigned", "routing", actor=actor, **payload)


def tell(store, use, envelope, reader=ideas_read):
    """What the entrypoint does (service.notify_assigned_agent) short of calling accounts: the e-mail to send."""
    payload = load(schemas.IdeaAssignedSchema(), envelope["payload"])
    with store.uow() as uow:
        return use(uow).assignments.idea_assigned(envelope, payload, reader)


def test_an_agent_given_an_idea_by_a_colleague_is_told_by_e_mail_once(store, use):
    envelope = assigned()
    message = tell(store, use, envelope)
    assert message["account_ids"] == [ALIX] and message["event_id"] == envelope["event_id"]
    assert message["subject"] == "Une idée vous est confiée"
    assert message["body"].startswith(f"L'idée « {TITLE} » vous est confiée (direction DEVE), à traiter avant le "
                                      "06/01/2027.")
    assert f"{HUB_URL}/back-office/orientation/{IDEA}" in message["body"] and "Bonjour" not in message["body"]
    assert "/notifications/desabonnement/" in message["list_unsubscribe_url"]
    assert told(store) == {ALIX: ("assignments", "email", "Une idée vous est confiée")}
    assert tell(store, use, envelope) is None and len(store.rows("notifications")) == 1


def test_nobody_is_told_of_an_idea_they_took_or_given_to_a_direction_only(store, use):
    def no_reading(kind, key):
        raise AssertionError("the idea box is asked only when someone is to be told")
    assert tell(store, use, assigned(actor={"account_id": ALIX, "role": "agent"}), no_reading) is None
    assert tell(store, use, assigned(agent_id=None), no_reading) is None
    assert store.rows("notifications") == []


def test_the_agents_choice_is_kept_and_one_click_stops_it(store, use):
    choose(store, use, ALIX, assignments="hub")
    assert tell(store, use, assigned()) is None
    assert told(store) == {ALIX: ("assignments", "hub", "Une idée vous est confiée")}
    row = store.rows("notifications")[0]
    assert row.link == f"/back-office/orientation/{IDEA}"
    choose(store, use, ALIX, assignments="never")
    assert tell(store, use, assigned()) is None and len(store.rows("notifications")) == 1
    assert domain.DEFAULT_CHANNELS["assignments"] == "email"
    assert domain.UNSUBSCRIBABLE["assignments"] == "Idées qui me sont confiées"


def test_accounts_not_answering_records_nothing_and_the_event_comes_back(store, use):
    envelope = assigned()

    class AccountsDown(Exception):
        pass

    before = len(store.rows("processed_events"))
    with pytest.raises(AccountsDown):
        with store.uow() as uow:
            payload = load(schemas.IdeaAssignedSchema(), envelope["payload"])
            assert use(uow).assignments.idea_assigned(envelope, payload, ideas_read) is not None
            raise AccountsDown()
    assert store.rows("notifications") == [] and len(store.rows("processed_events")) == before
    assert tell(store, use, envelope)["account_ids"] == [ALIX]


def test_an_unreadable_idea_or_an_older_event_invents_nothing(store, use):
    older = event("idea_assigned", "routing", actor=CONFIDED_BY_SACHA, idea_id=IDEA, agent_id=ALIX,
                  direction="DEVE")  # before 2026-12: no deadline
    message = tell(store, use, older, lambda kind, key: None)
    assert message["body"].startswith("Une idée vous est confiée (direction DEVE).\n\n")
    notice = domain.assigned_notice(ALIX, IDEA, None, None, datetime(2027, 1, 6, 23, 0, tzinfo=timezone.utc))
    assert notice.body.startswith("Une idée vous est confiée, à traiter avant le 06/01/2027.")


def test_hostile_assignment_payloads_are_refused():
    for bad in ({}, {"idea_id": "x"}, {"idea_id": IDEA, "agent_id": "x"}, {"idea_id": IDEA, "direction": "D" * 41},
                {"idea_id": IDEA, "deadline_at": "demain"}, {"idea_id": IDEA, "deadline_at": "2027-01-06T20:20:01"}):
        with pytest.raises(InvalidInput):
            load(schemas.IdeaAssignedSchema(), bad)
    assert load(schemas.IdeaAssignedSchema(), {"idea_id": str(uuid.uuid4())})["agent_id"] is None

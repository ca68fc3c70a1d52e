"""Routing's decisions on an idea may arrive in any order (replicas, retries): the idea ends on the latest one."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.envelope import make_event
from ideas.handlers import Ideas

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
DOMINIQUE = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"


def submitted_idea(store, throttle) -> str:
    with store.uow() as uow:
        return Ideas(uow, throttle).submit_idea({"account_id": CAMILLE, "roles": ["citizen"]}, {
            "title": "Des bancs rue Manin", "description": "Pour s'asseoir en montant au parc.",
            "theme": "cadre_de_vie", "arrondissement": 19, "address_line": None,
            "author_pseudonym": "Camille du 11e"})["id"]


def decision(type_: str, idea_id: str, occurred_at: datetime, **payload) -> dict:
    return make_event(type=type_, version=1, producer="routing", subject={"kind": "idea", "id": idea_id},
                      payload={"decision_id": str(uuid.uuid4()), "idea_id": idea_id, "author_id": CAMILLE, **payload},
                      actor={"account_id": DOMINIQUE, "role": "agent"}, correlation_id="req-idea-submitted",
                      causation_id="req-agent", occurred_at=occurred_at)


def apply(store, throttle, envelope: dict) -> bool:
    with store.uow() as uow:
        return Ideas(uow, throttle).apply_routing_decision(envelope)


@pytest.mark.parametrize("rerouting_first", [False, True], ids=["in-order", "rerouting-overtakes"])
def test_the_idea_ends_on_routings_latest_decision_whichever_event_comes_last(store, throttle, rerouting_first):
    idea_id = submitted_idea(store, throttle)
    decided = datetime.now(timezone.utc) - timedelta(minutes=10)
    forwarded = decision("idea_forwarded", idea_id, decided, scheme="budget", scheme_kind="internal",
                         message="Déposez-la au budget participatif.", dossier_reference=None)
    # the agent re-routes it two minutes later (a new decision replacing the first)
    answered = decision("idea_answered", idea_id, decided + timedelta(minutes=2),
                        answer="Les bancs seront posés en juin.", direction="DVD")

    if rerouting_first:
        assert apply(store, throttle, answered) is True
        assert apply(store, throttle, forwarded) is False  # older than the decision already applied
    else:
        assert apply(store, throttle, forwarded) is True
        assert apply(store, throttle, answered) is True

    with store.uow() as uow:
        idea = Ideas(uow, throttle).get_idea(idea_id)
    assert idea["status"] == "answered"
    assert idea["history"][-1]["status"] == "answered"
    assert idea["history"][-1]["message"] == "Les bancs seront posés en juin."
    assert [step["status"] for step in idea["history"]] == (
        ["submitted", "answered"] if rerouting_first else ["submitted", "forwarded", "answered"])

"""Where a forwarded idea went (issue 15, section 4): the idea's timeline names what it became in another service —
the budget project drafted from it, the petition — so the pages can send a citizen there instead of offering to
support an idea that no longer takes supports."""
import uuid

from routing import schemas
from routing.handlers import History

from .test_handlers import clock, decide, event_of, received, run  # noqa: F401  (fixtures)


def test_the_timeline_names_the_project_and_the_petition_the_idea_became(run, ideas):
    idea_id = received(run, ideas, title="Aménager le square", description="Installer des bancs.")
    decision = decide(run, idea_id, scheme="budget")
    assert run(History, "idea_timeline", idea_id)["continued_as"] == []  # nothing drafted yet
    project, petition = str(uuid.uuid4()), str(uuid.uuid4())
    assert run(History, "record_event", event_of(
        "project_drafted", "budget", {"project_id": project, "cycle_id": "c", "origin_idea_id": idea_id,
                                      "decision_id": decision["id"]}, {"kind": "budget_project", "id": project}))
    assert run(History, "record_event", event_of(
        "petition_drafted", "petitions", {"petition_id": petition, "origin_idea_id": idea_id},
        {"kind": "petition", "id": petition}))
    timeline = schemas.TimelineSchema().dump(run(History, "idea_timeline", idea_id))
    assert timeline["continued_as"] == [{"kind": "budget_project", "id": project}, {"kind": "petition", "id": petition}]


def test_another_ideas_project_is_not_named(run, ideas):
    idea_id, other = received(run, ideas), received(run, ideas, title="Des bancs", description="Des bancs partout.")
    project = str(uuid.uuid4())
    assert run(History, "record_event", event_of(
        "project_drafted", "budget", {"project_id": project, "cycle_id": "c", "origin_idea_id": other},
        {"kind": "budget_project", "id": project}))
    assert run(History, "idea_timeline", idea_id)["continued_as"] == []

"""Events of one idea reach routing on different queues, in any order: the inbox ends the same whichever of the
idea box's `idea_status_changed` and `idea_submitted` is applied first (docs/architecture.md, "Replica safety")."""
import uuid
from datetime import datetime, timezone

import pytest

from hubkit.envelope import make_event
from routing.handlers import Context, History, Inbox, Receiving
from routing.settings import Settings

ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"], "direction": None}
AUTHOR = "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
SETTINGS = Settings(undo_seconds=0, allow_plain_http=True)


@pytest.fixture
def run(store, directions):
    now = datetime.now(timezone.utc).replace(microsecond=0)

    def run(cls, method, *args):
        with store.uow() as uow:
            return getattr(cls(Context(uow, SETTINGS, directions, lambda: now)), method)(*args)
    return run


def idea_event(event_type: str, idea_id: str, payload: dict) -> dict:
    return make_event(type=event_type, version=1, producer="ideas", subject={"kind": "idea", "id": idea_id},
                      payload={"idea_id": idea_id, **payload}, actor={"account_id": AUTHOR, "role": "citizen"},
                      correlation_id="req-citizen-click", causation_id="req-citizen-click")


@pytest.mark.parametrize("merge_first", [False, True], ids=["in-order", "merge-overtakes-submission"])
def test_an_idea_merged_in_the_idea_box_leaves_the_inbox_whichever_event_comes_first(run, ideas, merge_first):
    idea_id, kept_id = str(uuid.uuid4()), str(uuid.uuid4())
    submitted = idea_event("idea_submitted", idea_id, {"theme": "environnement", "arrondissement": 19})
    merged = idea_event("idea_status_changed", idea_id,
                        {"from_status": "submitted", "status": "merged", "scheme": None, "merged_into": kept_id})
    ideas.add(idea_id, "Végétaliser la rue Manin", "Des jardinières devant l'école.", author_id=AUTHOR,
              correlation_id="req-citizen-click", status="merged" if merge_first else "submitted")

    def receive():
        assert run(Receiving, "receive_idea", submitted, ideas.get_idea({"idea_id": idea_id})) is True

    if merge_first:
        assert run(History, "record_event", merged) is True
        receive()
    else:
        receive()
        assert run(History, "record_event", merged) is True

    item = run(Inbox, "get_item", ADMIN, idea_id)
    assert item["status"] == "merged"
    assert sorted(entry["type"] for entry in item["trace"]) == [
        "idea_routing_suggested", "idea_status_changed", "idea_submitted"]  # each step once, the merge included

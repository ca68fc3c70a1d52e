"""Reconciliation with the idea box on a real database (SQLite and PostgreSQL): the open ideas whose
`idea_submitted` never reached routing join the inbox once, as the event would have put them; the event, if it
still comes, adds nothing and gives the idea back its citizen's correlation id and author."""
import uuid
from datetime import timedelta

import pytest

from hubkit.rpc import PeerUnavailable
from routing import reconciliation
from routing.handlers import Inbox, RECOVERED_PREFIX
from routing.reconciliation import Reconciliation, Schedule
from routing.tracing import History

from .test_handlers import AGENT, AUTHOR, IMMEDIATE, NOW, clock, received, run, submitted  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


def missed(ideas, title="Végétaliser la rue Manin", description="Des jardinières devant l'école.",
           status="submitted", minutes_ago=5) -> str:
    """An idea of the idea box whose `idea_submitted` routing never received."""
    idea_id = str(uuid.uuid4())
    ideas.add(idea_id, title, description, status=status, arrondissement=19,
              created_at=NOW - timedelta(minutes=minutes_ago))
    return idea_id


@pytest.fixture
def reconcile(store, ideas, clock):  # noqa: F811
    return lambda: Reconciliation(ideas, store.uow, IMMEDIATE, clock=clock).run()


def test_open_ideas_the_event_path_missed_join_the_inbox_once_as_the_event_would_have_put_them(
        run, ideas, store, reconcile):  # noqa: F811
    waiting = missed(ideas, minutes_ago=30)
    missed(ideas, "Toute fraîche", "Son événement est en route vers le routage.", minutes_ago=0.5)
    studied = missed(ideas, "Un banc square Trousseau", "Un banc à l'ombre pour les parents.", status="under_review")
    missed(ideas, "Déjà traitée", "Une idée à laquelle la Ville a répondu.", status="answered")
    delivered = received(run, ideas, title="Une fontaine place des Fêtes", description="Pour boire l'été.")
    before, calls = store.rows("trace_entries"), len(ideas.calls)

    result = reconcile()

    assert result["recovered"] == [waiting, studied] and result["checked"] == 4 and result["deferred"] == 1
    assert [data for call, data in ideas.calls[calls:] if call == "get_idea"] == [
        {"idea_id": waiting}, {"idea_id": studied}]  # never about the idea it holds
    item = run(Inbox, "get_item", AGENT, waiting)
    by_event = run(Inbox, "get_item", AGENT, delivered)
    assert item["status"] == "waiting" and item["suggested_scheme"] == "greening_permit"
    assert "« jardinière »" in item["suggestion_reason"] and item["direction"] == "DEVE"
    assert item["deadline_at"] == NOW + timedelta(days=30) and item["arrondissement"] == 19
    assert item["checklist"] == run(Inbox, "get_item", AGENT, received(run, ideas))["checklist"]
    assert item["correlation_id"].startswith(RECOVERED_PREFIX) and item["submitted_at"] == NOW - timedelta(minutes=30)
    submission, suggestion = item["trace"]
    assert submission["type"] == "idea_submitted" and submission["summary"] == by_event["trace"][0]["summary"]
    assert "Retrouvée par le rapprochement" in submission["agent_note"]
    assert submission["correlation_id"] == suggestion["correlation_id"] == item["correlation_id"]
    assert [e["correlation_id"] for e in store.events("idea_routing_suggested")
            if e["payload"]["idea_id"] == waiting] == [item["correlation_id"]]
    assert [entry["type"] for entry in run(History, "idea_timeline", waiting)["entries"]] == [
        "idea_submitted", "idea_routing_suggested"]
    # the idea already there is left alone
    assert [row for row in store.rows("trace_entries") if row.idea_id == delivered] == [
        row for row in before if row.idea_id == delivered]

    snapshot = store.snapshot()
    assert reconcile()["recovered"] == [] and store.snapshot() == snapshot


def test_an_idea_younger_than_the_grace_is_left_to_its_event_then_recovered(
        ideas, store, reconcile, clock):  # noqa: F811
    idea_id = missed(ideas, minutes_ago=0.5)
    result = reconcile()
    assert (result["recovered"], result["deferred"]) == ([], 1) and store.rows("inbox_items") == []
    clock.advance(seconds=31)
    assert reconcile()["recovered"] == [idea_id]


def test_an_event_arriving_after_reconciliation_adds_nothing_and_restores_the_citizens_chain(
        run, ideas, store, reconcile, clock):  # noqa: F811
    envelope = submitted(ideas)  # published, but not delivered yet (the ideas outbox waited for the broker)
    idea_id = envelope["payload"]["idea_id"]
    clock.advance(minutes=5)
    assert reconcile()["recovered"] == [idea_id]
    recovered = run(Inbox, "get_item", AGENT, idea_id)
    assert recovered["correlation_id"].startswith(RECOVERED_PREFIX)

    assert run(Inbox, "receive_idea", envelope, ideas.get_idea({"idea_id": idea_id})) is False
    assert run(Inbox, "receive_idea", envelope, ideas.get_idea({"idea_id": idea_id})) is False  # redelivered

    assert len(store.rows("inbox_items")) == 1 and len(store.rows("trace_entries")) == 2
    assert len(store.events("idea_routing_suggested")) == 1
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert item["correlation_id"] == "req-citizen-click" and item["deadline_at"] == recovered["deadline_at"]
    assert store.one("inbox_items").author_id == AUTHOR  # told by e-mail of what becomes of the idea
    [submission] = run(History, "lookup", AGENT, "req-citizen-click")["entries"]
    assert submission["type"] == "idea_submitted" and "rétabli" in submission["agent_note"]


def test_an_event_applied_while_reconciliation_runs_wins_and_the_idea_is_there_once(run, ideas, store,
                                                                                     clock):  # noqa: F811
    envelope = submitted(ideas)
    idea_id = envelope["payload"]["idea_id"]

    class EventMeanwhile:
        """The event is applied between the listing and the question about the idea."""
        list_ideas = ideas.list_ideas

        def get_idea(self, data):
            run(Inbox, "receive_idea", envelope, ideas.get_idea(data))
            return ideas.get_idea(data)

    clock.advance(minutes=5)
    assert Reconciliation(EventMeanwhile(), store.uow, IMMEDIATE, clock=clock).run()["recovered"] == []
    assert len(store.rows("inbox_items")) == 1 and len(store.rows("trace_entries")) == 2
    assert run(Inbox, "get_item", AGENT, idea_id)["correlation_id"] == "req-citizen-click"


def test_every_page_of_open_ideas_is_read(ideas, store, reconcile, monkeypatch):
    monkeypatch.setattr(reconciliation, "PAGE_SIZE", 2)
    ids = [missed(ideas, f"Idée numéro {n}", "Une description assez longue.", minutes_ago=5 + n) for n in range(5)]
    assert sorted(reconcile()["recovered"]) == sorted(ids)
    assert [call[1]["offset"] for call in ideas.calls if call[0] == "list_ideas"] == [0, 2, 4, 0]
    assert len(store.rows("inbox_items")) == 5


def test_an_idea_box_that_does_not_answer_writes_nothing_and_is_asked_again_later(ideas, store, reconcile):
    idea_id = missed(ideas)
    snapshot = store.snapshot()
    ideas.down = True
    with pytest.raises(PeerUnavailable):
        reconcile()
    assert store.snapshot() == snapshot
    ideas.down = False
    assert reconcile()["recovered"] == [idea_id]


def test_the_schedule_runs_soon_after_start_then_every_interval_and_sooner_after_a_failure():
    now = [1000.0]
    schedule = Schedule(300, retry=10, grace=60, monotonic=lambda: now[0])
    assert schedule.due()
    schedule.done(succeeded=False)
    now[0] += 9
    assert not schedule.due()
    now[0] += 1
    assert schedule.due()
    schedule.done(succeeded=True)
    now[0] += 299
    assert not schedule.due()
    now[0] += 1
    assert schedule.due()
    schedule.done(succeeded=True, deferred=2)  # ideas too young to recover: looked at once they are old enough
    now[0] += 60
    assert schedule.due()

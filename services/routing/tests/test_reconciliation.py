"""Reconciliation with the idea box on a real database (SQLite and PostgreSQL): the open ideas whose
`idea_submitted` never reached routing join the inbox once, as the event would have put them (their author, the
citizen's correlation id), reading the ideas `submissions` feed from where the previous run stopped; the event,
if it still comes, adds nothing."""
import uuid
from datetime import timedelta

import pytest

from hubkit.errors import NotFound, ServiceUnavailable
from hubkit.rpc import PeerUnavailable
from routing.handlers import History, Inbox, Receiving, reconciliation
from routing.handlers.receiving import RECOVERED_PREFIX
from routing.handlers.reconciliation import Reconciliation, Schedule

from .conftest import TABLES
from . import test_handlers
from .test_handlers import AGENT, AUTHOR, IMMEDIATE, clock, received, run, submitted  # noqa: F401 (fixtures)


def missed(ideas, title="Végétaliser la rue Manin", description="Des jardinières devant l'école.",
           status="submitted", minutes_ago=5, correlation_id="req-citizen-click", author_id=AUTHOR) -> str:
    """An idea of the idea box whose `idea_submitted` routing never received."""
    idea_id = str(uuid.uuid4())
    ideas.add(idea_id, title, description, status=status, arrondissement=19,
              created_at=test_handlers.NOW - timedelta(minutes=minutes_ago), author_id=author_id,
              correlation_id=correlation_id)
    return idea_id


@pytest.fixture
def reconcile(store, ideas, clock):  # noqa: F811
    return lambda **options: Reconciliation(ideas, store.uow, IMMEDIATE, clock=clock).run(**options)


def feed_calls(ideas) -> list:
    return [data["after"] for data in ideas.data_of("submissions")]


def test_open_ideas_the_event_path_missed_join_the_inbox_once_with_their_author_and_the_citizens_chain(
        run, ideas, store, reconcile):  # noqa: F811
    waiting = missed(ideas, minutes_ago=30, correlation_id="req-click-waiting")
    missed(ideas, "Déjà traitée", "Une idée à laquelle la Ville a répondu.", status="answered", minutes_ago=20)
    studied = missed(ideas, "Un banc square Trousseau", "Un banc à l'ombre pour les parents.", status="under_review",
                     minutes_ago=10, correlation_id="req-click-studied")
    missed(ideas, "Toute fraîche", "Son événement est en route vers le routage.", minutes_ago=0.5)
    delivered = received(run, ideas, title="Une fontaine place des Fêtes", description="Pour boire l'été.")
    before, calls = store.rows("trace_entries"), len(ideas.calls)

    result = reconcile()

    assert result["recovered"] == [waiting, studied] and result["checked"] == 5 and result["deferred"] == 1
    assert [args[0] for call, args in ideas.calls[calls:] if call == "get_idea"] == [
        {"idea_id": waiting}, {"idea_id": studied}]  # never about the idea it holds, nor the answered one
    item = run(Inbox, "get_item", AGENT, waiting)
    by_event = run(Inbox, "get_item", AGENT, delivered)
    assert item["status"] == "waiting" and item["suggested_scheme"] == "greening_permit"
    assert "« jardinières »" in item["suggestion_reason"] and item["direction"] == "DEVE"
    assert item["deadline_at"] == test_handlers.NOW + timedelta(days=30) and item["arrondissement"] == 19
    assert item["checklist"] == run(Inbox, "get_item", AGENT, received(run, ideas))["checklist"]
    assert item["correlation_id"] == "req-click-waiting"
    assert item["submitted_at"] == test_handlers.NOW - timedelta(minutes=30)
    assert store.one("inbox_items", TABLES["inbox_items"].c.idea_id == waiting).author_id == AUTHOR
    submission, suggestion = item["trace"]
    assert submission["type"] == "idea_submitted" and submission["summary"] == by_event["trace"][0]["summary"]
    assert "Retrouvée par le rapprochement" in submission["agent_note"] and "repris" in submission["agent_note"]
    assert submission["correlation_id"] == suggestion["correlation_id"] == "req-click-waiting"
    assert [e["correlation_id"] for e in store.events("idea_routing_suggested")
            if e["payload"]["idea_id"] == waiting] == ["req-click-waiting"]
    # the click's correlation id finds the whole chain, as for an idea whose event came
    assert [entry["type"] for entry in run(History, "lookup", AGENT, "req-click-waiting")["entries"]] == [
        "idea_submitted", "idea_routing_suggested"]
    assert [entry["type"] for entry in run(History, "idea_timeline", waiting)["entries"]] == [
        "idea_submitted", "idea_routing_suggested"]
    # the idea already there is left alone
    assert [row for row in store.rows("trace_entries") if row.idea_id == delivered] == [
        row for row in before if row.idea_id == delivered]

    snapshot, calls = store.snapshot(), len(ideas.calls)
    assert reconcile()["recovered"] == [] and store.snapshot() == snapshot
    assert [call for call, _ in ideas.calls[calls:]] == ["submissions"]  # one call: only what came since


def test_an_idea_younger_than_the_grace_is_left_to_its_event_and_the_cursor_waits_before_it(
        ideas, store, reconcile, clock):  # noqa: F811
    idea_id = missed(ideas, minutes_ago=0.5)
    result = reconcile()
    assert (result["recovered"], result["deferred"]) == ([], 1) and store.rows("inbox_items") == []
    assert store.rows("reconciliation_cursors") == []
    clock.advance(seconds=31)
    assert reconcile()["recovered"] == [idea_id]
    assert feed_calls(ideas) == [None, None]


def test_an_event_arriving_after_reconciliation_adds_nothing(run, ideas, store, reconcile, clock):  # noqa: F811
    envelope = submitted(ideas)  # published, but not delivered yet (the ideas outbox waited for the broker)
    idea_id = envelope["payload"]["idea_id"]
    clock.advance(minutes=5)
    assert reconcile()["recovered"] == [idea_id]
    recovered = run(Inbox, "get_item", AGENT, idea_id)
    snapshot = store.snapshot()

    assert run(Receiving, "receive_idea", envelope, ideas.get_idea({"idea_id": idea_id})) is False
    assert run(Receiving, "receive_idea", envelope, ideas.get_idea({"idea_id": idea_id})) is False  # redelivered

    assert store.snapshot() == snapshot
    assert run(Inbox, "get_item", AGENT, idea_id) == recovered
    assert recovered["correlation_id"] == "req-citizen-click" and store.one("inbox_items").author_id == AUTHOR


def test_an_idea_the_idea_box_knows_no_chain_of_gets_a_fresh_one_that_a_late_event_replaces(
        run, ideas, store, reconcile, clock):  # noqa: F811
    envelope = submitted(ideas)
    idea_id = envelope["payload"]["idea_id"]
    ideas.ideas[idea_id].update(correlation_id=None, author_id=None)  # e.g. submitted before ideas kept them
    clock.advance(minutes=5)
    assert reconcile()["recovered"] == [idea_id]
    recovered = run(Inbox, "get_item", AGENT, idea_id)
    assert recovered["correlation_id"].startswith(RECOVERED_PREFIX) and "inconnu" in recovered["trace"][0]["agent_note"]

    assert run(Receiving, "receive_idea", envelope, ideas.get_idea({"idea_id": idea_id})) is False
    assert len(store.rows("inbox_items")) == 1 and len(store.rows("trace_entries")) == 2
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
        submissions = ideas.submissions

        def get_idea(self, data):
            run(Receiving, "receive_idea", envelope, ideas.get_idea(data))
            return ideas.get_idea(data)

    clock.advance(minutes=5)
    assert Reconciliation(EventMeanwhile(), store.uow, IMMEDIATE, clock=clock).run()["recovered"] == []
    assert len(store.rows("inbox_items")) == 1 and len(store.rows("trace_entries")) == 2
    assert run(Inbox, "get_item", AGENT, idea_id)["correlation_id"] == "req-citizen-click"


def test_each_run_reads_the_feed_from_where_the_last_one_stopped(ideas, store, reconcile, monkeypatch):
    monkeypatch.setattr(reconciliation, "PAGE_SIZE", 2)
    ids = [missed(ideas, f"Idée numéro {n}", "Une description assez longue.", minutes_ago=50 - n) for n in range(5)]
    assert reconcile()["recovered"] == ids
    first = [item["cursor"] for item in ideas.submissions({"after": None, "limit": 5})["items"]]
    assert feed_calls(ideas)[:3] == [None, first[1], first[3]]
    assert store.one("reconciliation_cursors").cursor == first[4]

    later = missed(ideas, "Une idée de plus", "Déposée pendant que le routage était arrêté.", minutes_ago=10)
    ideas.calls.clear()
    result = reconcile()
    assert (result["recovered"], result["checked"]) == ([later], 1) and feed_calls(ideas) == [first[4]]

    ideas.calls.clear()  # from the start: every idea read again, nothing added twice
    snapshot = store.snapshot()
    result = reconcile(from_start=True)
    assert (result["recovered"], result["checked"]) == ([], 6) and feed_calls(ideas) == [None, first[1], first[3]]
    assert {k: v for k, v in store.snapshot().items() if k != "reconciliation_cursors"} == {
        k: v for k, v in snapshot.items() if k != "reconciliation_cursors"}


def test_an_idea_box_that_does_not_answer_writes_nothing_and_is_asked_again_later(ideas, store, reconcile):
    idea_id = missed(ideas)
    snapshot = store.snapshot()
    ideas.down = PeerUnavailable("submissions timed out")
    with pytest.raises(PeerUnavailable):
        reconcile()
    assert store.snapshot() == snapshot
    ideas.down = None
    assert reconcile()["recovered"] == [idea_id]


def test_a_run_stopped_midway_keeps_what_it_recovered_and_the_next_resumes_before_the_idea_it_missed(
        ideas, store, clock, monkeypatch):  # noqa: F811
    monkeypatch.setattr(reconciliation, "PAGE_SIZE", 2)
    ids = [missed(ideas, f"Idée numéro {n}", "Une description assez longue.", minutes_ago=50 - n) for n in range(4)]
    gone = missed(ideas, "Effacée depuis", "Une idée que la boîte à idées ne connaît plus.", minutes_ago=5)

    class FailingOnce:
        """The command line's ideas: the third idea's question times out once; the fifth is gone."""
        submissions, failed = ideas.submissions, False

        def get_idea(self, data):
            if data["idea_id"] == ids[2] and not self.failed:
                self.failed = True
                raise ServiceUnavailable(details={"reason": "get_idea timed out"})
            if data["idea_id"] == gone:
                raise NotFound("Idée introuvable.")
            return ideas.get_idea(data)

    flaky = FailingOnce()
    with pytest.raises(ServiceUnavailable):
        Reconciliation(flaky, store.uow, IMMEDIATE, clock=clock).run()
    assert sorted(item.idea_id for item in store.rows("inbox_items")) == sorted(ids[:2])
    result = Reconciliation(flaky, store.uow, IMMEDIATE, clock=clock).run()
    assert result["recovered"] == ids[2:] and result["checked"] == 3  # from the third idea on
    assert len(store.rows("inbox_items")) == 4


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

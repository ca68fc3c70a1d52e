"""Batched calls: many callers share one RPC and one transaction, each gets its own outcome and keeps its ids."""
from contextlib import contextmanager

import eventlet
import pytest
import sqlalchemy as sa

from hubkit import batching
from hubkit.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from hubkit.rpc import RpcPool
from hubkit_sample_services import NotesService, metadata, unit_of_work


def test_outcomes_travel_as_plain_dicts_and_come_back_as_the_same_errors():
    wire = batching.answer([{"written": 1}, NotFound("absent", {"id": 3}), None])
    assert wire == [{"ok": {"written": 1}},
                    {"error": "NOT_FOUND", "message": "absent", "details": {"id": 3}},
                    {"ok": None}]
    error = batching.error_from(wire[1])
    assert isinstance(error, NotFound) and error.message == "absent" and error.details == {"id": 3}


def test_an_error_with_a_code_of_its_own_comes_back_as_its_class():
    [wire] = batching.answer([Conflict("Déjà signé.", code="ALREADY_SIGNED")])
    assert wire == {"error": "ALREADY_SIGNED", "message": "Déjà signé.", "details": {}, "kind": "CONFLICT"}
    error = batching.error_from(wire)
    assert isinstance(error, Conflict) and error.code == "ALREADY_SIGNED" and error.message == "Déjà signé."


def test_a_malformed_batch_is_refused_but_a_malformed_item_is_only_empty():
    with pytest.raises(InvalidInput):
        batching.unpack({"not": "a list"})
    [item] = batching.unpack(["garbage"])
    assert item.payload == {} and item.context == {"correlation_id": None, "causation_id": None}


def test_an_item_without_ids_keeps_the_workers_ids():
    from hubkit import correlation
    tokens = correlation.bind("worker-id")
    try:
        with batching.bound(batching.BatchItem({}, {})):
            assert correlation.current() == ("worker-id", "worker-id")
        with batching.bound(batching.BatchItem({"correlation_id": "req-1", "causation_id": None}, {})):
            assert correlation.current() == ("req-1", "req-1")
        assert correlation.current() == ("worker-id", "worker-id")
    finally:
        correlation.unbind(tokens)


@pytest.mark.integration
def test_concurrent_calls_share_batches_and_each_gets_its_own_outcome(rabbit_config, container_factory, infra_db):
    container_factory(NotesService, rabbit_config).start()
    pool = RpcPool(rabbit_config["AMQP_URI"], size=4, timeout=5)
    batcher = batching.CallBatcher(pool, "hubkit_notes", "write_notes", max_items=16, max_wait=0.01)

    def write(number):
        text = "" if number % 10 == 3 else "refused" if number % 10 == 7 else f"note {number}"
        try:
            return number, batcher.call({"text": text}, {"correlation_id": f"req-{number}",
                                                         "causation_id": f"req-{number}"})
        except (InvalidInput, Conflict) as error:
            return number, type(error).__name__

    try:
        outcomes = dict(eventlet.GreenPool(40).imap(write, range(40)))
    finally:
        pool.close()

    for number, outcome in outcomes.items():
        expected = ("InvalidInput" if number % 10 == 3 else "Conflict" if number % 10 == 7
                    else {"written": f"note {number}"})
        assert outcome == expected
    assert batcher.batches_sent <= 8  # 40 callers, batches of up to 16: not one call each
    with unit_of_work(infra_db) as uow:
        envelopes = [row.envelope for row in uow.session.execute(sa.select(metadata.tables["outbox_events"]))]
    assert len(envelopes) == 32
    for envelope in envelopes:
        number = int(envelope["payload"]["text"].split()[1])
        assert envelope["correlation_id"] == f"req-{number}"


@pytest.mark.integration
def test_when_the_service_is_absent_every_caller_is_told_at_once(rabbit_config):
    pool = RpcPool(rabbit_config["AMQP_URI"], size=1, timeout=2)
    batcher = batching.CallBatcher(pool, "nobody_here", "write_notes", max_items=4, max_wait=0.005)
    try:
        results = list(eventlet.GreenPool(6).imap(lambda n: _outcome(batcher, n), range(6)))
    finally:
        pool.close()
    assert results == ["ServiceUnavailable"] * 6


def _outcome(batcher, number):
    try:
        batcher.call({"text": str(number)}, {"correlation_id": f"req-{number}"})
    except ServiceUnavailable as error:
        return type(error).__name__


class SlowNotes:
    """A pool whose `hubkit_notes.write_notes` takes 30 ms a batch and records what it saw."""

    def __init__(self):
        self.batch_sizes, self.in_flight, self.most_in_flight = [], 0, 0

    @contextmanager
    def cluster(self, context):
        yield self

    @property
    def hubkit_notes(self):
        return self

    def write_notes(self, request):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        eventlet.sleep(0.03)
        self.in_flight -= 1
        self.batch_sizes.append(len(request))
        return [{"ok": item["payload"]["n"]} for item in request]


def test_while_the_service_is_busy_commands_pile_up_and_leave_together():
    pool = SlowNotes()
    batcher = batching.CallBatcher(pool, "hubkit_notes", "write_notes", max_items=1000, max_wait=0.001,
                                   max_in_flight=2)

    def caller(n):
        eventlet.sleep(n * 0.001)  # 200 commands arriving over 200 ms
        return batcher.call({"n": n}, {"correlation_id": f"req-{n}"})

    assert list(eventlet.GreenPool(200).imap(caller, range(200))) == list(range(200))
    assert pool.most_in_flight == 2
    assert sum(pool.batch_sizes) == 200 and len(pool.batch_sizes) <= 20  # not 200 calls of one


class StalledNotes:
    """A pool whose service took the first batches and never answers them (it is restarting); the ones sent after
    are answered."""

    def __init__(self, stalled: int):
        self.stalled, self.sent, self.release = stalled, [], eventlet.event.Event()

    @contextmanager
    def cluster(self, context):
        yield self

    @property
    def hubkit_notes(self):
        return self

    def write_notes(self, request):
        self.sent.append(len(request))
        if len(self.sent) <= self.stalled:
            self.release.wait()  # as long as the test says: the RPC timeout of a batch nobody answers
            raise ServiceUnavailable(details={"reason": "RpcTimeout"})
        return [{"ok": item["payload"]["n"]} for item in request]


def test_a_stalled_batch_does_not_hold_the_next_ones_back():
    pool = StalledNotes(stalled=1)
    batcher = batching.CallBatcher(pool, "hubkit_notes", "write_notes", max_wait=0.001, max_in_flight=1,
                                   stall_seconds=0.05)
    first = eventlet.spawn(batcher.call, {"n": 1}, {})
    eventlet.sleep(0.01)  # the first batch is in flight, not answered
    with eventlet.Timeout(2):  # without the stall rule it would wait for the first (here: forever)
        assert batcher.call({"n": 2}, {}) == 2  # sent once the first stalled, answered while it still waits
    assert pool.sent == [1, 1]
    pool.release.send()
    with pytest.raises(ServiceUnavailable):
        first.wait()


def test_stalled_batches_make_room_for_as_many_again_and_no_more():
    pool = StalledNotes(stalled=10)
    batcher = batching.CallBatcher(pool, "hubkit_notes", "write_notes", max_wait=0.001, max_in_flight=2,
                                   stall_seconds=0.02)
    callers = []
    for n in range(8):
        callers.append(eventlet.spawn(batcher.call, {"n": n}, {}))
        eventlet.sleep(0.03)  # each command arrives after the batches before it stalled
    assert len(pool.sent) == 4  # 2 moving, then 2 more once those stalled; the rest wait
    pool.release.send()
    for caller in callers:
        with pytest.raises(ServiceUnavailable):
            caller.wait()

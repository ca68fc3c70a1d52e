"""The envelope is validated on both sides: what a producer builds and what a consumer receives."""
import uuid

import pytest

from hubkit.envelope import load_envelope, make_event
from hubkit.errors import InvalidInput


def event(**overrides):
    fields = dict(type="account_registered", version=1, producer="accounts",
                  subject={"kind": "account", "id": "a-1"}, payload={"account_id": "a-1"},
                  correlation_id="req-1", causation_id="req-1", actor={"account_id": "a-1", "role": "citizen"})
    fields.update(overrides)
    return make_event(**fields)


def test_an_event_carries_every_envelope_field():
    envelope = event()
    assert set(envelope) == {"event_id", "type", "version", "occurred_at", "producer", "correlation_id",
                             "causation_id", "actor", "subject", "payload"}
    uuid.UUID(envelope["event_id"])
    assert envelope["occurred_at"].endswith("+00:00")
    assert load_envelope(envelope)["type"] == "account_registered"


def test_each_event_gets_its_own_id():
    assert event()["event_id"] != event()["event_id"]


def test_without_an_actor_the_system_acted():
    assert event(actor=None)["actor"] == {"account_id": None, "role": "system"}


@pytest.mark.parametrize("overrides, field", [
    ({"type": "AccountRegistered"}, "type"),
    ({"version": 0}, "version"),
    ({"actor": {"account_id": "a-1", "role": "mayor"}}, "actor"),
    ({"subject": {"kind": "account"}}, "subject"),
    ({"correlation_id": ""}, "correlation_id"),
])
def test_an_invalid_envelope_is_refused_with_the_field_at_fault(overrides, field):
    with pytest.raises(InvalidInput) as refused:
        event(**overrides)
    assert field in refused.value.details


def test_a_received_envelope_missing_fields_is_refused():
    envelope = event()
    del envelope["causation_id"], envelope["payload"]
    with pytest.raises(InvalidInput) as refused:
        load_envelope(envelope)
    assert set(refused.value.details) == {"causation_id", "payload"}


def test_a_received_non_object_is_refused():
    with pytest.raises(InvalidInput):
        load_envelope(["not", "an", "envelope"])

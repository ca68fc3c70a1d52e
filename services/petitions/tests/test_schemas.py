"""The short way of loading a signature of a batch gives what the schema gives, or leaves the item to the schema."""
import copy
import itertools
import uuid

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load
from petitions import schemas

PETITION_ID, ACCOUNT_ID = str(uuid.uuid4()), str(uuid.uuid4())


def gateway_item(**changes) -> dict:
    """A signature as the gateway sends it."""
    return {"connection": {"lives": True, "works": False, "studies": False}, "notify": False,
            "actor": {"account_id": ACCOUNT_ID, "roles": ["citizen"]}, "petition_id": PETITION_ID,
            "client": {"ip": "203.0.113.7"}, **changes}


MISSING = object()
# (path, values) each tried in place of the gateway's value: valid ones, odd ones the schema accepts, bad ones.
VARIANTS = [
    (("petition_id",), [MISSING, None, "", "pas-un-identifiant", PETITION_ID.upper(), PETITION_ID.replace("-", ""),
                        f"{{{PETITION_ID}}}", f"urn:uuid:{PETITION_ID}", 12, uuid.UUID(PETITION_ID),
                        PETITION_ID.encode()]),
    (("actor",), [MISSING, None, "acteur", [], {}, {"account_id": ACCOUNT_ID},
                  {"account_id": ACCOUNT_ID, "roles": ["citizen"], "extra": 1}]),
    (("actor", "account_id"), [MISSING, None, "x", ACCOUNT_ID.upper(), 3]),
    (("actor", "roles"), [MISSING, None, [], ["a" * 32], ["a" * 33], ["citizen"] * 10, ["citizen"] * 11, [1],
                          "citizen", ("citizen",), [None]]),
    (("connection",), [MISSING, None, {}, {"lives": True}, {"works": True, "studies": True}, {"other": True},
                       "lives", []]),
    (("connection", "lives"), [MISSING, None, True, False, "true", "false", 1, 0, "yes", "maybe", 2]),
    (("notify",), [MISSING, None, True, False, "true", 1, 0, "on", "nope"]),
    (("client",), [MISSING, None, {}, {"ip": ""}, {"user_agent": "Firefox"}, {"ip": "1" * 45}, {"ip": "1" * 46},
                   {"ip": "1.2.3.4", "user_agent": "u" * 300}, {"ip": "1.2.3.4", "user_agent": "u" * 301},
                   {"ip": 1234}, {"ip": None}, {"port": 80}, "203.0.113.7"]),
    (("unknown",), [MISSING, None, 1]),
]


def set_at(item: dict, path: tuple, value) -> dict:
    """`item` with the value at `path` replaced (MISSING: removed)."""
    target = item
    for key in path[:-1]:
        target = target[key]
    if value is MISSING:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return item


def with_value(path: tuple, value) -> dict:
    return set_at(copy.deepcopy(gateway_item()), path, value)


def payloads():
    yield gateway_item()
    for path, values in VARIANTS:
        for value in values:
            yield with_value(path, value)
    for (first, first_values), (second, second_values) in itertools.combinations(VARIANTS, 2):
        if first[0] == second[0]:
            continue
        for a, b in itertools.product(first_values[:4], second_values[:4]):
            item = with_value(first, a)
            if isinstance(item.get(second[0]), dict) or len(second) == 1:
                set_at(item, second, b)
            yield item


def schema_answer(payload):
    try:
        return "ok", load(schemas.SignItemSchema(), payload)
    except InvalidInput as error:
        return "error", error.details


def test_what_the_short_way_loads_is_what_the_schema_loads_and_the_rest_goes_to_the_schema():
    shortcuts = 0
    for payload in payloads():
        expected = schema_answer(payload)
        short = schemas._plain_sign_item(copy.deepcopy(payload))
        if short is not None:
            shortcuts += 1
            assert expected == ("ok", short), payload
        try:
            answer = "ok", schemas.load_sign_item(copy.deepcopy(payload))
        except InvalidInput as error:
            answer = "error", error.details
        assert answer == expected, payload
    assert shortcuts > 50


@pytest.mark.parametrize("payload", [gateway_item(), gateway_item(notify=True, client={}),
                                     gateway_item(connection={"works": True}, client={"ip": "2001:db8::1",
                                                                                      "user_agent": "Firefox"})])
def test_what_the_gateway_sends_takes_the_short_way(payload):
    loaded = schemas._plain_sign_item(payload)
    assert loaded is not None and loaded == load(schemas.SignItemSchema(), payload)
    assert isinstance(loaded["petition_id"], uuid.UUID) and isinstance(loaded["actor"]["account_id"], uuid.UUID)


def test_the_short_way_does_not_share_the_callers_lists():
    payload = gateway_item()
    loaded = schemas._plain_sign_item(payload)
    loaded["actor"]["roles"].append("admin")
    assert payload["actor"]["roles"] == ["citizen"]

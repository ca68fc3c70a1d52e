"""The ballot hot path's loaders and dump give exactly what marshmallow gives (or leave the item to marshmallow)."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from budget.schemas import (ActorSchema, BallotReceiptSchema, BallotSchema, dump_ballot_receipt, quick_actor,
                            quick_ballot)
from marshmallow import ValidationError

ID, OTHER = "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d"
ODD_IDS = [ID.upper(), ID.replace("-", "") + "----", "{" + ID[1:-1] + "}", "urn:uuid:" + ID, ID[:-1] + "g", "",
           ID[:-1], 42, None, uuid.UUID(ID), ID.encode(), [ID]]

WELL_FORMED_ACTORS = [{"account_id": ID, "roles": ["citizen"]}, {"account_id": ID},
                      {"account_id": ID, "roles": ["citizen", "agent"], "direction": "DVD"},
                      {"account_id": ID, "roles": [], "direction": None},
                      {"account_id": ID.upper(), "roles": ["x" * 32]}]
ODD_ACTORS = [None, [], "x", {}, {"account_id": ID, "extra": 1}, {"account_id": ID, "roles": None},
              {"account_id": ID, "roles": "citizen"}, {"account_id": ID, "roles": ("citizen",)},
              {"account_id": ID, "roles": ["citizen"] * 11}, {"account_id": ID, "roles": ["x" * 33]},
              {"account_id": ID, "roles": [1]}, {"account_id": ID, "direction": 3},
              {"account_id": ID, "direction": "D" * 17},
              *({"account_id": value} for value in ODD_IDS)]
WELL_FORMED_BALLOTS = [
    {"cycle_id": ID, "paris_projects": [OTHER, ID], "sector": "paris-19", "sector_projects": [OTHER]},
    {"cycle_id": ID, "paris_projects": [OTHER]}, {"cycle_id": ID}, {"cycle_id": ID, "sector": None},
    {"cycle_id": ID, "paris_projects": [ID] * 50, "sector_projects": [], "sector": "paris-centre"},
    {"cycle_id": ID, "paris_projects": [OTHER, OTHER]},  # a rule, not the schema, refuses a project chosen twice
]
ODD_BALLOTS = [None, {}, {"cycle_id": ID, "extra": []}, {"cycle_id": ID, "paris_projects": None},
               {"cycle_id": ID, "paris_projects": [ID] * 51}, {"cycle_id": ID, "sector_projects": (ID,)},
               {"cycle_id": ID, "sector_projects": ID}, {"cycle_id": ID, "sector": "x" * 17},
               {"cycle_id": ID, "sector": "paris-4"},  # not a sector: Paris Centre took in the 1st to the 4th
               {"cycle_id": ID, "sector": 19}, *({"cycle_id": value} for value in ODD_IDS),
               *({"cycle_id": ID, "paris_projects": [OTHER, value]} for value in ODD_IDS)]


def marshmallow(schema, data):
    try:
        return schema.load(data)
    except ValidationError:
        return "refused"


@pytest.mark.parametrize("quick, schema, data", [
    *((quick_actor, ActorSchema(), data) for data in WELL_FORMED_ACTORS + ODD_ACTORS),
    *((quick_ballot, BallotSchema(), data) for data in WELL_FORMED_BALLOTS + ODD_BALLOTS)])
def test_a_quickly_loaded_item_is_what_marshmallow_loads(quick, schema, data):
    loaded = quick(data)
    if data in WELL_FORMED_ACTORS or data in WELL_FORMED_BALLOTS:
        assert loaded is not None
    if loaded is not None:  # else marshmallow loads it (and words the errors)
        expected = marshmallow(schema, data)
        assert loaded == expected and list(loaded) == list(expected)
        assert [type(value) for value in loaded.values()] == [type(value) for value in expected.values()]


def test_a_default_list_is_new_for_every_item():
    first, second = quick_actor({"account_id": ID}), quick_ballot({"cycle_id": ID})
    first["roles"].append("admin")
    second["paris_projects"].append(ID)
    assert quick_actor({"account_id": ID})["roles"] == [] and quick_ballot({"cycle_id": ID})["paris_projects"] == []


@pytest.mark.parametrize("receipt", [
    {"cycle_id": ID, "receipt": "ab12" * 6, "replaced": False, "paris_projects": [ID, OTHER], "sector": "paris-19",
     "sector_projects": [OTHER], "cast_at": datetime(2026, 9, 10, 8, 30, 1, 123456, tzinfo=timezone.utc)},
    {"cycle_id": ID, "receipt": "ab12" * 6, "replaced": True, "paris_projects": [], "sector": None,
     "sector_projects": [], "cast_at": datetime(2026, 9, 10, 8, 30, tzinfo=timezone(timedelta(hours=2)))},
])
def test_a_receipt_is_dumped_as_the_schema_dumps_it(receipt):
    assert json.dumps(dump_ballot_receipt(receipt)) == json.dumps(BallotReceiptSchema().dump(receipt))

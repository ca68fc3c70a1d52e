"""What crosses the wire from the accounts service."""
import json
from datetime import date

import pytest

from accounts.schemas import (EligibilityAttributesSchema, dump_eligibility_attributes,
                              dump_eligibility_attributes_many)

SECTOR = {"code": "paris-centre", "label": "Paris Centre", "insee": "75123"}


@pytest.mark.parametrize("attributes", [
    {"account_id": "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "lives_in_paris": True, "arrondissement": 3,
     "sector": SECTOR, "birth_date": date(2008, 2, 29), "certification": "verified", "email_verified": True},
    {"account_id": "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "lives_in_paris": False, "arrondissement": None,
     "sector": None, "birth_date": None, "certification": "declared", "email_verified": False},
    {"account_id": "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "lives_in_paris": None, "arrondissement": 20,
     "sector": {"code": "paris-20", "label": "20e arrondissement", "insee": "75120"}, "birth_date": date(1931, 1, 1),
     "certification": None, "email_verified": False},
])
def test_eligibility_attributes_are_dumped_as_the_schema_dumps_them(attributes):
    """The hot path's dump without marshmallow: the same values, types and key order on the wire."""
    dumped = dump_eligibility_attributes(attributes)
    assert json.dumps(dumped) == json.dumps(EligibilityAttributesSchema().dump(attributes))
    assert json.dumps([dumped]) == json.dumps(EligibilityAttributesSchema(many=True).dump([attributes]))
    in_place = dump_eligibility_attributes_many([dict(attributes)])
    assert json.dumps(in_place) == json.dumps(EligibilityAttributesSchema(many=True).dump([attributes]))


@pytest.mark.parametrize("email", ["camille@exemple.fr\n", "camille@exemple.fr\nBcc: x@y.fr", "camille @exemple.fr"])
def test_an_email_with_a_line_break_or_a_space_is_refused_by_the_character_rule(email):
    from marshmallow import ValidationError

    from accounts.schemas import EMAIL
    with pytest.raises(ValidationError, match="sans accents ni espaces"):
        EMAIL[-1](email)  # a trailing line break once slipped through (`$` matches before it)

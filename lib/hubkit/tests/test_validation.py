import uuid

from marshmallow import Schema, ValidationError, fields, validate

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load, loaded_uuid


class Sample(Schema):
    email = fields.String(required=True, validate=validate.Email())
    title = fields.String(validate=validate.Length(max=5))
    born = fields.Date()


def test_messages_are_french_and_per_field():
    with pytest.raises(InvalidInput) as refused:
        load(Sample(), {"title": "trop long", "born": "2023-02-30", "extra": 1})
    assert refused.value.details == {
        "email": ["Ce champ est obligatoire."],
        "title": ["Au plus 5 caractères."],
        "born": ["Date invalide (format attendu : AAAA-MM-JJ)."],
        "extra": ["Champ inconnu."],
    }
    assert refused.value.code == "VALIDATION_ERROR"


def test_valid_data_is_loaded():
    assert load(Sample(), {"email": "a@b.fr"}) == {"email": "a@b.fr"}


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as refused:
        load(Sample(), None)
    assert refused.value.details == {"_schema": ["Un objet JSON est attendu."]}


TRICKY_IDS = [
    "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "6F1C2B4E-9D3A-4F8E-B7C1-0A2D3E4F5A6B", "6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6b",
    "{6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b}", "urn:uuid:6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b",
    "uuid:6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b", "6f1c-2b4e9d3a4f8eb7c1-0a2d3e4f5a6b---", "-" * 36,
    " 6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6", "6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6 ", "+6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6",
    "6f1c2b4e_9d3a4f8eb7c10a2d3e4f5a6", "6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6b\n", "٠" * 32, "0" * 31 + "٠",
    "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6g", "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6",
    "6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6bb",
    "", "0x" + "0" * 30, "{{6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6b}}", "00000000-0000-0000-0000-000000000000",
    uuid.UUID("6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b"), b"0123456789abcdef", b"6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6b",
    None, 12, 0x6f1c2b4e9d3a4f8eb7c10a2d3e4f5a6b, 1.5, [], {}, ["6f1c2b4e-9d3a-4f8e-b7c1-0a2d3e4f5a6b"], True,
]


class OneId(Schema):
    id = fields.UUID()


@pytest.mark.parametrize("value", TRICKY_IDS)
def test_loaded_uuid_accepts_exactly_what_the_uuid_field_loads(value):
    try:
        expected = OneId().load({"id": value})["id"]
    except ValidationError:
        expected = None
    assert loaded_uuid(value) == expected
    assert type(loaded_uuid(value)) is (uuid.UUID if expected is not None else type(None))

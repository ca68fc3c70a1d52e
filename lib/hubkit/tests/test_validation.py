from marshmallow import Schema, fields, validate

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load


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

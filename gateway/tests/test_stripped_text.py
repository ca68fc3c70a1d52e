"""A text the services strip of its blank margins: the gateway's check and the OpenAPI's pattern say the same as the
services' rule (len(text.strip()) >= minimum) for every blank Python strips, including those `\\s` reads differently
in the OpenAPI's regular expressions (ECMA-262) and in Python (U+001C-U+001F, U+0085; U+FEFF is no blank here)."""
import re

import pytest
from marshmallow import Schema, ValidationError

from gateway.schemas import BLANK, stripped_text

pytestmark = pytest.mark.unit


class Comment(Schema):
    body = stripped_text(2000, minimum=5)


def accepted(text: str) -> bool:
    try:
        Comment().load({"body": text})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("margin", ["\x1c", "\x1f", "\x85", "\u3000", "\ufeff", " \t\n", "\u2028"])
@pytest.mark.parametrize("core", ["abcde", "a   e", "abcd", "a"])
def test_a_margin_counts_as_the_services_strip_counts_it(margin, core):
    text = f"{margin}{core}{margin}"
    assert accepted(text) is (len(text.strip()) >= 5)


def test_the_published_pattern_names_its_blanks_and_they_are_exactly_what_strip_removes():
    pattern = Comment().fields["body"].validate[1].regex.pattern
    assert re.sub(r"\[\\s\\S\]", "", pattern).count("\\s") == 0 and "\\S" not in re.sub(r"\[\\s\\S\]", "", pattern)
    blanks = {chr(code) for code in range(0x110000) if re.fullmatch(BLANK, chr(code))}
    assert blanks == {chr(code) for code in range(0x110000) if chr(code).isspace()}

"""Request and event ids: a client's sane X-Request-ID is kept, anything else gets a fresh random id."""
import re

import pytest

from hubkit.correlation import clean_request_id, new_id


def test_new_ids_are_32_hex_characters_and_never_repeat():
    ids = [new_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert len(set(ids)) == len(ids)


def test_a_sane_request_id_is_kept():
    assert clean_request_id("req-abc.1:2_3") == "req-abc.1:2_3"
    assert clean_request_id("r" * 128) == "r" * 128


@pytest.mark.parametrize("value", [None, "", "r" * 129, "<script>", "a b", "é", "x\n", 42, b"bytes"])
def test_anything_else_gets_a_fresh_id(value):
    replaced = clean_request_id(value)
    assert replaced != value and re.fullmatch(r"[0-9a-f]{32}", replaced)

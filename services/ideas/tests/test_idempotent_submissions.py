"""A retried idea is not a second idea: with its idempotency key, the same idea again answers the first one and
creates and emits nothing (hubkit.idempotency), on SQLite and PostgreSQL."""
import pytest

from hubkit.errors import IdempotencyKeyReused, InvalidInput
from hubkit.validation import load
from ideas import schemas

from .test_handlers import CAMILLE, DOMINIQUE, account_event, accounts, idea_command, refused, run  # noqa: F401

DUMP = schemas.IdeaSchema().dump


def submit(run, actor, key, changes=None):
    command = load(schemas.SubmitIdeaSchema(), {**idea_command(**(changes or {})), "idempotency_key": key})
    return run("submit_idea_once", actor, command, DUMP)


def test_the_same_key_twice_answers_the_first_idea_and_creates_one(run, store):
    first = submit(run, CAMILLE, "idea-retry-1")
    assert submit(run, CAMILLE, "idea-retry-1") == first
    assert len(store.rows("ideas")) == 1 and len(store.events("idea_submitted")) == 1
    [row] = store.rows("idempotency_keys")
    assert row.scope == f"submit_idea:{CAMILLE['account_id']}" and row.response is not None


def test_a_key_reused_for_another_idea_is_refused_and_writes_nothing(run, store):
    submit(run, CAMILLE, "idea-key")
    before = store.snapshot()
    error = refused(IdempotencyKeyReused, submit, run, CAMILLE, "idea-key", {"title": "Un autre sujet de quartier"})
    assert error.code == "IDEMPOTENCY_KEY_REUSED" and store.snapshot() == before


def test_another_account_with_the_same_key_submits_its_own_idea(run, store):
    mine, theirs = submit(run, CAMILLE, "common-key"), submit(run, DOMINIQUE, "common-key")
    assert mine["id"] != theirs["id"] and len(store.rows("ideas")) == 2


def test_a_refused_idea_keeps_no_key(run, store):
    refused(InvalidInput, submit, run, CAMILLE, "too-short", {"title": ""})
    assert store.rows("idempotency_keys") == []
    assert submit(run, CAMILLE, "too-short")["title"] == idea_command()["title"]


@pytest.mark.parametrize("key", ["", "x" * 65, "a b", "clé/1"])
def test_a_malformed_key_is_refused_by_the_schema(key):
    with pytest.raises(InvalidInput) as raised:
        load(schemas.SubmitIdeaSchema(), {**idea_command(), "idempotency_key": key})
    assert "idempotency_key" in raised.value.details


def test_erasing_an_account_deletes_its_keys(run, store):
    submit(run, CAMILLE, "camille-key")
    submit(run, DOMINIQUE, "dominique-key")
    assert run("forget_account", account_event("account_deleted", CAMILLE["account_id"])) is True
    assert [row.scope for row in store.rows("idempotency_keys")] == [f"submit_idea:{DOMINIQUE['account_id']}"]

"""ideas_submitted_total counts each idea created once, after its commit: an idea sent again with its idempotency
key (answered from the stored answer), a refused one or a rolled-back transaction adds nothing."""
import pytest
from prometheus_client import REGISTRY

from hubkit.errors import InvalidInput

from .test_handlers import CAMILLE, accounts, idea_command, refused, run  # noqa: F401
from .test_idempotent_submissions import submit


def submitted() -> float:
    return REGISTRY.get_sample_value("ideas_submitted_total") or 0


def test_an_idea_sent_again_with_its_key_is_counted_once(run):
    before = submitted()
    first = submit(run, CAMILLE, "counted-once")
    assert submit(run, CAMILLE, "counted-once") == first
    assert submitted() - before == 1


def test_ideas_without_a_key_are_each_counted(run):
    before = submitted()
    submit(run, CAMILLE, None)
    submit(run, CAMILLE, None, {"title": "Un autre sujet de quartier"})
    assert submitted() - before == 2


def test_a_refused_idea_is_not_counted(run):
    before = submitted()
    refused(InvalidInput, submit, run, CAMILLE, "too-short", {"title": ""})
    assert submitted() == before


def test_a_rolled_back_transaction_counts_nothing(store, throttle, accounts):
    from ideas.handlers import Ideas
    before = submitted()
    with pytest.raises(RuntimeError):
        with store.uow() as uow:
            Ideas(uow, throttle, accounts=accounts).submit_idea(CAMILLE, idea_command())
            raise RuntimeError("the worker died before the commit")
    assert submitted() == before and store.rows("ideas") == []

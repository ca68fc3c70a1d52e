"""The shared fake ideas refuses an author's report of their own idea or comment as the service does: the same
403, code and French reason (services/ideas/ideas/domain/moderation.py, OWN_CONTENT_REFUSALS), so that a page test
passing on the fake shows what the author would read."""
import pytest

from hubkit.errors import PermissionDenied
from ideas import domain

from tests.fakes import FakeIdeas

AUTHOR = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
OTHER = {"account_id": "2f3e4d5c-6b7a-4899-8b1c-2d3e4f5a6b7c", "roles": ["citizen"]}


@pytest.fixture
def ideas() -> FakeIdeas:
    fake = FakeIdeas()
    fake.add(idea_id="3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b", author_id=AUTHOR["account_id"])
    fake.viewer["own_comments"] = [7]  # the reader's, as ideas tells the page
    return fake


@pytest.mark.parametrize("kind,content_id", [("idea", "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"), ("comment", "7")])
def test_the_fake_refuses_the_author_as_ideas_does(ideas, kind, content_id):
    with pytest.raises(PermissionDenied) as raised:
        ideas.report_content(AUTHOR, {"kind": kind, "content_id": content_id, "reason": "spam"})
    assert (raised.value.code, raised.value.message) == domain.own_content_refusal(kind)


def test_the_fake_takes_the_report_of_someone_else(ideas):
    state = ideas.report_content(OTHER, {"kind": "idea", "content_id": "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
                                         "reason": "spam"})
    assert state["reported"] is True
    assert ideas.report_content(OTHER, {"kind": "comment", "content_id": "8", "reason": "spam"})["reported"] is True

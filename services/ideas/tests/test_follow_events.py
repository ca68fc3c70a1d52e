"""Following an idea is a personal event (docs/events.md, "Personal events"): `idea_followed` / `idea_unfollowed`
name the account and the idea, ids only, in the transaction that creates or deletes the follow row, and only
then: a second follow, an unfollow of an idea one does not follow, a refused follow emit nothing."""
import pytest

from hubkit.errors import NotFound, PermissionDenied
from ideas import events
from ideas.handlers import Ideas
from ideas.handlers.idea_views import IdeaViews
from tests.fakes import FakeAccounts

CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
DOMINIQUE = {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99", "roles": ["citizen"]}
ALEX = {"account_id": "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a10", "roles": ["citizen"]}
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"]}
UNKNOWN_IDEA = "00000000-0000-4000-8000-000000000000"
FOLLOW_EVENTS = (events.IDEA_FOLLOWED, events.IDEA_UNFOLLOWED)


def idea_command(title: str = "Des fontaines le long du canal") -> dict:
    return {"title": title, "theme": "environnement", "arrondissement": 10, "address_line": "Quai de Valmy",
            "author_pseudonym": "Camille du 11e",
            "description": "Il manque des points d'eau potable entre République et Jaurès."}


@pytest.fixture
def run(store, throttle):
    """One use case in its own unit of work, as a service worker runs it."""
    accounts = FakeAccounts()

    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts), method)(*args)
    return run


@pytest.fixture
def idea(run) -> dict:
    return run("submit_idea", CAMILLE, idea_command())


def follow_events(store) -> list:
    return [(event["type"], event["actor"]["account_id"], event["payload"]["idea_id"])
            for event in store.events() if event["type"] in FOLLOW_EVENTS]


def test_the_personal_events_are_the_two_follow_events():
    assert events.PERSONAL_EVENTS == frozenset({"idea_followed", "idea_unfollowed"})


def test_a_follow_emits_idea_followed_with_ids_only(run, store, idea):
    run("follow_idea", DOMINIQUE, idea["id"])
    [event] = store.events(events.IDEA_FOLLOWED)
    assert event["payload"] == {"idea_id": idea["id"]}
    assert event["subject"] == {"kind": "idea", "id": idea["id"]}
    assert event["actor"] == {"account_id": DOMINIQUE["account_id"], "role": "citizen"}
    assert (event["producer"], event["version"]) == ("ideas", 1)
    # the idea's text and its author's pseudonym stay in ideas
    assert "fontaines" not in repr(event) and "Camille" not in repr(event)


def test_a_second_follow_emits_nothing(run, store, idea):
    run("follow_idea", DOMINIQUE, idea["id"])
    run("follow_idea", DOMINIQUE, idea["id"])
    assert follow_events(store) == [("idea_followed", DOMINIQUE["account_id"], idea["id"])]


def test_an_unfollow_emits_idea_unfollowed_once(run, store, idea):
    run("follow_idea", DOMINIQUE, idea["id"])
    run("unfollow_idea", DOMINIQUE, idea["id"])
    run("unfollow_idea", DOMINIQUE, idea["id"])
    assert follow_events(store) == [("idea_followed", DOMINIQUE["account_id"], idea["id"]),
                                    ("idea_unfollowed", DOMINIQUE["account_id"], idea["id"])]
    [event] = store.events(events.IDEA_UNFOLLOWED)
    assert event["payload"] == {"idea_id": idea["id"]} and event["subject"] == {"kind": "idea", "id": idea["id"]}


def test_unfollowing_an_idea_one_does_not_follow_emits_nothing(run, store, idea):
    run("follow_idea", ALEX, idea["id"])  # someone else's follow is not the caller's
    before = store.snapshot()
    assert run("unfollow_idea", DOMINIQUE, idea["id"]) == {"idea_id": idea["id"], "following": False,
                                                           "followers_count": 1}
    assert store.snapshot() == before


def test_following_again_after_unfollowing_emits_again(run, store, idea):
    for _ in range(2):
        run("follow_idea", DOMINIQUE, idea["id"])
        run("unfollow_idea", DOMINIQUE, idea["id"])
    assert [type_ for type_, _, _ in follow_events(store)] == ["idea_followed", "idea_unfollowed"] * 2


def test_of_two_follows_at_the_same_moment_only_the_one_that_wrote_emits(run, store, idea, monkeypatch):
    """Both passed the check before either wrote: the unique constraint refuses the second row, and its event."""
    run("follow_idea", DOMINIQUE, idea["id"])
    monkeypatch.setattr(IdeaViews, "follow_of", lambda self, idea_id, account_id: None)
    before = store.snapshot()
    assert run("follow_idea", DOMINIQUE, idea["id"])["following"] is True
    assert store.snapshot() == before


@pytest.mark.parametrize("method", ["follow_idea", "unfollow_idea"])
def test_an_unknown_idea_is_refused_and_nothing_is_emitted(run, store, idea, method):
    before = store.snapshot()
    with pytest.raises(NotFound):
        run(method, DOMINIQUE, UNKNOWN_IDEA)
    assert store.snapshot() == before


def test_the_author_refused_a_follow_emits_nothing(run, store, idea):
    before = store.snapshot()
    with pytest.raises(PermissionDenied):
        run("follow_idea", CAMILLE, idea["id"])
    assert store.snapshot() == before


def test_followers_moved_by_a_merge_get_no_follow_event(run, store, idea):
    """idea_merged (its followers_moved count) tells the read model; the moved follows are not new follows."""
    duplicate = run("submit_idea", ALEX, idea_command("Des fontaines quai de Valmy"))
    run("follow_idea", DOMINIQUE, duplicate["id"])
    run("merge_ideas", AGENT, {"idea_id": duplicate["id"], "into": idea["id"], "message": "Même demande."})
    assert follow_events(store) == [("idea_followed", DOMINIQUE["account_id"], duplicate["id"])]
    [merged] = store.events(events.IDEA_MERGED)
    assert merged["payload"]["followers_moved"] == 1
    assert run("get_idea", idea["id"], DOMINIQUE)["viewer"]["follows"] is True

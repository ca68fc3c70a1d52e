"""Moderation of the idea box: reports, hiding at three reports, moderators' decisions and their log,
on SQLite and PostgreSQL with a real Redis."""
import json

import pytest

from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hubkit.validation import load
from ideas.handlers import Ideas
from ideas.schemas import ModerateSchema, ReportSchema

CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
CITIZENS = [{"account_id": f"00000000-0000-4000-8000-00000000000{n}", "roles": ["citizen"]} for n in range(1, 6)]
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"]}
MODERATOR = {"account_id": "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen", "admin"]}
XSS = '<script>alert("idée")</script>'


@pytest.fixture
def run(store, throttle):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle), method)(*args)
    return run


@pytest.fixture
def idea(run):
    return run("submit_idea", CAMILLE, {
        "title": "Achetez des montres pas chères", "theme": "cadre_de_vie", "arrondissement": None,
        "address_line": None, "author_pseudonym": "Camille", "description": f"Promo sur montres-pas-cheres {XSS}"})


def report(run, actor, content_id, kind="idea", reason="spam"):
    return run("report_content", actor, {"kind": kind, "content_id": str(content_id), "reason": reason})


def refused(error_class, call, *args):
    with pytest.raises(error_class) as raised:
        call(*args)
    return raised.value


def test_three_reports_hide_an_idea_pending_review_in_the_list_the_page_and_search(run, store, idea):
    assert report(run, CITIZENS[0], idea["id"]) == {"kind": "idea", "content_id": idea["id"], "reported": True,
                                                    "hidden": False}
    report(run, CITIZENS[1], idea["id"], reason="off_topic")
    assert store.events("content_hidden") == []
    assert report(run, CITIZENS[2], idea["id"])["hidden"] is True
    page = run("get_idea", idea["id"], CITIZENS[0])
    assert page["hidden"] is True and page["title"] == page["description"] == "Masqué par la modération"
    assert page["viewer"]["reported_idea"] is True
    [listed] = run("list_ideas", {"theme": None, "status": None, "arrondissement": None, "q": "", "sort": "newest",
                                  "limit": 20, "offset": 0})["items"]
    assert listed["title"] == listed["excerpt"] == "Masqué par la modération"
    assert run("list_ideas", {"theme": None, "status": None, "arrondissement": None, "q": "montres",
                              "sort": "newest", "limit": 20, "offset": 0})["items"] == []
    assert run("get_idea", idea["id"], MODERATOR)["description"].startswith("Promo sur")  # moderators read it
    [event] = store.events("content_hidden")
    assert event["payload"] == {"kind": "idea", "content_id": idea["id"], "idea_id": idea["id"],
                                "consultation_id": None, "by": "reports"}
    assert event["actor"] == {"account_id": None, "role": "system"}
    [logged] = store.rows("moderation_actions")
    assert logged.action == "hidden" and logged.actor_role == "system" and "3 signalements" in logged.reason


def test_one_report_per_account_and_item_and_bad_reports_write_nothing(run, store, idea):
    report(run, CITIZENS[0], idea["id"])
    before = store.snapshot(), store.rows("content_reports")
    assert refused(Conflict, report, run, CITIZENS[0], idea["id"], "idea", "offensive").code == "ALREADY_REPORTED"
    refused(NotFound, report, run, CITIZENS[1], "00000000-0000-4000-8000-000000000000")
    refused(NotFound, report, run, CITIZENS[1], "999999", "comment")
    refused(NotFound, report, run, CITIZENS[1], idea["id"], "comment")  # an idea's id is no comment's
    assert refused(InvalidInput, report, run, CITIZENS[1], idea["id"], "idea", "boring").details == {
        "reason": ["Choisissez un motif de la liste."]}
    assert (store.snapshot(), store.rows("content_reports")) == before
    with pytest.raises(InvalidInput) as raised:
        load(ReportSchema(), {"kind": "petition", "content_id": "<script>", "reason": "nope"})
    assert set(raised.value.details) == {"kind", "content_id", "reason"}


def test_a_comment_is_hidden_by_reports_then_restored_by_a_moderator_and_later_reports_count_anew(run, store, idea):
    comment = run("post_comment", CAMILLE, {"idea_id": idea["id"], "body": f"Insulte {XSS}",
                                             "author_pseudonym": "Camille"})
    for citizen in CITIZENS[:3]:
        report(run, citizen, comment["id"], "comment", "offensive")
    [shown] = run("get_idea", idea["id"])["comments"]
    assert shown["hidden"] is True and shown["body"] == "Masqué par la modération"
    assert run("get_idea", idea["id"])["hidden"] is False  # only the comment is hidden
    restored = run("moderate", MODERATOR, {"kind": "comment", "content_id": str(comment["id"]), "action": "restore",
                                           "reason": "Critique vive mais pas injurieuse."})
    assert restored == {"kind": "comment", "content_id": str(comment["id"]), "hidden": False}
    assert run("get_idea", idea["id"])["comments"][0]["body"].startswith("Insulte")
    [event] = store.events("content_restored")
    assert event["payload"] == {"kind": "comment", "content_id": str(comment["id"]), "idea_id": idea["id"],
                                "consultation_id": None}
    assert event["actor"] == {"account_id": MODERATOR["account_id"], "role": "moderator"}
    report(run, CITIZENS[3], comment["id"], "comment")
    assert report(run, CITIZENS[4], comment["id"], "comment")["hidden"] is False  # 2 new reports, not 3


def test_moderators_hide_and_restore_with_a_reason_logged_and_others_cannot(run, store, idea):
    before = store.snapshot()
    for actor in (CAMILLE, AGENT):
        refused(PermissionDenied, run, "moderate", actor, {"kind": "idea", "content_id": idea["id"], "action": "hide",
                                                          "reason": "Spam"})
        refused(PermissionDenied, run, "moderation_queue", actor)
    assert refused(InvalidInput, run, "moderate", ADMIN, {"kind": "idea", "content_id": idea["id"], "action": "hide",
                                                         "reason": "  "}).details == {
        "reason": ["Indiquez le motif de la décision."]}
    assert refused(Conflict, run, "moderate", ADMIN, {"kind": "idea", "content_id": idea["id"], "action": "restore",
                                                     "reason": "?"}).code == "NOT_HIDDEN"
    assert store.snapshot() == before and store.rows("moderation_actions") == []
    run("moderate", ADMIN, {"kind": "idea", "content_id": idea["id"], "action": "hide", "reason": "Publicité."})
    assert refused(Conflict, run, "moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"],
                                                         "action": "hide", "reason": "x"}).code == "ALREADY_HIDDEN"
    [event] = store.events("content_hidden")
    assert event["payload"]["by"] == "moderator" and event["actor"]["role"] == "admin"
    assert "montres" not in json.dumps(event) and "Publicité" not in json.dumps(event)
    with pytest.raises(InvalidInput):
        load(ModerateSchema(), {"kind": "idea", "content_id": idea["id"], "action": "delete"})


def test_the_queue_lists_reported_and_hidden_items_with_reasons_and_the_log(run, idea):
    comment = run("post_comment", CAMILLE, {"idea_id": idea["id"], "body": "Hors sujet total.",
                                             "author_pseudonym": "Camille"})
    report(run, CITIZENS[0], comment["id"], "comment", "off_topic")
    report(run, CITIZENS[0], idea["id"], "idea", "spam")
    report(run, CITIZENS[1], idea["id"], "idea", "offensive")
    run("moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"], "action": "hide", "reason": "Publicité."})
    queue = run("moderation_queue", MODERATOR)
    assert [(i["kind"], i["hidden"], i["pending_reports"]) for i in queue["items"]] == [
        ("comment", False, 1), ("idea", True, 0)]  # the moderator's decision reviewed the idea's reports
    assert queue["items"][0]["reasons"] == {"off_topic": 1} and queue["items"][0]["text"] == "Hors sujet total."
    assert queue["items"][1]["idea_title"] == "Achetez des montres pas chères"  # moderators read the original
    assert [(entry["action"], entry["reason"], entry["role"]) for entry in queue["log"]] == [
        ("hidden", "Publicité.", "moderator")]
    run("moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"], "action": "restore", "reason": "Erreur."})
    assert [i["kind"] for i in run("moderation_queue", ADMIN)["items"]] == ["comment"]
    assert [entry["action"] for entry in run("moderation_queue", ADMIN)["log"]] == ["restored", "hidden"]


def test_hidden_ideas_are_not_suggested_as_similar(run, idea):
    assert [s["id"] for s in run("similar_ideas", {"title": "Montres pas chères"})["items"]] == [idea["id"]]
    run("moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"], "action": "hide", "reason": "Spam."})
    assert run("similar_ideas", {"title": "Montres pas chères"})["items"] == []

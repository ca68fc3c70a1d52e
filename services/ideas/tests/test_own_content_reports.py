"""Nobody reports what they wrote, whatever it is: an idea's comment, a consultation's proposal or amendment, a
proposal's comment, an argument (an idea: test_author_rules.py). The pages offer no « Signaler » on the reader's own
items (`viewer.own_comments`, `viewer.own`); the service refuses a request sent anyway with 403 OWN_CONTENT and
a French reason, writing nothing: no report, nothing hidden, no event. SQLite and PostgreSQL, a real Redis."""
import pytest
import sqlalchemy as sa

from hubkit.errors import PermissionDenied
from ideas.models import ProposalComment

from .test_consultations import (CAMILLE, DOMINIQUE, LOU, SACHA, accounts, clock, consultation,  # noqa: F401
                                 proposal_command, run, run_ideas, section_of)

REPORTS = "content_reports"
OTHERS = (DOMINIQUE, LOU, SACHA)  # three reports of others would hide the item


@pytest.fixture
def written(run, run_ideas, consultation) -> dict:
    """One item of each reportable kind, all by Camille: kind -> (content id, what the refusal says)."""
    idea = run_ideas("submit_idea", CAMILLE, {
        "title": "Des fontaines le long du canal", "theme": "cadre_de_vie", "arrondissement": 10,
        "address_line": None, "author_pseudonym": "Camille", "description": "Trois fontaines entre deux écluses."})
    idea_comment = run_ideas("post_comment", CAMILLE, {"idea_id": idea["id"], "body": "Et des bancs aussi.",
                                                       "author_pseudonym": "Camille"})
    proposal = run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "proposals")))
    charter = run("submit_proposal", DOMINIQUE, proposal_command(section_of(consultation, "amendable_text"),
                                                                 title="Article 2 : des bancs"))
    amendment = run("submit_proposal", CAMILLE, {"amends": charter["id"], "title": "Des bancs à l'ombre",
                                                 "body": "Des bancs sous les arbres.", "author_pseudonym": "Camille"})
    comment = run("post_comment", CAMILLE, {"proposal_id": proposal["id"], "body": "Je précise : côté métro.",
                                            "author_pseudonym": "Camille"})
    on_proposal = run("post_argument", CAMILLE, {"proposal_id": charter["id"], "position": "agree",
                                                 "body": "Il fait trop chaud l'été.", "author_pseudonym": "Camille"})
    on_question = run("post_argument", CAMILLE, {"section_id": section_of(consultation, "argued_vote")["id"],
                                                 "position": "agree", "body": "Oui, pour les enfants.",
                                                 "author_pseudonym": "Camille"})
    return {"idea": idea, "charter": charter, "items": [
        ("comment", str(idea_comment["id"]), "Vous avez écrit ce commentaire : vous ne pouvez pas le signaler."),
        ("proposal", proposal["id"], "Vous avez déposé cette proposition : vous ne pouvez pas la signaler."),
        ("proposal", amendment["id"], "Vous avez déposé cet amendement : vous ne pouvez pas le signaler."),
        ("proposal_comment", str(comment["id"]), "Vous avez écrit ce commentaire : vous ne pouvez pas le signaler."),
        ("argument", str(on_proposal["id"]), "Vous avez écrit cet argument : vous ne pouvez pas le signaler."),
        ("argument", str(on_question["id"]), "Vous avez écrit cet argument : vous ne pouvez pas le signaler.")]}


def report(run_ideas, actor: dict, kind: str, content_id: str) -> dict:
    return run_ideas("report_content", actor, {"kind": kind, "content_id": content_id, "reason": "spam"})


def test_the_author_cannot_report_what_they_wrote_and_nothing_is_written(run_ideas, store, written):
    before = store.snapshot(), store.rows(REPORTS), len(store.events())
    for kind, content_id, reason in written["items"]:
        with pytest.raises(PermissionDenied) as raised:
            report(run_ideas, CAMILLE, kind, content_id)
        assert (raised.value.code, raised.value.message) == ("OWN_CONTENT", reason), (kind, content_id)
    assert (store.snapshot(), store.rows(REPORTS), len(store.events())) == before
    assert not any(row.hidden for table in ("idea_comments", "consultation_proposals", "consultation_comments",
                                            "consultation_arguments") for row in store.rows(table))


def test_others_still_report_each_and_three_of_them_hide_it(run_ideas, store, written):
    for kind, content_id, _ in written["items"]:
        states = [report(run_ideas, reporter, kind, content_id) for reporter in OTHERS]
        assert [state["hidden"] for state in states] == [False, False, True], (kind, content_id)
    assert len(store.rows(REPORTS)) == 3 * len(written["items"])
    assert {row.account_id for row in store.rows(REPORTS)} == {reporter["account_id"] for reporter in OTHERS}


def test_an_item_whose_author_deleted_their_account_is_reported_by_anyone(run_ideas, store, written):
    """Nobody is its author any more: the rule does not turn into refusing everybody."""
    kind, content_id, _ = written["items"][3]  # a proposal's comment
    with store.uow() as uow:  # what forget_account leaves of a deleted author
        uow.session.execute(sa.update(ProposalComment).values(author_id=None))
    assert report(run_ideas, DOMINIQUE, kind, content_id)["reported"] is True


def test_the_pages_know_the_reader_s_own_items_and_only_theirs(run, run_ideas, consultation, written):
    idea_comment_id = int(written["items"][0][1])
    assert run_ideas("get_idea", written["idea"]["id"], CAMILLE)["viewer"]["own_comments"] == [idea_comment_id]
    assert run_ideas("get_idea", written["idea"]["id"], DOMINIQUE)["viewer"]["own_comments"] == []
    in_consultation = sorted(f"{kind}:{content_id}" for kind, content_id, _ in written["items"][1:])
    assert run("get_consultation", {"consultation_id": consultation["id"]}, CAMILLE)["viewer"]["own"] == \
        in_consultation
    assert run("get_proposal", written["charter"]["id"], CAMILLE)["viewer"]["own"] == in_consultation
    assert run("get_proposal", written["charter"]["id"], DOMINIQUE)["viewer"]["own"] == [
        f"proposal:{written['charter']['id']}"]

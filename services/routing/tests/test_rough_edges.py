"""Rough edges of routing found on the citizen's and the agent's journey (issue 15, section 4): the e-mails greet
once, the hints show the idea's words as written, the history names people and directions, a failing delivery
shows as delayed. SQLite and PostgreSQL, like test_handlers (whose helpers these tests use)."""
import re

import pytest

from routing import domain
from routing.handlers import Inbox, Notifications

from .test_handlers import AGENT, clock, decide, received, run  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("dns")


# --- the e-mails greet once --------------------------------------------------------------------------------

def test_the_mails_routing_asks_accounts_to_send_do_not_greet_again(run, ideas, store):
    """accounts.notify's mail already opens with « Bonjour <pseudonyme>, »: routing's body must not greet again."""
    forwarded_idea, answered_idea = received(run, ideas), received(run, ideas)
    decide(run, forwarded_idea, scheme="greening_permit", message="Un agent vous contactera.")
    decide(run, answered_idea, action="answer", message="C'est prévu pour le printemps.")
    [forwarded], [answered] = store.events("idea_forwarded"), store.events("idea_answered")
    for envelope in (forwarded, answered):
        body = run(Notifications, "notification", envelope)["body"]
        assert "Bonjour" not in body
        assert f"Bonjour Léa,\n\n{body}".count("Bonjour") == 1  # as accounts' mail reads, greeted once


# --- the inbox's hints show the idea's words as written ------------------------------------------------------

GREENING = "Végétaliser le pied d'arbre de ma rue"
GREENING_TEXT = "Je voudrais planter des fleurs au pied des arbres, et installer une jardinière près du métro."


def test_the_suggestion_names_only_words_of_the_idea_as_it_writes_them():
    schemes = [{"code": "greening_permit", "name": "Permis de végétaliser", "direction": "DEVE",
                "keywords": ["végétaliser", "végétalisation", "arbre", "jardinière", "plantes", "pied d'arbre"]}]
    suggestion = domain.suggest(GREENING, GREENING_TEXT, "environnement", schemes)
    assert suggestion.scheme == "greening_permit"
    shown = re.findall(r"« ([^»]+) »", suggestion.reason)
    assert shown == ["Végétaliser", "arbre", "jardinière", "planter", "pied d'arbre"]
    written = f"{GREENING} {GREENING_TEXT}"
    assert all(word in written for word in shown)  # « végétalisation », « plantes » are the catalogue's, not the idea's
    assert "vegetalis" not in suggestion.reason and "pied d arbre" not in suggestion.reason


def test_the_checklist_hints_show_the_words_as_the_idea_writes_them():
    hints = domain.checklist(GREENING, GREENING_TEXT)
    assert hints["public_land"]["why"] == "Mentionne : rue, pied d'arbre."
    assert hints["investment"]["why"] == "Mentionne : installer, planter, Végétaliser."
    assert hints["city_competence"]["why"] == "Mentionne : métro."


@pytest.mark.parametrize("text", [GREENING, GREENING_TEXT, "Cœur de l’îlot — nid-de-poule / trottoir_abîmé",
                                  "e\u0301cole ﬁleur ÉTÉ 2026 l'Hôtel-de-Ville", "", "   -'’ "])
def test_the_words_shown_are_the_words_matched(text):
    """Where a word is written is found by reading the text as the matching reads it: the same words."""
    from routing.domain.suggestion import _words
    assert " ".join(word for word, _, _ in _words(text)) == domain.normalise(text)


def test_an_idea_in_the_inbox_shows_its_own_words(run, ideas):
    idea_id = received(run, ideas, title=GREENING, description=GREENING_TEXT)
    item = run(Inbox, "get_item", AGENT, idea_id)
    assert "« pied d'arbre »" in item["suggestion_reason"] and "« végétalisation »" not in item["suggestion_reason"]
    assert {check["code"]: check["why"] for check in item["checklist"]}["public_land"] == "Mentionne : rue, pied d'arbre."

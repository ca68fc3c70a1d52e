"""Rough edges of routing found on the citizen's and the agent's journey (issue 15, section 4): the e-mails greet
once, the hints show the idea's words as written, the history names people and directions, a failing delivery
shows as delayed. SQLite and PostgreSQL, like test_handlers (whose helpers these tests use)."""
import pytest

from routing.handlers import Notifications

from .test_handlers import AUTHOR, clock, decide, received, run  # noqa: F401  (fixtures)

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

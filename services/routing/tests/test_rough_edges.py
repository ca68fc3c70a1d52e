"""Rough edges of routing found on the citizen's and the agent's journey (issue 15, section 4): the hints
show the idea's words as written, the history names people and directions, a failing delivery shows as delayed.
SQLite and PostgreSQL, like test_handlers (whose helpers these tests use)."""
import re
import uuid

import pytest

from hubkit.errors import PermissionDenied, ServiceUnavailable
from routing import business_metrics, domain
from routing.handlers import (Context, Decisions, Deliveries, DeliveryWatch, History, Inbox, PersonalData)
from routing.peers import People
from routing.settings import Settings

from .test_handlers import (ADMIN, AGENT, DVD_AGENT, IMMEDIATE, MODERATOR, clock, decide, event_of,  # noqa: F401
                            greening_webhook, owner_agent, received, run)

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

pytestmark = pytest.mark.usefixtures("dns")


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


# --- the history names people and directions ---------------------------------------------------------------

@pytest.fixture
def named_run(store, directions, accounts, clock):
    """`run`, with the agents named by accounts' public profiles (as the service's workers do)."""
    def run(cls, method, *args, settings=IMMEDIATE):
        with store.uow() as uow:
            return getattr(cls(Context(uow, settings, directions, clock, People(accounts))), method)(*args)
    return run


def test_the_history_names_the_agents_and_directions_never_their_ids(run, named_run, ideas, accounts):
    idea_id = received(run, ideas)
    marc = accounts.add(AGENT["account_id"], "Marc de la DEVE", roles=("agent",), direction="DEVE")
    lea = accounts.add(None, "Léa des Buttes", roles=("agent",), direction="DEVE")
    run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": lea, "direction": "DEVE"})
    decide(run, idea_id, scheme="greening_permit", message="Un agent vous contactera.")
    trace = named_run(Inbox, "get_item", AGENT, idea_id)["trace"]
    notes = " ".join(entry["agent_note"] or "" for entry in trace)
    summaries = " ".join(entry["summary"] for entry in trace)
    assert "Assignée à Léa des Buttes (direction DEVE (Direction des espaces verts et de l'environnement)) par " \
           "Marc de la DEVE." in notes
    assert "Décision de Marc de la DEVE : Un agent vous contactera." in notes
    assert "Idée confiée à la direction DEVE (Direction des espaces verts et de l'environnement)." in summaries
    assert not UUID.search(notes + summaries) and "@" not in notes
    assert marc in accounts.data_of("public_profiles")[-1]["account_ids"]
    looked_up = named_run(History, "lookup", AGENT, "req-citizen-click")["entries"]
    assert not UUID.search(" ".join(entry["agent_note"] or "" for entry in looked_up))
    public = named_run(History, "idea_timeline", idea_id)["entries"]
    assert "Idée confiée à la direction DEVE (Direction des espaces verts et de l'environnement)." in [
        entry["summary"] for entry in public] and all(entry["agent_note"] is None for entry in public)


def test_a_deleted_agent_reads_agent_without_id(run, named_run, ideas, accounts):
    idea_id = received(run, ideas)
    accounts.add(AGENT["account_id"], "Marc de la DEVE", roles=("agent",), direction="DEVE")
    gone = str(uuid.uuid4())  # never in accounts' active profiles: a deleted account
    run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": gone, "direction": "DEVE"})
    assert "Assignée à Agent·e (direction" in " ".join(
        entry["agent_note"] or "" for entry in named_run(Inbox, "get_item", AGENT, idea_id)["trace"])
    deleted = event_of("account_deleted", "accounts", {"account_id": AGENT["account_id"]},
                       {"kind": "account", "id": AGENT["account_id"]})
    assert run(PersonalData, "forget_account", deleted)  # the note now says « (compte supprimé) »
    notes = " ".join(entry["agent_note"] or "" for entry in named_run(Inbox, "get_item", ADMIN, idea_id)["trace"])
    assert "par Agent·e." in notes and "(compte supprimé)" not in notes and not UUID.search(notes)


def test_without_accounts_the_history_still_shows_no_id(run, named_run, ideas, accounts):
    idea_id = received(run, ideas)
    run(Decisions, "assign", AGENT, {"idea_id": idea_id, "agent_id": str(uuid.uuid4()), "direction": "DEVE"})
    accounts.fail("public_profiles", ServiceUnavailable("accounts ne répond pas"))
    notes = " ".join(entry["agent_note"] or "" for entry in named_run(Inbox, "get_item", AGENT, idea_id)["trace"])
    assert "Assignée à Agent·e" in notes and "par Agent·e." in notes and not UUID.search(notes)


# --- a failing delivery shows as delayed, and to the agents of its scheme ----------------------------------------

def failing_dossier(run, ideas, clock, failures=1, settings=IMMEDIATE) -> str:
    greening_webhook(run)
    idea_id = received(run, ideas)
    decide(run, idea_id, scheme="greening_permit")
    for _ in range(failures):
        [claim] = run(Deliveries, "claim_due", settings=settings)
        run(Deliveries, "record_attempt", claim["id"], 503, None, settings=settings)
        clock.advance(days=1)
    return idea_id


def test_a_failing_delivery_shows_as_delayed_to_the_citizen(run, ideas, clock):
    idea_id = failing_dossier(run, ideas, clock)
    [dossier] = run(History, "idea_timeline", idea_id)["dossiers"]
    assert dossier["status"] == "sent" and dossier["delivery_state"] == "delayed"
    assert dossier["status_label"].startswith("Transmission retardée") and dossier["next_attempt_at"] is not None
    assert dossier["attempts"] is None and dossier["last_error"] is None and dossier["last_error_class"] is None
    [claim] = run(Deliveries, "claim_due")
    run(Deliveries, "record_attempt", claim["id"], 204, None)
    [dossier] = run(History, "idea_timeline", idea_id)["dossiers"]
    assert dossier["delivery_state"] == "delivered" and dossier["status_label"] == "Transmis"


def test_a_delivery_given_up_says_the_city_knows(run, ideas, clock):
    settings = Settings(**{**IMMEDIATE.model_dump(), "webhook_max_attempts": 2})
    idea_id = failing_dossier(run, ideas, clock, failures=2, settings=settings)
    [dossier] = run(History, "idea_timeline", idea_id, settings=settings)["dossiers"]
    assert dossier["delivery_state"] == "given_up" and dossier["status_label"].startswith("Transmission en échec")
    assert dossier["next_attempt_at"] is None
    [failing] = run(DeliveryWatch, "failing", ADMIN, settings=settings)
    assert failing["delivery_state"] == "given_up" and failing["attempts"] == 2


def test_the_agents_of_the_scheme_see_the_failing_deliveries_without_secrets(run, ideas, clock):
    idea_id = failing_dossier(run, ideas, clock, failures=2)
    [failing] = run(DeliveryWatch, "failing", AGENT)  # DEVE owns the greening permit
    assert failing["idea_id"] == idea_id and failing["title"] == "Végétaliser la rue Manin"
    assert failing["attempts"] == 2 and failing["last_error_class"] == "réponse HTTP 503"
    assert failing["delivery_state"] == "delayed" and failing["reference"].startswith("DEVE-")
    assert "127.0.0.1" not in str(failing) and "secret" not in str(failing)
    assert run(DeliveryWatch, "failing", DVD_AGENT) == []  # another direction's schemes
    assert len(run(DeliveryWatch, "failing", ADMIN)) == 1
    with pytest.raises(PermissionDenied):
        run(DeliveryWatch, "failing", MODERATOR)
    detail = run(Inbox, "get_item", owner_agent(run, idea_id), idea_id)["dossiers"][0]
    assert detail["attempts"] == 2 and detail["last_error_class"] == "réponse HTTP 503"
    assert run(DeliveryWatch, "failing_counts") == {"greening_permit": 1}
    business_metrics.set_failing({"greening_permit": 1})
    assert business_metrics.FAILING.labels("greening_permit")._value.get() == 1
    business_metrics.set_failing({})
    assert business_metrics.FAILING.labels("greening_permit")._value.get() == 0


@pytest.mark.parametrize("error, label", [
    ("HTTP 500", "réponse HTTP 500"), ("ConnectionRefusedError: [Errno 111] Connection refused", "connexion refusée"),
    ("ForbiddenWebhookTarget: « intra.local » mène à une adresse interdite", "adresse interdite au hub"),
    ("WeirdError: token=abc", "erreur réseau (WeirdError)"), ("n'importe quoi : secret", "erreur réseau"),
    (None, None)])
def test_an_error_reads_by_its_class_never_its_message(error, label):
    assert domain.webhooks.error_class(error) == label

"""Consultations on a real database (SQLite and PostgreSQL) and a real Redis: setting up, proposing,
amending, supporting, argued votes, questionnaires, closing, synthesis, announcements, moderation,
similar ideas, erasure and export."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hubkit.envelope import make_event
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from hubkit.validation import load
from ideas import cli
from ideas.schemas.consultations import ConsultationReadSchema
from ideas.handlers import Consultations, Ideas
from tests.fakes import FakeAccounts
from tests.fakes.actors import citizen_actor, numbered_account

CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
DOMINIQUE = {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99", "roles": ["citizen"]}
LOU = {"account_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b", "roles": ["citizen"]}
SACHA = {"account_id": "2f3e4d5c-6b7a-4899-8b1c-2d3e4f5a6b7c", "roles": ["citizen"]}
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"], "direction": "DDCT"}
MODERATOR = {"account_id": "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "roles": ["citizen", "moderator"]}
START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
XSS = '<script>alert("avis")</script>'
BUSINESS_TABLES = ("consultations", "consultation_sections", "consultation_proposals", "consultation_comments",
                   "consultation_supports", "consultation_arguments", "consultation_responses", "outbox_events")


class Clock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def run(store, throttle, clock, accounts):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Consultations(uow, throttle, clock=clock, accounts=accounts), method)(*args)
    return run


@pytest.fixture
def run_ideas(store, throttle, clock):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, clock=clock), method)(*args)
    return run


def snapshot(store) -> dict:
    return {name: sorted(map(repr, store.rows(name))) for name in BUSINESS_TABLES}


def consultation_command(**changes) -> dict:
    return {"title": "Réinventer la place de la Nation", "context": "La place sera réaménagée en 2027.",
            "resources": [{"label": "Dossier de concertation", "url": "https://www.paris.fr/nation"}],
            "agenda": [{"title": "Atelier en mairie", "place": "Mairie du 11e",
                        "starts_at": START + timedelta(days=7)}],
            "opens_at": START - timedelta(hours=1), "closes_at": START + timedelta(days=30), **changes}


QUESTIONS = [{"label": "Venez-vous sur la place ?", "kind": "single", "choices": ["Chaque jour", "Parfois", "Jamais"]},
             {"label": "Pour quoi faire ?", "kind": "multiple", "choices": ["Marcher", "Jouer", "Lire"]},
             {"label": "Une remarque ?", "kind": "text"}]


@pytest.fixture
def consultation(run) -> dict:
    created = run("save_consultation", AGENT, consultation_command())
    for section in ({"title": "Vos propositions", "mode": "proposals", "body": "Proposez."},
                    {"title": "Faut-il piétonniser ?", "mode": "argued_vote", "body": "Faut-il piétonniser la place ?"},
                    {"title": "Vos usages", "mode": "questionnaire", "questions": QUESTIONS},
                    {"title": "La charte", "mode": "amendable_text", "body": "Article 1 : la place est à tous."}):
        created = run("save_section", AGENT, {"consultation_id": created["id"], **section})
    return created


def section_of(consultation: dict, mode: str) -> dict:
    return next(s for s in consultation["sections"] if s["mode"] == mode)


def proposal_command(section: dict, **changes) -> dict:
    return {"section_id": section["id"], "title": "Des arbres au centre", "body": "Planter vingt arbres au centre.",
            "author_pseudonym": "Camille du 11e", **changes}


def test_an_agent_sets_up_a_consultation_announced_open_once(run, store, consultation):
    assert consultation["state"] == "open" and consultation["accepts_input"] is True
    assert [s["mode"] for s in consultation["sections"]] == ["proposals", "argued_vote", "questionnaire",
                                                             "amendable_text"]
    assert [q["id"] for q in section_of(consultation, "questionnaire")["questions"]] == ["q1", "q2", "q3"]
    assert consultation["resources"] == [{"label": "Dossier de concertation", "url": "https://www.paris.fr/nation"}]
    assert consultation["agenda"][0]["place"] == "Mairie du 11e"
    [opened] = store.events("consultation_opened")
    assert opened["payload"]["consultation_id"] == consultation["id"]
    assert run("announce_due") == 0  # the sweep finds nothing more to announce
    assert len(store.events("consultation_opened")) == 1


def test_only_agents_set_up_and_links_must_be_web_links(run, store):
    with pytest.raises(PermissionDenied):
        run("save_consultation", CAMILLE, consultation_command())
    with pytest.raises(InvalidInput) as refused:
        run("save_consultation", AGENT, consultation_command(
            resources=[{"label": "Piège", "url": "javascript:alert(1)"}], title="Non",
            closes_at=START - timedelta(days=2)))
    assert set(refused.value.details) == {"resources", "title", "closes_at"}
    assert store.rows("consultations") == []


def test_upcoming_then_open_then_closed_by_the_timer_sweep_each_announced_once(run, store, clock):
    created = run("save_consultation", AGENT, consultation_command(opens_at=START + timedelta(days=1),
                                                                   closes_at=START + timedelta(days=2)))
    section = run("save_section", AGENT, {"consultation_id": created["id"], "title": "Vos propositions",
                                          "mode": "proposals"})["sections"][0]
    assert created["state"] == "upcoming" and store.events("consultation_opened") == []
    with pytest.raises(Conflict) as early:
        run("submit_proposal", CAMILLE, proposal_command(section))
    assert early.value.code == "CONSULTATION_NOT_OPEN"
    clock.now = START + timedelta(days=1, minutes=1)
    assert run("announce_due") == 1 and run("announce_due") == 0
    clock.now = START + timedelta(days=3)
    assert run("announce_due") == 1 and run("announce_due") == 0
    assert [len(store.events(t)) for t in ("consultation_opened", "consultation_closed")] == [1, 1]
    assert run("list_consultations", {"state": "closed", "limit": 10, "offset": 0})["total"] == 1
    assert run("list_consultations", {"state": "open", "limit": 10, "offset": 0})["total"] == 0


def test_propose_support_once_argue_once_and_counters(run, store, consultation):
    section = section_of(consultation, "proposals")
    proposal = run("submit_proposal", CAMILLE, proposal_command(section, title=XSS))
    assert proposal["title"] == XSS  # stored as typed; the pages escape it
    run("support", DOMINIQUE, {"kind": "proposal", "target_id": proposal["id"]})
    before = snapshot(store)
    with pytest.raises(Conflict) as twice:
        run("support", DOMINIQUE, {"kind": "proposal", "target_id": proposal["id"]})
    assert twice.value.code == "ALREADY_SUPPORTED" and snapshot(store) == before
    run("post_argument", DOMINIQUE, {"proposal_id": proposal["id"], "position": "agree",
                                     "body": "Il fait trop chaud l'été.", "author_pseudonym": "Dominique"})
    before = snapshot(store)
    with pytest.raises(Conflict) as voted:
        run("post_argument", DOMINIQUE, {"proposal_id": proposal["id"], "position": "disagree",
                                         "body": "J'ai changé d'avis.", "author_pseudonym": "Dominique"})
    assert voted.value.code == "ALREADY_VOTED" and snapshot(store) == before
    view = run("get_proposal", proposal["id"], DOMINIQUE)
    assert view["counters"] == "1 vote - 0 amendement - 1 argument"
    assert view["agree_count"] == 1 and view["viewer"]["supports"] and view["viewer"]["voted"]
    assert [e["type"] for e in store.events()][-3:] == ["proposal_submitted", "proposal_supported", "argument_posted"]


def test_argued_vote_on_the_question_of_a_section(run, consultation):
    vote = section_of(consultation, "argued_vote")
    run("post_argument", CAMILLE, {"section_id": vote["id"], "position": "agree", "body": "Oui, pour les enfants.",
                                   "author_pseudonym": "Camille"})
    run("post_argument", DOMINIQUE, {"section_id": vote["id"], "position": "disagree", "body": "Non, les livraisons.",
                                     "author_pseudonym": "Dominique"})
    with pytest.raises(Conflict) as wrong:
        run("post_argument", CAMILLE, {"section_id": section_of(consultation, "proposals")["id"],
                                       "position": "agree", "body": "Une question ?", "author_pseudonym": "Camille"})
    assert wrong.value.code == "WRONG_SECTION_MODE"
    view = section_of(run("get_consultation", {"consultation_id": consultation["id"]}, CAMILLE), "argued_vote")
    assert (view["vote"]["agree_count"], view["vote"]["disagree_count"]) == (1, 1)
    assert [a["position"] for a in view["vote"]["arguments"]] == ["disagree", "agree"]


def test_amend_then_the_author_accepts_and_it_shows_on_the_proposal(run, store, consultation, accounts):
    charter = section_of(consultation, "amendable_text")
    proposal = run("submit_proposal", CAMILLE, proposal_command(charter, title="Article 2 : des bancs"))
    amended = run("submit_proposal", DOMINIQUE, {"amends": proposal["id"], "title": "Des bancs à l'ombre",
                                                  "body": "Des bancs sous les arbres, pas au soleil.",
                                                  "author_pseudonym": "Dominique"})
    assert amended["amends"] == proposal["id"] and amended["amendment_status"] == "pending"
    run("support", LOU, {"kind": "proposal", "target_id": amended["id"]})
    pending = run("get_consultation", {"consultation_id": consultation["id"]}, AGENT)["pending_amendments"]
    assert [(a["id"], a["amends_title"]) for a in pending] == [(amended["id"], "Article 2 : des bancs")]
    assert run("get_consultation", {"consultation_id": consultation["id"]}, CAMILLE)["pending_amendments"] == []
    with pytest.raises(PermissionDenied):
        run("decide_amendment", LOU, {"amendment_id": amended["id"], "decision": "accept"})
    view = run("decide_amendment", CAMILLE, {"amendment_id": amended["id"], "decision": "accept",
                                             "note": "Merci, bonne idée."})
    assert view["counters"] == "0 vote - 1 amendement - 0 argument"
    assert [(a["title"], a["amendment_status"], a["supports_count"]) for a in view["amendments"]] == [
        ("Des bancs à l'ombre", "accepted", 1)]
    with pytest.raises(Conflict) as again:
        run("decide_amendment", AGENT, {"amendment_id": amended["id"], "decision": "reject"})
    assert again.value.code == "ALREADY_DECIDED"
    [decided] = store.events("amendment_decided")
    assert decided["payload"]["decision"] == "accepted" and decided["payload"]["decided_by"] == "author"
    assert [e["payload"]["amends"] for e in store.events("amendment_proposed")] == [proposal["id"]]
    # the authors are told by the notifications service, from these events (issue 15 §1): ideas e-mails nobody
    assert accounts.notices == []
    assert {e["actor"]["account_id"] for e in store.events("amendment_proposed")} == {DOMINIQUE["account_id"]}


def test_amending_outside_an_amendable_text_or_an_amendment_is_refused(run, store, consultation):
    proposal = run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "proposals")))
    before = snapshot(store)
    with pytest.raises(Conflict) as refused:
        run("submit_proposal", DOMINIQUE, {"amends": proposal["id"], "title": "Un amendement",
                                           "body": "Un amendement refusé.", "author_pseudonym": "Dominique"})
    assert refused.value.code == "NOT_AMENDABLE" and snapshot(store) == before
    with pytest.raises(Conflict) as wrong:
        run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "questionnaire")))
    assert wrong.value.code == "WRONG_SECTION_MODE" and snapshot(store) == before


def test_questionnaire_answered_once_with_results(run, store, consultation):
    survey = section_of(consultation, "questionnaire")
    answers = {"q1": "Parfois", "q2": ["Lire", "Marcher"], "q3": f"Plus d'ombre {XSS}"}
    state = run("answer_questionnaire", CAMILLE, {"section_id": survey["id"], "answers": answers})
    assert state["responses_count"] == 1
    run("answer_questionnaire", DOMINIQUE, {"section_id": survey["id"], "answers": {"q1": "Parfois", "q2": ["Jouer"]}})
    before = snapshot(store)
    with pytest.raises(Conflict) as twice:
        run("answer_questionnaire", CAMILLE, {"section_id": survey["id"], "answers": answers})
    assert twice.value.code == "ALREADY_ANSWERED" and snapshot(store) == before
    with pytest.raises(InvalidInput) as broken:
        run("answer_questionnaire", LOU, {"section_id": survey["id"],
                                          "answers": {"q1": "Toujours", "q2": ["Marcher"], "q9": "?"}})
    assert set(broken.value.details) == {"q1", "q9"} and snapshot(store) == before
    with pytest.raises(InvalidInput) as missing:
        run("answer_questionnaire", LOU, {"section_id": survey["id"], "answers": {"q2": ["Marcher"]}})
    assert set(missing.value.details) == {"q1"}
    view = section_of(run("get_consultation", {"consultation_id": consultation["id"]}, CAMILLE), "questionnaire")
    assert view["questionnaire"]["answered"] and view["questionnaire"]["results_visible"]
    q1, q2, q3 = view["questionnaire"]["results"]
    assert [(c["label"], c["count"], c["percent"]) for c in q1["choices"]] == [
        ("Chaque jour", 0, 0), ("Parfois", 2, 100), ("Jamais", 0, 0)]
    assert [c["count"] for c in q2["choices"]] == [1, 1, 1]
    assert q3["texts"] == [f"Plus d'ombre {XSS}"]
    # someone who has not answered does not see the results while it is open
    assert section_of(run("get_consultation", {"consultation_id": consultation["id"]}, LOU),
                      "questionnaire")["questionnaire"]["results"] == []


def test_a_closed_consultation_refuses_everything_and_stays_readable(run, store, clock, consultation):
    proposals, survey = section_of(consultation, "proposals"), section_of(consultation, "questionnaire")
    proposal = run("submit_proposal", CAMILLE, proposal_command(proposals))
    with pytest.raises(PermissionDenied):
        run("close_consultation", CAMILLE, {"consultation_id": consultation["id"]})
    with pytest.raises(Conflict) as early:
        run("publish_synthesis", AGENT, {"consultation_id": consultation["id"], "synthesis": "S", "decision": "D",
                                         "decision_body": "Conseil de Paris", "decision_date": date(2026, 5, 1)})
    assert early.value.code == "CONSULTATION_NOT_CLOSED"
    closed = run("close_consultation", AGENT, {"consultation_id": consultation["id"]})
    assert closed["state"] == "closed" and not closed["accepts_input"]
    assert len(store.events("consultation_closed")) == 1
    clock.now = START + timedelta(minutes=5)
    before = snapshot(store)
    for method, actor, command in (
            ("submit_proposal", DOMINIQUE, proposal_command(proposals)),
            ("support", DOMINIQUE, {"kind": "proposal", "target_id": proposal["id"]}),
            ("post_comment", DOMINIQUE, {"proposal_id": proposal["id"], "body": "Trop tard ?",
                                         "author_pseudonym": "Dominique"}),
            ("post_argument", DOMINIQUE, {"proposal_id": proposal["id"], "position": "agree", "body": "Trop tard ?",
                                          "author_pseudonym": "Dominique"}),
            ("answer_questionnaire", DOMINIQUE, {"section_id": survey["id"], "answers": {"q1": "Parfois",
                                                                                         "q2": ["Lire"]}}),
            ("save_section", AGENT, {"consultation_id": consultation["id"], "title": "Encore une",
                                     "mode": "proposals"})):
        with pytest.raises(Conflict) as refused:
            run(method, actor, command)
        assert refused.value.code == "CONSULTATION_CLOSED", method
    assert snapshot(store) == before
    published = run("publish_synthesis", AGENT, {
        "consultation_id": consultation["id"], "synthesis": f"Vous avez proposé des arbres. {XSS}",
        "decision": "Vingt arbres seront plantés.", "decision_body": "Conseil de Paris",
        "decision_date": date(2026, 5, 1), "deliberation_url": "https://www.paris.fr/conseil/2026-DVD-42"})
    assert published["synthesis"]["decision_body"] == "Conseil de Paris"
    assert run("get_proposal", proposal["id"])["title"] == "Des arbres au centre"  # still readable
    [event] = store.events("synthesis_published")
    assert event["payload"]["first_publication"] is True
    with pytest.raises(InvalidInput) as bad_link:
        run("publish_synthesis", AGENT, {"consultation_id": consultation["id"], "synthesis": "S", "decision": "D",
                                         "decision_body": "C", "decision_date": date(2026, 5, 1),
                                         "deliberation_url": "javascript:alert(1)"})
    assert set(bad_link.value.details) == {"deliberation_url"}


def test_sorting_random_is_stable_per_seed(run, consultation, store):
    section = section_of(consultation, "proposals")
    ids = []
    for number, author in enumerate((CAMILLE, DOMINIQUE, LOU, SACHA)):
        command = proposal_command(section, title=f"Proposition numéro {number}")
        ids.append(run("submit_proposal", author, command)["id"])
    run("support", DOMINIQUE, {"kind": "proposal", "target_id": ids[2]})

    def order(sort, seed=""):
        view = run("get_consultation", {"consultation_id": consultation["id"], "sort": sort, "seed": seed})
        return [p["id"] for p in section_of(view, "proposals")["proposals"]]
    assert order("random", "visite-a") == order("random", "visite-a")
    assert sorted(order("random", "visite-b")) == sorted(ids)
    assert len({tuple(order("random", f"visite-{n}")) for n in range(8)}) > 1
    assert order("most_supported")[0] == ids[2]


def post_proposals(run, clock, section: dict, count: int) -> list:
    """`count` proposals a minute apart, two per citizen (posting limits are per account); their ids, oldest
    first."""
    ids = []
    for number in range(count):
        clock.now += timedelta(minutes=1)
        ids.append(run("submit_proposal", citizen_actor(numbered_account(number // 2)),
                       proposal_command(section, title=f"Proposition numéro {number}"))["id"])
    return ids


def test_proposals_are_read_a_page_at_a_time_with_their_total(run, clock, consultation):
    section = section_of(consultation, "proposals")
    ids = post_proposals(run, clock, section, 25)
    amendable = section_of(consultation, "amendable_text")
    amended = run("submit_proposal", CAMILLE, proposal_command(amendable))
    run("submit_proposal", DOMINIQUE, {"amends": amended["id"], "title": "Un amendement",
                                       "body": "Article 1 : la place est à toutes et tous.",
                                       "author_pseudonym": "Dominique"})

    def read(**query):
        view = run("get_consultation", {"consultation_id": consultation["id"], **query})
        return section_of(view, "proposals"), section_of(view, "amendable_text")

    first, charter = read()
    assert len(first["proposals"]) == 20 and first["proposals_count"] == 25
    assert first["proposals_page"] == {"page": 1, "pages": 2, "page_size": 20}
    assert charter["proposals_count"] == 1 and charter["proposals_page"]["pages"] == 1  # amendments aside
    for sort in ("random", "newest", "most_supported"):
        pages = [[p["id"] for p in read(sort=sort, seed="visite-a", page=page)[0]["proposals"]] for page in (1, 2)]
        assert len(pages[1]) == 5 and sorted(pages[0] + pages[1]) == sorted(ids)  # no repeat, no gap
    second, charter = read(sort="newest", page=2, page_size=10, section_id=section["id"])
    assert [p["id"] for p in second["proposals"]] == ids[::-1][10:20]
    assert second["proposals_page"] == {"page": 2, "pages": 3, "page_size": 10}
    assert charter["proposals_page"]["page"] == 1  # only the section asked for turns its page
    last, _ = read(sort="newest", page=99)
    assert last["proposals_page"]["page"] == 2 and [p["id"] for p in last["proposals"]] == ids[::-1][20:]
    assert [p["id"] for p in read(sort="random", seed="visite-b")[0]["proposals"]] == [
        p["id"] for p in read(sort="random", seed="visite-b")[0]["proposals"]]


@pytest.mark.parametrize("query", [{"page": 0}, {"page": -1}, {"page": "deux"}, {"page_size": 0},
                                   {"page_size": 101}, {"section_id": "x"}])
def test_a_bad_page_is_refused_by_name(query):
    with pytest.raises(InvalidInput) as refused:
        load(ConsultationReadSchema(), {"consultation_id": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d", **query})
    assert set(refused.value.details) == set(query)


def test_reading_a_consultation_takes_as_many_statements_with_five_or_fifty_proposals(run, clock, store,
                                                                                      consultation):
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def statements_to_read() -> int:
        statements.clear()
        run("get_consultation", {"consultation_id": consultation["id"], "sort": "random", "seed": "s"}, CAMILLE)
        return len(statements)

    run("submit_proposal", DOMINIQUE, proposal_command(section_of(consultation, "amendable_text")))
    post_proposals(run, clock, section_of(consultation, "proposals"), 5)
    few = statements_to_read()
    post_proposals(run, clock, section_of(consultation, "proposals"), 50)
    assert statements_to_read() == few


def test_reports_hide_consultation_content_and_a_moderator_restores_it(run, run_ideas, store, consultation):
    proposal = run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "proposals")))
    comment = run("post_comment", CAMILLE, {"proposal_id": proposal["id"], "body": "Pub !",
                                            "author_pseudonym": "Camille"})
    for reporter in (DOMINIQUE, LOU, SACHA):
        state = run_ideas("report_content", reporter, {"kind": "proposal", "content_id": proposal["id"],
                                                        "reason": "spam"})
    assert state["hidden"] is True
    assert run("get_proposal", proposal["id"])["title"] == "Masqué par la modération"
    assert run("get_proposal", proposal["id"], MODERATOR)["title"] == "Des arbres au centre"
    run_ideas("report_content", DOMINIQUE, {"kind": "proposal_comment", "content_id": str(comment["id"]),
                                            "reason": "offensive"})
    queue = run_ideas("moderation_queue", MODERATOR)
    assert [(i["kind"], i["consultation_id"], i["hidden"]) for i in queue["items"]] == [
        ("proposal", consultation["id"], True), ("proposal_comment", consultation["id"], False)]
    run_ideas("moderate", MODERATOR, {"kind": "proposal", "content_id": proposal["id"], "action": "restore",
                                      "reason": "Signalements abusifs."})
    assert run("get_proposal", proposal["id"])["title"] == "Des arbres au centre"
    assert [e["payload"]["consultation_id"] for e in store.events("content_restored")] == [consultation["id"]]


def add_one_of_each_to_the_moderation_queue(run, run_ideas, consultation, round_number: int):
    """An idea hidden by a moderator, a reported idea comment, a hidden proposal, a reported proposal comment and
    a reported argument, each by a new citizen (posting limits are per account)."""
    author = {"account_id": f"00000000-0000-4000-8000-{round_number:012d}", "roles": ["citizen"]}
    idea = run_ideas("submit_idea", author, {
        "title": f"Une idée à modérer numéro {round_number}", "theme": "cadre_de_vie", "arrondissement": None,
        "address_line": None, "author_pseudonym": "Camille", "description": "Une description assez longue."})
    run_ideas("moderate", MODERATOR, {"kind": "idea", "content_id": idea["id"], "action": "hide", "reason": "Spam."})
    idea_comment = run_ideas("post_comment", author, {"idea_id": idea["id"], "body": "Pub !",
                                                      "author_pseudonym": "Camille"})
    proposal = run("submit_proposal", author, proposal_command(section_of(consultation, "proposals")))
    run_ideas("moderate", MODERATOR, {"kind": "proposal", "content_id": proposal["id"], "action": "hide",
                                      "reason": "Spam."})
    comment = run("post_comment", author, {"proposal_id": proposal["id"], "body": "Pub !",
                                           "author_pseudonym": "Camille"})
    argument = run("post_argument", author, {"section_id": section_of(consultation, "argued_vote")["id"],
                                             "position": "agree", "body": "Pub pub pub !", "author_pseudonym": "C"})
    for kind, content_id in (("comment", idea_comment["id"]), ("proposal_comment", comment["id"]),
                             ("argument", argument["id"])):
        run_ideas("report_content", DOMINIQUE, {"kind": kind, "content_id": str(content_id), "reason": "spam"})


def test_the_moderation_queue_reads_in_as_many_statements_however_long_it_is(run, run_ideas, store, consultation):
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def queue_and_statements() -> tuple:
        statements.clear()
        queue = run_ideas("moderation_queue", MODERATOR)
        return queue, len(statements)

    add_one_of_each_to_the_moderation_queue(run, run_ideas, consultation, 1)
    short, counted_short = queue_and_statements()
    for round_number in range(2, 6):
        add_one_of_each_to_the_moderation_queue(run, run_ideas, consultation, round_number)
    long, counted_long = queue_and_statements()
    assert len(short["items"]) == 5 and len(long["items"]) == 25
    assert counted_long == counted_short <= 12
    titles = {item["kind"]: item["idea_title"] for item in long["items"]}
    assert titles["comment"].startswith("Une idée à modérer numéro")
    assert titles["proposal_comment"] == titles["proposal"] == "Des arbres au centre"
    assert titles["argument"] == "Réinventer la place de la Nation"


def test_similar_ideas_include_consultation_proposals(run, run_ideas, consultation):
    run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "proposals"),
                                                     title="Planter des arbres place de la Nation",
                                                     body="Des arbres pour rafraîchir la place de la Nation."))
    found = run_ideas("similar_ideas", {"title": "Arbres place de la Nation", "description": ""})["items"]
    assert [(item["kind"], item["consultation_title"]) for item in found] == [
        ("proposal", "Réinventer la place de la Nation")]


def test_account_deleted_pseudonymises_consultation_content_and_export_lists_it(run, run_ideas, store, consultation):
    proposal = run("submit_proposal", CAMILLE, proposal_command(section_of(consultation, "proposals")))
    run("post_comment", CAMILLE, {"proposal_id": proposal["id"], "body": "Je précise.", "author_pseudonym": "Camille"})
    run("post_argument", CAMILLE, {"section_id": section_of(consultation, "argued_vote")["id"], "position": "agree",
                                   "body": "Oui, vraiment.", "author_pseudonym": "Camille"})
    run("support", CAMILLE, {"kind": "proposal", "target_id": proposal["id"]})
    run("answer_questionnaire", CAMILLE, {"section_id": section_of(consultation, "questionnaire")["id"],
                                          "answers": {"q1": "Jamais", "q2": ["Lire"]}})
    export = run_ideas("export_personal_data", CAMILLE["account_id"])["consultations"]
    assert [len(export[k]) for k in ("proposals", "comments", "arguments", "supports", "questionnaire_answers")] == [
        1, 1, 1, 1, 1]
    deleted = make_event(type="account_deleted", version=1, producer="accounts",
                         subject={"kind": "account", "id": CAMILLE["account_id"]},
                         payload={"account_id": CAMILLE["account_id"]}, actor=None,
                         correlation_id="req-x", causation_id="req-x")
    assert run_ideas("forget_account", deleted) is True
    view = run("get_proposal", proposal["id"])
    assert view["author_pseudonym"] == "Citoyen·ne anonyme" and view["supports_count"] == 1
    assert [c["author_pseudonym"] for c in view["comments"]] == ["Citoyen·ne anonyme"]
    vote = section_of(run("get_consultation", {"consultation_id": consultation["id"]}), "argued_vote")["vote"]
    assert vote["arguments"][0]["author_pseudonym"] == "Citoyen·ne anonyme" and vote["agree_count"] == 1
    assert run_ideas("export_personal_data", CAMILLE["account_id"])["consultations"]["proposals"] == []


def test_bad_input_is_refused_with_nothing_written(run, store, consultation, monkeypatch):
    section = section_of(consultation, "proposals")
    before = snapshot(store)
    with pytest.raises(InvalidInput) as short:
        run("submit_proposal", CAMILLE, proposal_command(section, title="Non", body="court"))
    assert set(short.value.details) == {"title", "body"}
    with pytest.raises(NotFound):
        run("support", CAMILLE, {"kind": "proposal", "target_id": "00000000-0000-4000-8000-000000000000"})
    assert snapshot(store) == before
    monkeypatch.setattr("ideas.handlers.contributions.PROPOSALS_PER_HOUR", 1)
    run("submit_proposal", CAMILLE, proposal_command(section))
    with pytest.raises(RateLimited) as limited:
        run("submit_proposal", CAMILLE, proposal_command(section, title="Une deuxième proposition"))
    assert "1 propositions par heure" in limited.value.message and "Réessayez dans" in limited.value.message


def test_sections_in_use_keep_their_mode(run, consultation):
    survey = section_of(consultation, "questionnaire")
    run("answer_questionnaire", CAMILLE, {"section_id": survey["id"], "answers": {"q1": "Jamais", "q2": ["Lire"]}})
    with pytest.raises(Conflict) as in_use:
        run("save_section", AGENT, {"consultation_id": consultation["id"], "section_id": survey["id"],
                                    "title": "Vos usages", "mode": "proposals"})
    assert in_use.value.code == "SECTION_IN_USE"
    renamed = run("save_section", AGENT, {"consultation_id": consultation["id"], "section_id": survey["id"],
                                          "title": "Vos usages de la place", "mode": "questionnaire",
                                          "questions": QUESTIONS})
    assert section_of(renamed, "questionnaire")["title"] == "Vos usages de la place"
    with pytest.raises(Conflict):
        run("delete_section", AGENT, {"consultation_id": consultation["id"], "section_id": survey["id"]})
    left = run("delete_section", AGENT, {"consultation_id": consultation["id"],
                                         "section_id": section_of(consultation, "amendable_text")["id"]})
    assert len(left["sections"]) == 3


def test_the_demo_consultation_is_seeded_once_with_every_mode(run, store):
    assert run("seed_demo_consultation", cli.DEMO_CONSULTATION, "Équipe démo") is True
    assert run("seed_demo_consultation", cli.DEMO_CONSULTATION, "Équipe démo") is False
    demo = run("get_consultation", {"consultation_id": cli.DEMO_CONSULTATION["id"]})
    assert demo["state"] == "open" and len(store.events("consultation_opened")) == 1
    assert [s["mode"] for s in demo["sections"]] == ["proposals", "argued_vote", "questionnaire", "amendable_text"]
    assert [p["author_pseudonym"] for p in section_of(demo, "proposals")["proposals"]] == ["Équipe démo"]


# --- agents run only the consultations of their direction ------------------------------------------------------

DVD_AGENT = {"account_id": "4c5d6e7f-8091-4a2b-bc3d-4e5f6a7b8c9d", "roles": ["citizen", "agent"], "direction": "DVD"}
ADMIN = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen", "admin"]}


def running_commands(consultation: dict) -> dict:
    proposals = section_of(consultation, "proposals")
    return {
        "save_consultation": {**consultation_command(title="Réinventer la place de la Nation (2)"),
                              "consultation_id": consultation["id"]},
        "save_section": {"consultation_id": consultation["id"], "title": "Encore", "mode": "proposals",
                         "body": "Proposez encore."},
        "delete_section": {"consultation_id": consultation["id"], "section_id": proposals["id"]},
        "close_consultation": {"consultation_id": consultation["id"]},
    }


def test_a_consultation_belongs_to_its_agents_direction(run, consultation):
    assert consultation["direction"] == "DDCT" and consultation["viewer"]["can_edit"]
    assert not run("get_consultation", {"consultation_id": consultation["id"]}, DVD_AGENT)["viewer"]["can_edit"]
    made = run("save_consultation", ADMIN, consultation_command(direction="DVD"))
    assert made["direction"] == "DVD"
    assert run("save_consultation", DVD_AGENT, consultation_command(direction="DEVE"))["direction"] == "DVD"


def test_only_those_who_run_a_consultation_read_it_for_the_editor(run, consultation):
    editing = {"consultation_id": consultation["id"], "editing": True}
    for outsider, code in ((DVD_AGENT, "OUTSIDE_DIRECTION"), (MODERATOR, "FORBIDDEN"), (None, "FORBIDDEN")):
        with pytest.raises(PermissionDenied) as refused:
            run("get_consultation", editing, outsider)
        assert refused.value.code == code
        if code == "OUTSIDE_DIRECTION":
            assert refused.value.details == {"direction": "DDCT"} and "direction DDCT" in refused.value.message
    for who in (AGENT, ADMIN):
        assert run("get_consultation", editing, who)["viewer"]["can_edit"]
    # its public page is everyone's
    assert run("get_consultation", {"consultation_id": consultation["id"]}, DVD_AGENT)["id"] == consultation["id"]


@pytest.mark.parametrize("method", ["save_consultation", "save_section", "delete_section", "close_consultation"])
def test_an_agent_of_another_direction_or_a_moderator_changes_nothing(run, store, consultation, method):
    before = snapshot(store)
    for outsider, code in ((DVD_AGENT, "OUTSIDE_DIRECTION"), (MODERATOR, "FORBIDDEN")):
        with pytest.raises(PermissionDenied) as refused:
            run(method, outsider, running_commands(consultation)[method])
        assert refused.value.code == code
        if code == "OUTSIDE_DIRECTION":
            assert refused.value.details == {"direction": "DDCT"} and "direction DDCT" in refused.value.message
    assert snapshot(store) == before


@pytest.mark.parametrize("method", ["save_consultation", "save_section", "delete_section", "close_consultation"])
@pytest.mark.parametrize("who", [AGENT, ADMIN], ids=["owning agent", "admin"])
def test_the_owning_agent_or_an_admin_runs_it(run, store, consultation, method, who):
    before = snapshot(store)
    run(method, who, running_commands(consultation)[method])
    assert snapshot(store) != before


def test_the_synthesis_and_amendments_stay_with_the_owning_direction(run, store, consultation, clock):
    charter = section_of(consultation, "amendable_text")
    proposal = run("submit_proposal", CAMILLE, proposal_command(charter, title="Article 2 : des bancs"))
    amendment = run("submit_proposal", DOMINIQUE, {"amends": proposal["id"], "title": "Des bancs à l'ombre",
                                                   "body": "Des bancs sous les arbres, pas au soleil.",
                                                   "author_pseudonym": "Dominique"})
    decision = {"amendment_id": amendment["id"], "decision": "reject", "note": "Hors sujet."}
    before = snapshot(store)
    with pytest.raises(PermissionDenied) as refused:
        run("decide_amendment", DVD_AGENT, decision)
    assert refused.value.code == "OUTSIDE_DIRECTION"
    with pytest.raises(PermissionDenied):
        run("decide_amendment", MODERATOR, decision)
    assert snapshot(store) == before
    assert run("decide_amendment", ADMIN, decision)["amendments"][0]["amendment_status"] == "rejected"
    clock.now = START + timedelta(days=31)
    synthesis = {"consultation_id": consultation["id"], "synthesis": "Merci à toutes et tous.",
                 "decision": "La place sera piétonnisée.", "decision_body": "Conseil de Paris",
                 "decision_date": date(2026, 5, 1), "deliberation_url": None}
    before = snapshot(store)
    with pytest.raises(PermissionDenied) as refused:
        run("publish_synthesis", DVD_AGENT, synthesis)
    assert refused.value.code == "OUTSIDE_DIRECTION" and snapshot(store) == before
    assert run("publish_synthesis", AGENT, synthesis)["synthesis"]["decision"] == "La place sera piétonnisée."

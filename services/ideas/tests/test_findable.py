"""The text index kept in step with the idea box and consultations (handlers/findable.py): what is found by its words
and suggested as similar after each write that changes it (submitted, hidden, restored, merged, forwarded, erased,
imported, seeded; proposals submitted, hidden, restored), on SQLite with no broker nor Redis (the unit tier)."""
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.envelope import make_event
from ideas import cli
from ideas.handlers import Consultations, Ideas
from tests.fakes import FakeAccounts

from .test_merge_similar_import import madrid_row, write_csv

CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
DOMINIQUE = {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99", "roles": ["citizen"]}
LOU = {"account_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "roles": ["citizen"]}
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"], "direction": "DDCT"}
MODERATOR = {"account_id": "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen", "admin"]}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Unthrottled:
    """Posting limits are Redis's (tested elsewhere): here every posting passes."""

    def consume(self, *args, **kwargs):
        pass


@pytest.fixture
def run(store):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, Unthrottled(), accounts=FakeAccounts(), clock=lambda: NOW), method)(*args)
    return run


@pytest.fixture
def run_consultations(store):
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Consultations(uow, Unthrottled(), accounts=FakeAccounts(), clock=lambda: NOW),
                           method)(*args)
    return run


def submit(run, actor, title, description, **changes) -> dict:
    return run("submit_idea", actor, {"title": title, "description": description, "theme": "environnement",
                                      "arrondissement": 10, "address_line": None, "author_pseudonym": "Camille",
                                      **changes})


def search(run, q, **filters) -> list:
    page = run("list_ideas", {"theme": None, "status": None, "arrondissement": None, "scheme": None, "q": q,
                              "sort": None, "limit": 20, "offset": 0, **filters})
    assert page["total"] == len(page["items"])  # every test here fits in one page: the count is the page's
    return [item["id"] for item in page["items"]]


def similar(run, title, description="") -> list:
    return [(item["kind"], item["id"]) for item in run("similar_ideas", {"title": title,
                                                                         "description": description})["items"]]


@pytest.fixture
def fountains(run) -> dict:
    return submit(run, CAMILLE, "Des fontaines à boire le long du canal",
                  "Installer des fontaines d'eau potable sur les quais du canal Saint-Martin.")


def moderate(run, kind, content_id, action):
    run("moderate", MODERATOR, {"kind": kind, "content_id": content_id, "action": action, "reason": "Vérifié."})


def test_a_submitted_idea_is_found_by_its_words_and_suggested_at_once(run, fountains):
    assert search(run, "fontaines canal") == [fountains["id"]]
    assert similar(run, "Fontaines d'eau le long du canal") == [("idea", fountains["id"])]
    assert search(run, "piscine") == [] and similar(run, "Une piscine olympique chauffée") == []


def test_an_idea_hidden_by_moderation_leaves_the_index_and_comes_back_when_restored(run, fountains):
    moderate(run, "idea", fountains["id"], "hide")
    assert search(run, "fontaines") == [] and similar(run, "Fontaines le long du canal") == []
    assert search(run, "") == [fountains["id"]]  # still listed (masked) without words: only its words are hidden
    moderate(run, "idea", fountains["id"], "restore")
    assert search(run, "fontaines") == [fountains["id"]]
    assert similar(run, "Fontaines le long du canal") == [("idea", fountains["id"])]


def test_an_idea_hidden_by_three_reports_leaves_the_index(run, fountains):
    for number in range(1, 4):
        run("report_content", {"account_id": f"00000000-0000-4000-8000-00000000000{number}", "roles": ["citizen"]},
            {"kind": "idea", "content_id": fountains["id"], "reason": "spam"})
    assert search(run, "fontaines") == [] and similar(run, "Fontaines le long du canal") == []


def test_a_merged_idea_leaves_the_index_and_the_idea_it_joined_stays(run, fountains):
    kept = submit(run, DOMINIQUE, "Fontaines d'eau potable quai de Valmy",
                  "Des fontaines le long du canal pour les promeneurs.")
    assert set(similar(run, "Fontaines le long du canal")) == {("idea", fountains["id"]), ("idea", kept["id"])}
    run("merge_ideas", AGENT, {"idea_id": fountains["id"], "into": kept["id"], "message": "Même demande."})
    assert search(run, "fontaines") == [kept["id"]]
    assert similar(run, "Fontaines le long du canal") == [("idea", kept["id"])]
    assert search(run, "fontaines", status="merged") == []


def test_an_idea_an_administrator_marks_merged_leaves_the_index(run, fountains):
    kept = submit(run, DOMINIQUE, "Fontaines d'eau potable quai de Valmy", "Pour les promeneurs du canal.")
    run("change_status", ADMIN, {"idea_id": fountains["id"], "status": "under_review", "message": "À l'étude."})
    run("change_status", ADMIN, {"idea_id": fountains["id"], "status": "merged", "message": "Doublon.",
                                 "merged_into": kept["id"]})
    assert search(run, "fontaines") == [kept["id"]]


def test_a_forwarded_idea_is_still_suggested_saying_where_it_went_and_that_it_takes_no_more_supports(run, fountains):
    [open_one] = run("similar_ideas", {"title": "Fontaines le long du canal"})["items"]
    assert open_one["accepts_supports"] is True and open_one["scheme"] is None and open_one["scheme_label"] is None
    run("change_status", ADMIN, {"idea_id": fountains["id"], "status": "under_review", "message": "À l'étude."})
    run("change_status", ADMIN, {"idea_id": fountains["id"], "status": "forwarded", "message": "Au budget.",
                                 "scheme": "budget"})
    [forwarded] = run("similar_ideas", {"title": "Fontaines le long du canal"})["items"]
    assert (forwarded["id"], forwarded["status"], forwarded["accepts_supports"]) == (
        fountains["id"], "forwarded", False)
    assert (forwarded["scheme"], forwarded["scheme_label"]) == ("budget", "Budget participatif")
    assert search(run, "fontaines", scheme="budget") == [fountains["id"]]
    assert search(run, "fontaines", scheme="petition") == []


def test_an_erased_account_s_ideas_stay_found_under_the_anonymous_name(run, fountains):
    deleted = make_event(type="account_deleted", version=1, producer="accounts",
                         subject={"kind": "account", "id": CAMILLE["account_id"]},
                         payload={"account_id": CAMILLE["account_id"]}, actor=None, correlation_id="req-x",
                         causation_id="req-x")
    assert run("forget_account", deleted) is True
    [found] = run("similar_ideas", {"title": "Fontaines le long du canal"})["items"]
    assert found["id"] == fountains["id"] and found["author_pseudonym"] == "Citoyen·ne anonyme"


def test_imported_ideas_enter_the_index_in_batches_and_spam_does_not(run, store, tmp_path):
    path = write_csv(tmp_path / "madrid.csv", [
        madrid_row(),
        madrid_row(id="2", title="Prueba de seguridad", description="<p>Plantar árboles en la plaza, prueba.</p>"),
        madrid_row(id="3", title="Carril bici en la Castellana",
                   description="Un carril bici protegido a lo largo de la Castellana."),
        madrid_row(id="4", title="Fuentes de agua potable en los parques", retired_at="05/02/2024",
                   description="Más fuentes de agua potable en los parques del distrito."),
        madrid_row(id="1", title="La misma fila otra vez"),  # the same id later in the file: once
    ])
    assert cli.import_madrid(path, store.uow, batch=2) == {"created": 3, "test_or_probe": 1, "existing": 1}
    ids = {row.source_ref: row.id for row in store.rows("ideas")}
    assert search(run, "árbol plaza") == [ids["decide_madrid:1"]]  # plural and accent ignored
    assert search(run, "castellana") == [ids["decide_madrid:3"]] and search(run, "seguridad") == []
    [retired] = run("similar_ideas", {"title": "Fuentes de agua potable en los parques"})["items"]
    assert (retired["id"], retired["status"], retired["accepts_supports"]) == (
        ids["decide_madrid:4"], "not_retained", False)
    assert cli.import_madrid(path, store.uow)["existing"] == 4 and len(store.rows("text_index_documents")) == 3


def test_seeded_demo_ideas_and_consultation_proposals_are_found(store, run, monkeypatch):
    monkeypatch.setattr(cli, "_unit_of_work", store.uow)
    cli.seed_demo_ideas()
    assert [title for _, title in _titles(run, "Des fontaines à boire le long du canal Saint-Martin")][:1] == [
        "Des fontaines à boire le long du canal Saint-Martin"]
    found = run("similar_ideas", {"title": "Des permanences en mairie pour les démarches en ligne"})["items"]
    assert [item["kind"] for item in found][:1] == ["proposal"]
    assert len(store.rows("text_index_documents")) == len(cli.DEMO_IDEAS) + 2  # and the two demo proposals
    cli.seed_demo_ideas()  # again (every `make run`): nothing twice
    assert len(store.rows("text_index_documents")) == len(cli.DEMO_IDEAS) + 2


def _titles(run, title) -> list:
    return [(item["kind"], item["title"]) for item in run("similar_ideas", {"title": title})["items"]]


# --- consultation proposals ---------------------------------------------------------------------------------

@pytest.fixture
def section(run_consultations) -> int:
    consultation = run_consultations("save_consultation", AGENT, {
        "title": "Réinventer la place de la Nation", "context": "La place sera réaménagée en 2027.",
        "resources": [], "agenda": [], "opens_at": NOW - timedelta(hours=1), "closes_at": NOW + timedelta(days=30)})
    saved = run_consultations("save_section", AGENT, {"consultation_id": consultation["id"],
                                                      "title": "Vos propositions", "mode": "proposals",
                                                      "body": "Que faire de la place ?"})
    return saved["sections"][-1]["id"]


def propose(run_consultations, section, actor=CAMILLE, **changes) -> dict:
    return run_consultations("submit_proposal", actor, {
        "section_id": section, "title": "Planter des arbres place de la Nation",
        "body": "Des arbres pour rafraîchir la place de la Nation en été.", "author_pseudonym": "Camille", **changes})


def test_a_proposal_is_suggested_beside_ideas_until_hidden_and_again_once_restored(run, run_consultations, section):
    proposal = propose(run_consultations, section)
    [found] = run("similar_ideas", {"title": "Des arbres place de la Nation"})["items"]
    assert (found["kind"], found["id"], found["accepts_supports"]) == ("proposal", proposal["id"], True)
    assert found["consultation_title"] == "Réinventer la place de la Nation" and found["scheme"] is None
    assert search(run, "arbres") == []  # the ideas list lists ideas only
    moderate(run, "proposal", proposal["id"], "hide")
    assert similar(run, "Des arbres place de la Nation") == []
    moderate(run, "proposal", proposal["id"], "restore")
    assert similar(run, "Des arbres place de la Nation") == [("proposal", proposal["id"])]


def test_agents_see_on_an_idea_s_page_the_ideas_and_proposals_it_may_duplicate(run, run_consultations, section):
    proposal = propose(run_consultations, section)
    idea = submit(run, DOMINIQUE, "Des arbres sur la place de la Nation", "Planter des arbres place de la Nation.")
    twin = submit(run, LOU, "Planter des arbres place de la Nation", "Des arbres pour la place de la Nation.")
    assert {(item["kind"], item["id"]) for item in run("get_idea", idea["id"], AGENT)["similar"]} == {
        ("proposal", proposal["id"]), ("idea", twin["id"])}  # never the idea itself
    assert run("get_idea", idea["id"], LOU)["similar"] == []


def test_amendments_are_never_suggested(run, run_consultations, store):
    consultation = run_consultations("save_consultation", AGENT, {
        "title": "La charte de la participation", "context": "Un texte à amender.", "resources": [], "agenda": [],
        "opens_at": NOW - timedelta(hours=1), "closes_at": NOW + timedelta(days=30)})
    amendable = run_consultations("save_section", AGENT, {
        "consultation_id": consultation["id"], "title": "La charte", "mode": "amendable_text",
        "body": "Article 1 : chacun participe."})["sections"][-1]["id"]
    article = propose(run_consultations, amendable, title="Article 3 : des tirages au sort",
                      body="Une partie des membres des instances est tirée au sort.")
    run_consultations("submit_proposal", DOMINIQUE, {
        "amends": article["id"], "title": "Tirage au sort des conseils de quartier",
        "body": "Les conseils de quartier aussi sont tirés au sort.", "author_pseudonym": "Dominique"})
    assert similar(run, "Tirage au sort des conseils de quartier") == [("proposal", article["id"])]
    assert [row.doc_id for row in store.rows("text_index_documents")] == [article["id"]]


def test_a_proposal_of_a_closed_consultation_is_suggested_saying_it_takes_no_more_supports(
        run, run_consultations, section):
    proposal = propose(run_consultations, section)
    run_consultations("close_consultation", AGENT, {"consultation_id": proposal["consultation_id"]})
    found = run("similar_ideas", {"title": "Des arbres place de la Nation"})["items"]
    assert [(item["id"], item["accepts_supports"]) for item in found] == [(proposal["id"], False)]


# --- the gate of similarity computations (handlers/idea_views.py) ----------------------------------------------

def test_a_lone_similarity_request_never_waits_and_a_queue_waits_for_the_slot_to_rest():
    import eventlet

    from ideas.handlers.idea_views import SimilarityGate
    gate, served = SimilarityGate(slots=1, rest=3), []
    with gate.turn():
        pass
    assert gate.slots.balance == 1  # nobody was waiting: the slot is free again at once

    def next_citizen():
        with gate.turn():
            served.append("next")

    with gate.turn():
        waiting = eventlet.spawn(next_citizen)
        eventlet.sleep(0.2)  # a computation of 0.2 s, while the next request queues
    eventlet.sleep(0)
    assert served == [] and gate.slots.balance < 0  # the slot rests (0.6 s) before serving it
    waiting.wait()
    assert served == ["next"] and gate.slots.balance == 1


def test_beyond_its_queue_a_similarity_request_is_refused_at_once_and_holds_no_worker():
    import eventlet
    import pytest

    from hubkit.errors import ServiceUnavailable
    from ideas.handlers.idea_views import SimilarityGate
    gate, served = SimilarityGate(slots=1, rest=0, queue=2), []

    def typist(name):
        with gate.turn():
            served.append(name)

    with gate.turn():
        waiting = [eventlet.spawn(typist, name) for name in ("second", "third")]
        eventlet.sleep(0)
        assert gate.slots.balance == -2  # two wait: the queue is full
        with pytest.raises(ServiceUnavailable, match="Réessayez"):
            with gate.turn():
                served.append("fourth")
    for green in waiting:
        green.wait()
    assert served == ["second", "third"] and gate.slots.balance == 1


def test_an_agent_s_idea_page_is_served_without_suggestions_when_the_similarity_queue_is_full(run, monkeypatch):
    from ideas.handlers import idea_views
    idea = submit(run, DOMINIQUE, "Des arbres sur la place de la Nation", "Planter des arbres place de la Nation.")
    submit(run, LOU, "Planter des arbres place de la Nation", "Des arbres pour la place de la Nation.")
    busy = idea_views.SimilarityGate(slots=1, rest=0, queue=0)
    busy.slots.acquire()  # another computation holds the slot, and nobody may wait for it
    monkeypatch.setattr(idea_views, "SIMILARITY", busy)
    page = run("get_idea", idea["id"], AGENT)
    assert page["id"] == idea["id"] and page["similar"] == []
    with pytest.raises(Exception, match="Réessayez"):
        run("similar_ideas", {"title": "Des arbres place de la Nation"})

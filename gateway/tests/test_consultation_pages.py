"""The « Consultations » pages, editor and API, with fake accounts and ideas services behind `gateway.remote.call`."""
import copy

import pytest
from markupsafe import escape

from gateway.auth import CSRF_FIELD
from gateway.tests.fakes import route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from tests.fakes import FakeIdeas

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
CONSULTATION_ID = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
PROPOSAL_ID = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
AMENDMENT_ID = "6c7d8e9f-0a1b-4c2d-9e3f-4a5b6c7d8e9f"
XSS = '<script>alert("avis")</script>'


def html(response) -> str:
    return response.get_data(as_text=True)


def a_proposal(**changes) -> dict:
    proposal = {"id": PROPOSAL_ID, "consultation_id": CONSULTATION_ID, "section_id": 4, "title": f"Des bancs {XSS}",
                "excerpt": "Des bancs…", "hidden": False, "author_pseudonym": "Camille du 11e", "amends": None,
                "amendment_status": None, "amendment_status_label": None, "supports_count": 7,
                "comments_count": 1, "amendments_count": 3, "arguments_count": 4, "agree_count": 3,
                "disagree_count": 1, "counters": "7 votes - 3 amendements - 4 arguments",
                "created_at": "2026-03-02T09:30:00+00:00"}
    return {**proposal, **changes}


QUESTIONS = [{"id": "q1", "kind": "single", "label": "Venez-vous ?", "choices": ["Souvent", "Jamais"],
              "required": True},
             {"id": "q2", "kind": "multiple", "label": "Pour quoi ?", "choices": ["Marcher", "Lire"], "required": True},
             {"id": "q3", "kind": "text", "label": "Une remarque ?", "choices": [], "required": False}]


def a_consultation(**changes) -> dict:
    consultation = {
        "id": CONSULTATION_ID, "title": f"La place de la Nation {XSS}", "excerpt": "La place…",
        "opens_at": "2026-03-01T09:00:00+00:00", "closes_at": "2026-04-01T09:00:00+00:00", "state": "open",
        "state_label": "En cours", "has_synthesis": False, "proposals_count": 1,
        "context": f"Le contexte {XSS}", "accepts_input": True, "sort": "random", "synthesis": None,
        "updated_at": "2026-03-01T09:00:00+00:00", "pending_amendments": [],
        "resources": [{"label": f"Dossier {XSS}", "url": "https://www.paris.fr/nation"}],
        "agenda": [{"title": "Atelier", "place": "Mairie du 11e", "starts_at": "2026-03-10T17:30:00+00:00"}],
        "sections": [
            {"id": 4, "position": 1, "title": "Vos propositions", "mode": "proposals", "mode_label": "Propositions",
             "body": "Proposez.", "questions": [], "proposals": [a_proposal()], "proposals_count": 1, "vote": None,
             "questionnaire": None},
            {"id": 5, "position": 2, "title": "Piétonniser ?", "mode": "argued_vote", "mode_label": "Vote argumenté",
             "body": "Faut-il piétonniser ?", "questions": [], "proposals": [], "proposals_count": 0,
             "vote": {"agree_count": 3, "disagree_count": 1, "arguments": [
                 {"id": 9, "section_id": 5, "proposal_id": None, "position": "agree", "position_label": "D'accord",
                  "body": f"Pour les enfants {XSS}", "hidden": False, "author_pseudonym": "Lou",
                  "created_at": "2026-03-02T10:00:00+00:00"},
                 {"id": 10, "section_id": 5, "proposal_id": None, "position": "disagree",
                  "position_label": "Pas d'accord", "body": "Insulte", "hidden": True, "author_pseudonym": "Sacha",
                  "created_at": "2026-03-02T11:00:00+00:00"}]},
             "questionnaire": None},
            {"id": 6, "position": 3, "title": "Vos usages", "mode": "questionnaire", "mode_label": "Questionnaire",
             "body": None, "questions": QUESTIONS, "proposals": [], "proposals_count": 0, "vote": None,
             "questionnaire": {"responses_count": 2, "answered": False, "results_visible": False, "results": []}}],
        "viewer": None}
    return {**consultation, **changes}


RESULTS = [{"id": "q1", "kind": "single", "label": "Venez-vous ?", "respondents": 2, "texts": [],
            "choices": [{"label": "Souvent", "count": 2, "percent": 100},
                        {"label": "Jamais", "count": 0, "percent": 0}]},
           {"id": "q3", "kind": "text", "label": "Une remarque ?", "respondents": 1, "choices": [],
            "texts": [f"Ombre {XSS}"]}]


def proposal_detail(**changes) -> dict:
    detail = {**a_proposal(), "body": f"Vingt bancs {XSS}", "decision_note": None, "decided_at": None,
              "consultation": {"id": CONSULTATION_ID, "title": "La place de la Nation", "state": "open",
                               "state_label": "En cours"},
              "section": {"id": 4, "title": "La charte", "mode": "amendable_text", "mode_label": "Texte amendable"},
              "amendable": True, "accepts_input": True, "amended": None,
              "amendments": [{**a_proposal(id=AMENDMENT_ID, title="Des bancs à l'ombre", amends=PROPOSAL_ID,
                                           amendment_status="pending", amendment_status_label="En attente"),
                              "body": "Sous les arbres.", "decision_note": None}],
              "arguments": [], "comments": [{"id": 3, "proposal_id": PROPOSAL_ID, "author_pseudonym": "Lou",
                                             "body": f"Oui {XSS}", "hidden": False, "supports_count": 0,
                                             "created_at": "2026-03-02T10:00:00+00:00"}],
              "viewer": None}
    return {**detail, **changes}


def page_of(section: dict, data: dict) -> dict:
    """A section as the service reads it: one page of its proposals (of `section_id`, else each section's
    `page`), their total, and the last page for a page past it."""
    if section["mode"] not in ("proposals", "amendable_text"):
        return {**section, "proposals_page": None}
    every, size = section["proposals"], data.get("page_size", 20)
    pages = max(1, -(-len(every) // size))
    asked = data.get("page", 1) if data.get("section_id") in (None, section["id"]) else 1
    page = min(asked, pages)
    return {**section, "proposals": every[(page - 1) * size:page * size], "proposals_count": len(every),
            "proposals_page": {"page": page, "pages": pages, "page_size": size}}


class FakeConsultations(FakeIdeas):
    """Stands in for the ideas service's consultation RPCs (and, from FakeIdeas, its moderation queue):
    answers like it does, records each call, fails when told to."""

    def __init__(self):
        super().__init__()
        self.consultation, self.proposal = a_consultation(), proposal_detail()

    def list_consultations(self, query):
        items = [self.consultation] if query.get("state") in (None, self.consultation["state"]) else []
        return {"items": items, "total": len(items), "limit": query["limit"], "offset": query["offset"]}

    def get_consultation(self, data, actor=None):
        if data["consultation_id"] != CONSULTATION_ID:
            raise NotFound("Consultation introuvable.")
        viewer = None
        if actor:
            roles = set(actor["roles"])
            viewer = {"can_edit": bool(roles & {"agent", "admin"}),
                      "can_moderate": bool(roles & {"moderator", "admin"}),
                      "supported": [], "voted": [], "answered": [], "reported": []}
        sections = [page_of(section, data) for section in copy.deepcopy(self.consultation["sections"])]
        return {**copy.deepcopy(self.consultation), "sort": data.get("sort", "random"), "viewer": viewer,
                "sections": sections}

    def get_proposal(self, data, actor=None):
        if data["proposal_id"] != PROPOSAL_ID:
            raise NotFound("Proposition introuvable.")
        viewer = None
        if actor:
            roles = set(actor["roles"])
            viewer = {"is_author": True, "can_decide": True, "can_moderate": bool(roles & {"moderator", "admin"}),
                      "supports": False, "voted": False, "supported": [], "reported": []}
        return {**copy.deepcopy(self.proposal), "viewer": viewer}

    def save_consultation(self, actor, data):
        return self.consultation

    def save_section(self, actor, data):
        return self.consultation

    def close_consultation(self, actor, data):
        return self.consultation

    def publish_synthesis(self, actor, data):
        return self.consultation

    def submit_proposal(self, actor, data):
        return {**self.proposal, "id": AMENDMENT_ID if data.get("amends") else PROPOSAL_ID}

    def decide_amendment(self, actor, data):
        return self.proposal

    def support_contribution(self, actor, data):
        return {"kind": data["kind"], "target_id": data["target_id"], "supported": True, "supports_count": 8}

    def post_proposal_comment(self, actor, data):
        return {"id": 12, "proposal_id": data["proposal_id"], "author_pseudonym": data["author_pseudonym"],
                "body": data["body"], "hidden": False, "supports_count": 0, "created_at": "2026-03-04T10:00:00+00:00"}

    def post_argument(self, actor, data):
        return {"id": 13}

    def answer_questionnaire(self, actor, data):
        return {"section_id": data["section_id"], "answered": True, "responses_count": 3, "results": []}


@pytest.fixture
def ideas(accounts, monkeypatch):
    fake = FakeConsultations()
    route_to(monkeypatch, accounts, ideas=fake)
    return fake


# --- reading -------------------------------------------------------------------------------------------

def test_the_list_groups_consultations_by_state_escaped(client, ideas):
    page = html(client.get("/consultations"))
    assert "En cours (1)" in page and "À venir (0)" in page and "Terminées (0)" in page
    assert f'href="/consultations/{CONSULTATION_ID}"' in page and 'aria-current="page">Consultations' in page
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "consultations.css" in page


def test_the_consultation_page_shows_plan_resources_agenda_sections_and_counters(client, ideas):
    response = client.get(f"/consultations/{CONSULTATION_ID}")
    page = html(response)
    assert response.status_code == 200
    assert "Plan de la consultation" in page and 'href="#section-5"' in page
    assert 'href="https://www.paris.fr/nation"' in page and "Mairie du 11e" in page
    assert "7 votes - 3 amendements - 4 arguments" in page
    assert f'href="/consultations/propositions/{PROPOSAL_ID}"' in page
    assert 'width="75"' in page and 'width="25"' in page  # the argued vote's bars, 3 against 1
    assert "Masqué par la modération" in page and "Insulte" not in page
    assert "<script" not in page and page.count("&lt;script&gt;") >= 4
    assert "Connectez-vous</a> pour proposer" in page
    assert "Les résultats s'affichent après votre réponse" in page


def many_proposals(count: int) -> list:
    return [a_proposal(id=f"p-{n}", title=f"Proposition n° {n}") for n in range(1, count + 1)]


def test_proposals_show_twenty_per_page_with_page_links_that_keep_the_sort(client, ideas):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(45)
    page = html(client.get(f"/consultations/{CONSULTATION_ID}?tri=recentes"))
    assert "Proposition n° 20<" in page and "Proposition n° 21<" not in page
    assert "45 propositions</strong> <span class=\"hint\">(propositions 1 à 20, page 1 sur 3)" in page
    link = f"/consultations/{CONSULTATION_ID}?tri=recentes&amp;section=4&amp;page=2#section-4"
    assert f'href="{link}" rel="next">Page suivante' in page and f'href="{link}" aria-label="Page 2">2<' in page
    assert 'aria-current="page">Page 1<' in page and "Page précédente" not in page
    assert ideas.args_of("get_consultation")[-1][0] | {"seed": ""} == {
        "consultation_id": CONSULTATION_ID, "sort": "newest", "seed": "", "section_id": None, "page": 1,
        "page_size": 20}

    page = html(client.get(f"/consultations/{CONSULTATION_ID}?tri=recentes&section=4&page=2"))
    assert "Proposition n° 21<" in page and "Proposition n° 40<" in page
    assert "Proposition n° 20<" not in page and "Proposition n° 41<" not in page
    assert "(propositions 21 à 40, page 2 sur 3)" in page
    assert f'href="/consultations/{CONSULTATION_ID}?tri=recentes&amp;section=4&amp;page=1#section-4" rel="prev"' in page
    assert f'href="/consultations/{CONSULTATION_ID}?tri=soutenues#section-4">Les plus soutenues' in page  # page 1
    assert ideas.args_of("get_consultation")[-1][0]["page"] == 2

    page = html(client.get(f"/consultations/{CONSULTATION_ID}?tri=recentes&section=4&page=3"))
    assert "Proposition n° 45<" in page and "(propositions 41 à 45, page 3 sur 3)" in page
    assert "Page suivante" not in page


def test_page_links_skip_the_far_pages(client, ideas):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(200)  # 10 pages
    page = html(client.get(f"/consultations/{CONSULTATION_ID}?section=4&page=6"))
    numbers = [n for n in range(1, 11) if f'aria-label="Page {n}">{n}<' in page]
    assert numbers == [1, 4, 5, 7, 8, 10] and 'aria-current="page">Page 6<' in page and page.count("<li>…</li>") == 2


def test_one_page_of_proposals_has_no_page_links(client, ideas):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(20)
    page = html(client.get(f"/consultations/{CONSULTATION_ID}"))
    assert "Proposition n° 20<" in page and 'class="pagination"' not in page and "page 1 sur" not in page


@pytest.mark.parametrize("asked", ["abc", "0", "-1", "²", "1.5", ""])
def test_a_bad_page_number_in_the_address_reads_the_first_page(client, ideas, asked):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(45)
    response = client.get(f"/consultations/{CONSULTATION_ID}?section=x&page={asked}")
    assert response.status_code == 200 and "Proposition n° 1<" in html(response)
    sent = ideas.args_of("get_consultation")[-1][0]
    assert sent["page"] == 1 and sent["section_id"] is None


def test_a_page_past_the_last_reads_the_last(client, ideas):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(45)
    response = client.get(f"/consultations/{CONSULTATION_ID}?section=4&page={'9' * 40}")
    assert response.status_code == 200 and "Proposition n° 45<" in html(response)
    assert ideas.args_of("get_consultation")[-1][0]["page"] == 1_000_000


def test_api_reads_a_page_of_proposals_and_refuses_a_bad_page(client, ideas):
    ideas.consultation["sections"][0]["proposals"] = many_proposals(45)
    response = client.get(f"/api/v1/consultations/{CONSULTATION_ID}?section_id=4&page=2&page_size=10&sort=newest")
    assert response.status_code == 200
    [section] = [s for s in response.get_json()["sections"] if s["id"] == 4]
    assert [p["title"] for p in section["proposals"]] == [f"Proposition n° {n}" for n in range(11, 21)]
    assert section["proposals_count"] == 45
    assert section["proposals_page"] == {"page": 2, "pages": 5, "page_size": 10}
    calls = len(ideas.args_of("get_consultation"))
    for query in ("page=0", "page=abc", "page_size=101", "page_size=0", "section_id=-2"):
        refused = client.get(f"/api/v1/consultations/{CONSULTATION_ID}?{query}")
        assert refused.status_code == 400, query
        assert set(refused.get_json()["details"]) == {query.split("=")[0]}
    assert len(ideas.args_of("get_consultation")) == calls  # refused before the service


def test_random_sort_uses_one_seed_per_visit_and_the_other_sorts_are_passed(client, ideas):
    client.get(f"/consultations/{CONSULTATION_ID}")
    client.get(f"/consultations/{CONSULTATION_ID}")
    client.get(f"/consultations/{CONSULTATION_ID}?tri=soutenues")
    first, second, third = [args[0] for args in ideas.args_of("get_consultation")]
    assert first["sort"] == second["sort"] == "random" and first["seed"] == second["seed"] != ""
    assert third["sort"] == "most_supported"


def test_signed_in_citizens_see_the_forms_and_results_show_once_visible(client, ideas, sign_in):
    sign_in()
    ideas.consultation["sections"][2]["questionnaire"] = {"responses_count": 2, "answered": True,
                                                          "results_visible": True, "results": RESULTS}
    page = html(client.get(f"/consultations/{CONSULTATION_ID}"))
    assert "+ Nouvelle proposition" in page and "Voter et argumenter" in page
    assert "Vous avez répondu à ce questionnaire" in page and 'width="100"' in page
    assert "Ombre &lt;script&gt;" in page


def test_a_closed_consultation_shows_no_form_and_links_its_synthesis(client, ideas, sign_in):
    sign_in()
    ideas.consultation.update(state="closed", state_label="Terminée", accepts_input=False, synthesis={
        "synthesis": f"Synthèse {XSS}", "decision": "Vingt arbres.", "decision_body": "Conseil de Paris",
        "decision_date": "2026-05-01", "deliberation_url": "https://www.paris.fr/deliberation",
        "published_at": "2026-04-10T09:00:00+00:00"}, has_synthesis=True)
    page = html(client.get(f"/consultations/{CONSULTATION_ID}"))
    assert "Cette consultation est close" in page and "Nouvelle proposition" not in page
    assert "Voter et argumenter" not in page and "Envoyer mes réponses" not in page
    synthesis = html(client.get(f"/consultations/{CONSULTATION_ID}/synthese"))
    assert "Conseil de Paris" in synthesis and "1er mai 2026" in synthesis and "Synthèse &lt;script&gt;" in synthesis
    assert 'href="https://www.paris.fr/deliberation"' in synthesis


@pytest.mark.parametrize("payload", ['"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>",
                                     "';alert(1);//", "<a href=javascript:alert(1)>x</a>"])
def test_payloads_in_text_and_attributes_stay_text(client, ideas, sign_in, payload):
    sign_in("moderator")
    ideas.consultation["sections"][0]["proposals"][0]["title"] = payload
    ideas.consultation["resources"][0]["label"] = payload
    ideas.consultation["sections"][2]["questions"] = [
        {"id": "q1", "kind": "single", "label": payload, "choices": [payload, "Non"], "required": True}]
    page = html(client.get(f"/consultations/{CONSULTATION_ID}"))
    for dangerous in ("<img", "<svg/onload", "';alert", "<a href=javascript"):
        assert dangerous not in page
    assert page.count(str(escape(payload))) >= 4  # title, resource, question, and a choice's value attribute


def test_no_synthesis_yet_and_unknown_consultations_are_not_found(client, ideas):
    assert client.get(f"/consultations/{CONSULTATION_ID}/synthese").status_code == 404
    assert client.get("/consultations/00000000-0000-4000-8000-000000000000").status_code == 404


def test_the_proposal_page_shows_amendments_decisions_and_forms(client, ideas, sign_in):
    sign_in()
    page = html(client.get(f"/consultations/propositions/{PROPOSAL_ID}"))
    assert "Vingt bancs &lt;script&gt;" in page and "<script" not in page
    assert "Accepter l'amendement" in page and "+ Amender cette proposition" in page
    assert "Êtes-vous d&#39;accord avec cette proposition ?" in page and "Publier mon commentaire" in page
    ideas.proposal["amendments"][0].update(amendment_status="accepted", amendment_status_label="Accepté")
    page = html(client.get(f"/consultations/propositions/{PROPOSAL_ID}"))
    assert "Amendements acceptés" in page and "Accepter l'amendement" not in page


# --- acting -------------------------------------------------------------------------------------------

def test_proposing_sends_the_pseudonym_and_opens_the_proposal(client, ideas, sign_in, post):
    sign_in()
    response = post(f"/consultations/{CONSULTATION_ID}/sections/4/propositions",
                    {"title": "Des arbres", "body": "Vingt arbres au centre."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/propositions/{PROPOSAL_ID}")
    (actor, command), = ideas.args_of("submit_proposal")
    assert command == {"title": "Des arbres", "body": "Vingt arbres au centre.", "consultation_id": CONSULTATION_ID,
                       "section_id": 4, "author_pseudonym": "Camille du 3e"}


def test_a_refused_proposal_shows_the_reason_with_its_status(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("submit_proposal", Conflict("Cette consultation est close : on peut tout relire, mais plus rien y "
                                           "ajouter.", code="CONSULTATION_CLOSED"))
    response = post(f"/consultations/{CONSULTATION_ID}/sections/4/propositions", {"title": XSS, "body": "Texte."})
    page = html(response)
    assert response.status_code == 409 and "plus rien y ajouter" in page
    assert "&lt;script&gt;" in page and "<script" not in page  # the title typed comes back escaped


def test_rate_limits_say_how_long_to_wait(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("post_argument", RateLimited("Vous avez atteint la limite de 30 arguments par heure. Réessayez "
                                            "dans 12 minutes.", details={"retry_after": 700}))
    response = post(f"/consultations/propositions/{PROPOSAL_ID}/vote", {"position": "agree", "body": "Oui, vite."})
    assert response.status_code == 429 and "Réessayez dans 12 minutes" in html(response)


def test_questionnaire_answers_keep_single_multiple_and_text_apart(client, ideas, sign_in, post):
    sign_in()
    response = client.post(f"/consultations/{CONSULTATION_ID}/sections/6/reponses", data={
        CSRF_FIELD: "csrf-of-the-test", "q1": "Souvent", "q2": "Lire", "q2__multiple": "1", "q3": " Plus d'ombre "})
    assert response.status_code == 302
    (actor, command), = ideas.args_of("answer_questionnaire")
    assert command == {"section_id": 6, "answers": {"q1": "Souvent", "q2": ["Lire"], "q3": "Plus d'ombre"}}


def test_questionnaire_errors_show_next_to_the_question(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("answer_questionnaire", InvalidInput(details={"q1": ["Répondez à cette question."]}))
    response = post(f"/consultations/{CONSULTATION_ID}/sections/6/reponses", {"q2": "Lire", "q2__multiple": "1"})
    page = html(response)
    assert response.status_code == 400 and "Répondez à cette question." in page
    assert 'value="Lire" checked' in page


def test_support_vote_amend_decide_and_comment_call_the_service(client, ideas, sign_in, post):
    sign_in()
    assert post(f"/consultations/propositions/{PROPOSAL_ID}/accord").status_code == 302
    assert post(f"/consultations/propositions/{PROPOSAL_ID}/accord", {"commentaire": "3"}).status_code == 302
    assert post(f"/consultations/propositions/{PROPOSAL_ID}/amendements",
                {"title": "À l'ombre", "body": "Sous les arbres."}).status_code == 302
    assert post(f"/consultations/propositions/{PROPOSAL_ID}/amendements/{AMENDMENT_ID}/decision",
                {"decision": "accept"}).status_code == 302
    assert post(f"/consultations/propositions/{PROPOSAL_ID}/commentaires", {"body": "Bravo"}).status_code == 302
    assert [args[1] for args in ideas.args_of("support_contribution")] == [
        {"kind": "proposal", "target_id": PROPOSAL_ID}, {"kind": "proposal_comment", "target_id": "3"}]
    assert ideas.args_of("submit_proposal")[0][1]["amends"] == PROPOSAL_ID
    assert ideas.args_of("decide_amendment")[0][1] == {"amendment_id": AMENDMENT_ID, "decision": "accept",
                                                      "note": None}


def test_supporting_twice_says_so(client, ideas, sign_in, post):
    sign_in()
    ideas.fail("support_contribution", Conflict("Vous êtes déjà d'accord avec ce contenu : un seul « d'accord » par "
                                                "compte.", code="ALREADY_SUPPORTED"))
    response = post(f"/consultations/propositions/{PROPOSAL_ID}/accord")
    assert response.status_code == 409 and "un seul « d&#39;accord » par compte" in html(response)


def test_reports_go_back_to_a_local_page_only(client, ideas, sign_in, post):
    sign_in()
    back = f"/consultations/propositions/{PROPOSAL_ID}#commentaire-3"
    response = post("/consultations/signaler", {"kind": "proposal_comment", "content_id": "3", "reason": "spam",
                                                "retour": back})
    assert response.headers["Location"].endswith(back)
    response = post("/consultations/signaler", {"kind": "argument", "content_id": "9", "reason": "spam",
                                                "retour": "https://evil.example/"})
    assert response.headers["Location"].endswith("/consultations")
    assert post("/consultations/signaler", {"kind": "idea", "content_id": "9", "reason": "spam"}).status_code == 400


def test_only_moderators_moderate(client, ideas, sign_in, post):
    sign_in()
    assert post("/consultations/moderer", {"kind": "argument", "content_id": "9", "action": "hide",
                                           "reason": "Injure"}).status_code == 403
    sign_in("moderator")
    response = post("/consultations/moderer", {"kind": "argument", "content_id": "9", "action": "restore",
                                               "reason": "Abusif", "retour": f"/consultations/{CONSULTATION_ID}"})
    assert response.status_code == 302
    assert ideas.args_of("moderate")[0][1] == {"kind": "argument", "content_id": "9", "action": "restore",
                                               "reason": "Abusif"}


# --- the editor ---------------------------------------------------------------------------------------

def test_the_editor_is_for_agents(client, ideas, sign_in):
    sign_in()
    assert client.get("/consultations/gestion").status_code == 403
    sign_in("agent")
    page = html(client.get(f"/consultations/gestion/{CONSULTATION_ID}"))
    assert "Ajouter une section" in page and "Clore maintenant" in page
    assert "https://www.paris.fr/nation" in page and "2026-03-10 18:30 | Atelier | Mairie du 11e" in page
    assert "unique | Venez-vous ? | Souvent ; Jamais" in page


OUTSIDE = PermissionDenied("Cette consultation relève de la direction DDCT (Direction de la démocratie, des "
                           "citoyen·nes et des territoires) : vous êtes agent de la direction DVD.",
                           code="OUTSIDE_DIRECTION", details={"direction": "DDCT"})


def test_the_editor_of_another_directions_consultation_is_a_403_with_the_reason(client, ideas, sign_in):
    sign_in("agent", direction="DVD")
    ideas.fail("get_consultation", OUTSIDE)
    response = client.get(f"/consultations/gestion/{CONSULTATION_ID}")
    page = html(response)
    assert response.status_code == 403 and "relève de la direction DDCT" in page and "Ajouter une section" not in page
    (query, _), = ideas.args_of("get_consultation")
    assert query["editing"] is True  # the service decides who runs it


def test_deleting_a_section_refused_by_the_service_is_a_403_page_not_a_flash(client, ideas, sign_in, post):
    sign_in("agent", direction="DVD")
    ideas.fail("delete_section", OUTSIDE)
    response = post(f"/consultations/gestion/{CONSULTATION_ID}/sections/3/supprimer")
    assert response.status_code == 403 and "relève de la direction DDCT" in html(response)
    with client.session_transaction() as session:
        assert "_flashes" not in session


def test_a_section_that_cannot_be_deleted_is_said_in_a_flash(client, ideas, sign_in, post):
    sign_in("agent", direction="DDCT")
    ideas.fail("delete_section", Conflict("Cette section a déjà reçu des contributions.", code="SECTION_IN_USE"))
    response = post(f"/consultations/gestion/{CONSULTATION_ID}/sections/3/supprimer")
    assert response.status_code == 302 and response.headers["Location"].endswith("#section-3")
    page = html(client.get(response.headers["Location"]))
    assert "Cette section a déjà reçu des contributions." in page


def test_the_moderation_queue_links_consultation_content_and_moderates_it_there(client, ideas, sign_in):
    sign_in("moderator")
    ideas.moderation_queue = lambda actor: {"items": [
        {"kind": "argument", "content_id": "9", "idea_id": None, "consultation_id": CONSULTATION_ID,
         "proposal_id": None, "idea_title": "La place de la Nation", "text": XSS, "author_pseudonym": "Lou",
         "hidden": True, "pending_reports": 3, "reasons": {"offensive": 3}}],
        "log": [{"kind": "argument", "content_id": "9", "idea_id": None, "consultation_id": CONSULTATION_ID,
                 "action": "hidden", "reason": "Masqué automatiquement après 3 signalements.", "role": "system",
                 "created_at": "2026-03-04T10:00:00+00:00"}]}
    page = html(client.get("/idees/moderation"))
    assert "Argument (consultation)" in page and f'href="/consultations/{CONSULTATION_ID}"' in page
    assert 'action="/consultations/moderer"' in page and "&lt;script&gt;" in page and "<script" not in page


def test_the_editor_lists_pending_amendments(client, ideas, sign_in):
    sign_in("agent")
    ideas.consultation["pending_amendments"] = [{**a_proposal(id=AMENDMENT_ID, title=f"À l'ombre {XSS}",
                                                              amends=PROPOSAL_ID), "amends_title": "Des bancs"}]
    page = html(client.get(f"/consultations/gestion/{CONSULTATION_ID}"))
    assert "Amendements en attente de décision (1)" in page and "À l&#39;ombre &lt;script&gt;" in page
    assert f'href="/consultations/propositions/{PROPOSAL_ID}#amendement-{AMENDMENT_ID}"' in page


def test_creating_a_consultation_parses_lines_and_paris_times(client, ideas, sign_in, post):
    sign_in("agent")
    response = post("/consultations/gestion/nouvelle", {
        "title": "La place de la Nation", "context": "Contexte.",
        "resources": "Dossier | https://www.paris.fr/nation\n\n", "agenda": "2026-03-10 18:30 | Atelier | Mairie",
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-04-01T18:00"})
    assert response.status_code == 302
    (actor, command), = ideas.args_of("save_consultation")
    assert command["resources"] == [{"label": "Dossier", "url": "https://www.paris.fr/nation"}]
    assert command["agenda"] == [{"starts_at": "2026-03-10T18:30:00+01:00", "title": "Atelier", "place": "Mairie"}]
    assert command["closes_at"] == "2026-04-01T18:00:00+02:00"  # summer time in Paris


def test_a_badly_typed_line_is_named(client, ideas, sign_in, post):
    sign_in("agent")
    response = post("/consultations/gestion/nouvelle", {
        "title": "Titre", "context": "Contexte.", "resources": "Dossier sans lien", "agenda": "",
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-04-01T18:00"})
    assert response.status_code == 400 and "Ligne 1" in html(response)
    assert ideas.args_of("save_consultation") == []


def test_sections_with_questions_and_the_synthesis(client, ideas, sign_in, post):
    sign_in("agent")
    post(f"/consultations/gestion/{CONSULTATION_ID}/sections", {
        "title": "Vos usages", "mode": "questionnaire", "body": "",
        "questions": "unique | Venez-vous ? | Souvent ; Jamais\nlibre | Une remarque ?"})
    (actor, command), = ideas.args_of("save_section")
    assert command["questions"] == [{"kind": "single", "label": "Venez-vous ?", "choices": ["Souvent", "Jamais"]},
                                    {"kind": "text", "label": "Une remarque ?", "choices": []}]
    response = post(f"/consultations/gestion/{CONSULTATION_ID}/synthese", {
        "synthesis": "S", "decision": "D", "decision_body": "Conseil de Paris", "decision_date": "2026-05-01",
        "deliberation_url": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/synthese")
    assert ideas.args_of("publish_synthesis")[0][1]["deliberation_url"] is None


# --- the API ------------------------------------------------------------------------------------------

def test_api_agents_create_and_citizens_propose(client, ideas, sign_in):
    token = sign_in()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"title": "Nation", "context": "Contexte.", "opens_at": "2026-03-01T09:00:00+01:00",
            "closes_at": "2026-04-01T09:00:00+02:00"}
    assert client.post("/api/v1/consultations", json=body, headers=headers).status_code == 403
    response = client.post(f"/api/v1/consultations/{CONSULTATION_ID}/proposals", headers=headers,
                           json={"section_id": 4, "title": "Des arbres", "body": "Vingt arbres."})
    assert response.status_code == 201
    sign_in("agent")
    response = client.post("/api/v1/consultations", json=body, headers=headers)
    assert response.status_code == 201
    assert ideas.args_of("save_consultation")[0][1]["opens_at"] == "2026-03-01T09:00:00+01:00"


def test_api_length_limits_are_checked_before_the_service(client, ideas, sign_in):
    token = sign_in()
    response = client.post(f"/api/v1/consultations/{CONSULTATION_ID}/proposals",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"section_id": 4, "title": "x" * 141, "body": "y" * 5001})
    assert response.status_code == 400 and set(response.get_json()["details"]) == {"title", "body"}
    assert ideas.args_of("submit_proposal") == []


def test_api_errors_keep_their_codes(client, ideas, sign_in):
    token = sign_in()
    ideas.fail("post_argument", Conflict("Vous avez déjà voté ici.", code="ALREADY_VOTED"))
    response = client.post("/api/v1/consultations/sections/5/arguments", headers={"Authorization": f"Bearer {token}"},
                           json={"position": "agree", "body": "Encore"})
    assert response.status_code == 409 and response.get_json()["error"] == "ALREADY_VOTED"
    response = client.post("/api/v1/consultations/sections/5/arguments", headers={"Authorization": f"Bearer {token}"},
                           json={"position": "peut-être", "body": "Encore"})
    assert response.status_code == 400 and "position" in response.get_json()["details"]

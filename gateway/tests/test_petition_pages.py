"""The petition pages and /api/v1/petitions, with fake accounts and petitions services behind `remote.call`."""
import html as html_entities
import re

import pytest

from gateway.api import petitions as petitions_api
from gateway.auth import CSRF_FIELD
from gateway.pages import petitions as petitions_pages
from gateway.tests.fakes import RecordingFake, route_to
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited

ACCOUNT_ID = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"  # the signed-in account of gateway/tests/conftest.py

PETITION_ID = "3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b"
DRAFT_ID = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
TOKEN = "Zx8vQ2mN4pL6kJ0hG3fD5sA7qW9eR1tY2uI4oP6aS8d"


def raw(response) -> str:
    return response.get_data(as_text=True)


def html(response) -> str:
    """The page with its character references decoded (Jinja writes an apostrophe as &#39;)."""
    return html_entities.unescape(raw(response))


def petition(**changes) -> dict:
    base = {
        "id": PETITION_ID, "status": "open", "status_label": "Ouverte aux signatures",
        "title": "Des bancs rue Manin", "arrondissement": 19, "author_pseudonym": "Camille du 19e",
        "signatures_count": 1234, "threshold": 5000, "progress_percent": 24,
        "created_at": "2026-01-05T10:00:00+00:00", "submitted_at": "2026-01-06T10:00:00+00:00",
        "opened_at": "2026-01-10T10:00:00+00:00", "closes_at": "2027-01-10T10:00:00+00:00",
        "moderation_due_at": "2026-01-13T10:00:00+00:00", "overdue": False, "sponsors_count": 5,
        "sponsors_required": 5, "hidden": False, "council": None, "answer": None, "rejection": None,
        "asks": "Nous demandons des bancs.\nTous les cent mètres.\n\nEt <script>alert(1)</script> rien d'autre.",
        "background": "Les personnes âgées montent au parc.", "eligibility": "live_work_study",
        "eligibility_label": "Personnes qui habitent, travaillent ou étudient à Paris (déclaré à la signature)",
        "threshold_reached_at": None, "updated_at": "2026-01-10T10:00:00+00:00", "closed_at": None,
        "closed_reason": None, "signable": True, "sponsor_token": None, "origin_idea_id": None, "viewer": None,
        "by_arrondissement": [{"arrondissement": n, "signatures": 1000 if n == 19 else (234 if n == 20 else 0)}
                              for n in range(1, 21)] + [{"arrondissement": None, "signatures": 0}],
    }
    return {**base, **changes}


REFERENCE = {
    "statuses": [], "decisions": [{"code": "accepted", "label": "Demande acceptée"},
                                  {"code": "refused", "label": "Demande refusée"}],
    "rejection_codes": [{"code": "duplicate", "label": "Doublon d'une pétition existante"},
                        {"code": "offensive", "label": "Propos injurieux"}],
    "eligibility": [{"code": "paris_residents", "label": "Habitants"}, {"code": "live_work_study", "label": "Tous"}],
    "settings": {"sponsors_required": 5, "threshold": 5000, "eligibility": "live_work_study", "open_months": 12,
                 "moderation_days": 7},
}


TRENDS = {
    "petition_id": PETITION_ID, "title": "Des bancs rue Manin", "hours": 24, "since": "2026-11-24T20:00:00+00:00",
    "signatures_count": 1234, "window_signatures": 5,
    "ips": [{"ip": "203.0.113.66", "signatures": 4, "invalidated": 0, "first_at": "2026-11-25T08:00:00+00:00",
             "last_at": "2026-11-25T08:01:00+00:00"}],
    "email_domains": [{"domain": "yopmail.com", "signatures": 3, "share_percent": 60.0, "invalidated": 0,
                       "first_at": "2026-11-25T08:00:00+00:00", "last_at": "2026-11-25T08:01:00+00:00",
                       "new_accounts": 3, "disposable": True},
                      {"domain": "exemple.fr", "signatures": 2, "share_percent": 40.0, "invalidated": 1,
                       "first_at": "2026-11-25T07:00:00+00:00", "last_at": "2026-11-25T08:00:00+00:00",
                       "new_accounts": 0, "disposable": False}],
    "domains_scanned": 5, "domains_truncated": False,
    "by_arrondissement": [{"arrondissement": 11, "signatures": 4}, {"arrondissement": None, "signatures": 1}],
    "declared": {"lives": 4, "works": 1, "studies": 0},
    "latest": [{"id": 41, "client_ip": "203.0.113.66", "arrondissement": 11, "lives_in_paris": True,
                "works_in_paris": False, "studies_in_paris": False, "created_at": "2026-11-25T08:01:00+00:00",
                "invalidated": False},
               {"id": 40, "client_ip": None, "arrondissement": None, "lives_in_paris": False, "works_in_paris": True,
                "studies_in_paris": False, "created_at": "2026-11-25T08:00:00+00:00", "invalidated": True}],
    "invalidations": [{"count": 3, "reason": "Signatures en série", "at": "2026-11-25T09:00:00+00:00"}],
}


class FakePetitions(RecordingFake):
    """Stands in for the petitions service: canned answers, every call recorded, failures on demand."""

    def __init__(self):
        super().__init__()
        self.current = petition()

    def reference_data(self):
        return REFERENCE

    listed_total = 1

    def list_petitions(self, query):
        return {"items": [self.current], "total": self.listed_total,
                "counts": {"open": 1, "threshold_reached": 2, "answered": 0, "closed": 4, "rejected": 1}}

    def get_petition(self, data, actor=None):
        return self.current

    def my_petitions(self, actor):
        return {"authored": [petition(id=DRAFT_ID, status="draft", status_label="Brouillon", sponsors_count=2)],
                "sponsored": [], "signed": [self.current]}

    def draft_petition(self, actor, data):
        return petition(id=DRAFT_ID, status="draft", **{k: v for k, v in data.items()})

    def update_draft(self, actor, data):
        return self.current

    def sponsor_view(self, actor, data):
        return petition(id=DRAFT_ID, status="draft", status_label="Brouillon", sponsors_count=2,
                        viewer={"is_author": False, "signed": False, "sponsored": False, "can_moderate": False,
                                "can_administer": False})

    def sponsor_petition(self, actor, data):
        return {"petition_id": DRAFT_ID, "sponsored": True, "sponsors_count": 3, "sponsors_required": 5}

    def submit_petition(self, actor, data):
        return petition(status="submitted")

    def sign_petitions(self, payload):
        """One item of the batch (gateway.remote.batched_call answers that item's outcome)."""
        return {"petition_id": PETITION_ID, "signed": True, "signatures_count": 1235, "threshold": 5000,
                "progress_percent": 24, "status": "open"}

    def moderation_queue(self, actor):
        return {"items": [petition(status="submitted", status_label="En attente de modération", overdue=True,
                                   opened_at=None, signatures_count=0, threshold=None)], "overdue_count": 1}

    def publish_petition(self, actor, data):
        return petition()

    def reject_petition(self, actor, data):
        return petition(status="rejected")

    def council_agenda(self, actor):
        scheduled = petition(id=DRAFT_ID, status="scheduled_for_council",
                             council={"session_date": "2026-06-09", "agenda_url": "https://www.paris.fr/seance",
                                      "scheduled_at": "2026-05-01T10:00:00+00:00"})
        return {"awaiting_placement": [petition(status="threshold_reached")], "scheduled": [scheduled],
                "answered": []}

    def schedule_for_council(self, actor, data):
        return petition(status="scheduled_for_council")

    def record_response(self, actor, data):
        return petition(status="answered")

    def close_petition(self, actor, data):
        return petition(status="closed")

    def signature_trends(self, actor, data):
        return TRENDS

    def invalidate_signatures(self, actor, data):
        return {"petition_id": PETITION_ID, "invalidated": 4, "signatures_count": 1230, "threshold": 5000,
                "status": "open"}


@pytest.fixture
def petitions(app, accounts, monkeypatch):
    """The fake petitions service, and the petitions blueprints on the app (until the lead registers them).
    The visitors' short cache of petition views is off, except in the tests of that cache."""
    monkeypatch.setenv("HUB_PETITION_VIEW_CACHE_SECONDS", "0")
    if not any(name.endswith("api_petitions") for name in app.blueprints):
        app.register_blueprint(petitions_api.bp, url_prefix="/api/v1")
    if "petitions" not in app.blueprints:
        app.register_blueprint(petitions_pages.bp)
    fake = FakePetitions()
    route_to(monkeypatch, accounts, batched=True, petitions=fake)
    return fake


# --- list ---------------------------------------------------------------------------------------

def test_the_list_has_tabs_with_counts_a_search_and_progress(client, petitions, accounts):
    response = client.get("/petitions?statut=seuil-atteint&recherche=bancs&tri=populaires&arrondissement=19")
    page = raw(response)
    assert response.status_code == 200
    [query] = petitions.args_of("list_petitions")
    assert query == ({"status": "threshold_reached", "query": "bancs", "sort": "popular", "arrondissement": 19,
                      "limit": 20, "offset": 0},)
    assert re.search(r'aria-current="page">Seuil atteint <span class="petition-tabs__count">\(2\)', page)
    assert "Closes" in page and "(4)" in page
    assert 'href="/petitions/3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b"' in page
    assert '<progress id="progression-3f1e2d4c' in page and 'max="5000" value="1234"' in page
    assert 'href="/static/petitions.css"' in page
    assert "style=" not in page and "<script" not in page
    assert accounts.calls == []  # an anonymous visit asks nothing of accounts


def test_the_words_searched_are_marked_in_the_titles(client, petitions):
    page = raw(client.get("/petitions?recherche=banc"))
    assert "Des <mark>bancs</mark> rue Manin</a>" in page
    assert "<mark>" not in raw(client.get("/petitions"))


def test_a_long_list_links_its_previous_and_next_pages(client, petitions, monkeypatch):
    monkeypatch.setattr(type(petitions), "listed_total", 100)
    page = html(client.get("/petitions?page=2&recherche=bancs"))
    previous = re.search(r'href="([^"]+)" rel="prev"', page).group(1)
    following = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    assert "page=" not in previous and "recherche=bancs" in previous and "page=3" in following  # page 1: no page=
    assert "recherche=bancs" in following and 'aria-current="page">Page 2<' in page


@pytest.mark.parametrize("query", ["statut=nimporte&page=-3&tri=x&arrondissement=99", "page=²&arrondissement=²",
                                   "page=٣&arrondissement=٣", "arrondissement=07"])
def test_a_bad_list_parameter_falls_back_to_the_defaults(client, petitions, query):
    assert client.get(f"/petitions?{query}").status_code == 200
    [(listed,)] = petitions.args_of("list_petitions")
    assert listed["status"] == "open" and listed["arrondissement"] is None and listed["offset"] == 0


# --- one petition -------------------------------------------------------------------------------

def test_a_petition_drafted_from_an_idea_links_to_the_idea(client, petitions):
    assert "boîte à idées" not in html(client.get(f"/petitions/{PETITION_ID}"))
    idea_id = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
    petitions.current = petition(origin_idea_id=idea_id)
    page = html(client.get(f"/petitions/{PETITION_ID}"))
    assert f'<a href="/idees/{idea_id}">idée de la boîte à idées</a>' in page


def test_the_petition_page_shows_the_text_escaped_the_progress_and_the_chart(client, petitions):
    page = raw(client.get(f"/petitions/{PETITION_ID}"))
    assert "<h1>Des bancs rue Manin</h1>" in page
    assert "Nous demandons des bancs.<br>Tous les cent mètres.</p>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "<strong>1\u202f234</strong> signatures sur 5\u202f000" in page
    assert "Me connecter pour signer" in page and "Signer la pétition</button>" not in page
    assert "19e arrondissement" in page and '<meter min="0" max="1000" value="234"' in page
    assert "1er arrondissement" not in page  # only arrondissements with signatures are listed
    assert petitions.args_of("get_petition") == [({"petition_id": PETITION_ID}, None)]


def test_visitors_share_a_view_kept_one_second_signed_in_readers_always_get_a_fresh_one(
        client, petitions, sign_in, monkeypatch):
    monkeypatch.setenv("HUB_PETITION_VIEW_CACHE_SECONDS", "1")
    now = [100.0]
    client.application.extensions["petition_public_views"] = petitions_api.PublicViews(1.0, clock=lambda: now[0])
    client.application.extensions["petition_visitor_pages"] = petitions_api.PublicViews(1.0, clock=lambda: now[0])
    for _ in range(3):
        assert "1 234" in raw(client.get(f"/petitions/{PETITION_ID}"))
        assert client.get(f"/api/v1/petitions/{PETITION_ID}").json["signatures_count"] == 1234
    assert len(petitions.args_of("get_petition")) == 1  # one RPC for six visitors' reads
    petitions.current = petition(signatures_count=1300)
    assert "1 234" in raw(client.get(f"/petitions/{PETITION_ID}"))
    now[0] += 1.01
    assert "1 300" in raw(client.get(f"/petitions/{PETITION_ID}"))
    assert len(petitions.args_of("get_petition")) == 2
    sign_in()
    client.get(f"/petitions/{PETITION_ID}")
    client.get(f"/petitions/{PETITION_ID}")
    assert [args[1] for args in petitions.args_of("get_petition")][2:] == [
        {"account_id": ACCOUNT_ID, "roles": ["citizen"]}] * 2


def test_visitors_without_a_session_share_one_rendering_of_the_page(client, petitions):
    now = [100.0]
    client.application.extensions["petition_public_views"] = petitions_api.PublicViews(0.0)  # every page reads
    client.application.extensions["petition_visitor_pages"] = petitions_api.PublicViews(1.0, clock=lambda: now[0])
    first = client.get(f"/petitions/{PETITION_ID}")
    petitions.current = petition(signatures_count=1300)
    again = client.get(f"/petitions/{PETITION_ID}")
    assert again.status_code == 200 and again.mimetype == "text/html" and raw(again) == raw(first)
    assert "Set-Cookie" not in again.headers and len(petitions.args_of("get_petition")) == 1
    now[0] += 1.01
    assert "1\u202f300" in raw(client.get(f"/petitions/{PETITION_ID}"))
    # a visitor with a session of their own (here a form token from the login page) gets their own page
    client.get("/connexion")
    client.get(f"/petitions/{PETITION_ID}")
    assert len(petitions.args_of("get_petition")) == 3


def test_an_error_page_is_never_shared_with_other_visitors(client, petitions):
    client.application.extensions["petition_visitor_pages"] = petitions_api.PublicViews(60.0)
    petitions.fail("get_petition", NotFound("Pétition introuvable."))
    assert client.get(f"/petitions/{PETITION_ID}").status_code == 404
    petitions.failures.clear()
    assert client.get(f"/petitions/{PETITION_ID}").status_code == 200


def test_the_visitors_cache_stays_bounded():
    views = petitions_api.PublicViews(60.0, max_entries=3)
    for number in range(10):
        views.get(f"p{number}", lambda: {"n": number})
    assert len(views._views) <= 3 and views.get("p9", lambda: "reloaded") == {"n": 9}


def test_an_unknown_or_malformed_petition_is_a_404(client, petitions):
    assert client.get("/petitions/pas-un-identifiant").status_code == 404
    petitions.fail("get_petition", NotFound("Pétition introuvable."))
    response = client.get(f"/petitions/{PETITION_ID}")
    assert response.status_code == 404 and "Pétition introuvable." in html(response)


def test_signing_sends_the_declaration_the_choice_and_the_address(client, petitions, sign_in, post):
    sign_in()
    form = html(client.get(f"/petitions/{PETITION_ID}"))
    assert 'name="works"' in form and 'name="notify"' in form
    [token] = re.findall(r'name="idempotency_key" value="([A-Za-z0-9_-]{32})"', form)  # the form token
    response = post(f"/petitions/{PETITION_ID}/signer", {"works": "on", "notify": "on", "idempotency_key": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/petitions/{PETITION_ID}#signer")
    [(command,)] = petitions.args_of("sign_petitions")  # coalesced with other requests' signatures
    assert command == {"actor": {"account_id": ACCOUNT_ID, "roles": ["citizen"]}, "petition_id": PETITION_ID,
                       "notify": True, "client": {"ip": "127.0.0.1"},
                       "connection": {"lives": False, "works": True, "studies": False}, "idempotency_key": token}
    assert "1\u202f235 signatures" in html(client.get(f"/petitions/{PETITION_ID}"))


@pytest.mark.parametrize("error, status, text", [
    (Conflict("Vous avez déjà signé cette pétition : une signature par personne.", code="ALREADY_SIGNED"), 409,
     "Vous avez déjà signé cette pétition"),
    (Conflict("Cette pétition est close : elle ne peut plus être signée.", code="PETITION_CLOSED"), 409,
     "Cette pétition est close"),
    (PermissionDenied("Cette pétition est réservée aux personnes qui habitent à Paris.", code="NOT_ELIGIBLE"), 403,
     "réservée aux personnes qui habitent à Paris"),
    (InvalidInput(details={"connection": ["Cochez au moins une case : vous habitez, travaillez ou étudiez à Paris."]}),
     400, "Cochez au moins une case"),
])
def test_a_refused_signature_is_explained_on_the_page_with_its_status(client, petitions, sign_in, post, error,
                                                                     status, text):
    sign_in()
    petitions.fail("sign_petitions", error)
    response = post(f"/petitions/{PETITION_ID}/signer", {})
    assert response.status_code == status and text in html(response)
    assert "Votre signature n'a pas été enregistrée" in html(response)


def test_too_many_signatures_answer_429_with_a_retry_time(client, petitions, sign_in, post):
    sign_in()
    petitions.fail("sign_petitions", RateLimited("Vous signez trop vite. Réessayez dans 42 secondes.",
                                                details={"retry_after": 42, "limit": "sign-account-burst"}))
    response = post(f"/petitions/{PETITION_ID}/signer", {"lives": "on"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "42"
    assert "réessayez dans 1 minute" in html(response)


def test_signing_needs_a_session_and_the_form_token(client, petitions, sign_in):
    response = client.post(f"/petitions/{PETITION_ID}/signer", data={CSRF_FIELD: "x"})
    assert response.status_code == 400  # no session: no CSRF token either
    sign_in()
    assert client.post(f"/petitions/{PETITION_ID}/signer", data={CSRF_FIELD: "wrong"}).status_code == 400
    assert petitions.args_of("sign_petitions") == []


def test_a_signed_petition_says_so_instead_of_the_form(client, petitions, sign_in):
    sign_in()
    petitions.current = petition(viewer={"is_author": False, "signed": True, "sponsored": False,
                                         "can_moderate": False, "can_administer": False})
    page = html(client.get(f"/petitions/{PETITION_ID}"))
    assert "Vous avez signé cette pétition." in page and "Signer la pétition</button>" not in page


def test_a_rejected_petition_shows_its_code_and_reason(client, petitions):
    petitions.current = petition(status="rejected", status_label="Refusée par la modération", signable=False,
                                 opened_at=None, threshold=None, rejection={
                                     "code": "duplicate", "label": "Doublon d'une pétition existante",
                                     "reason": "Une pétition identique est ouverte.", "hidden": False})
    page = html(client.get(f"/petitions/{PETITION_ID}"))
    assert "Pétition refusée par la modération : Doublon d'une pétition existante" in page
    assert "Une pétition identique est ouverte." in page
    assert "Signer la pétition</button>" not in page and "Me connecter pour signer" not in page


def test_council_placement_and_response_are_shown(client, petitions):
    petitions.current = petition(status="answered", signable=False, council={
        "session_date": "2026-06-09", "agenda_url": "https://www.paris.fr/seance-juin",
        "scheduled_at": "2026-05-01T10:00:00+00:00"}, answer={
        "decision": "accepted", "decision_label": "Demande acceptée", "response": "Des bancs seront posés.",
        "answered_at": "2026-06-20T10:00:00+00:00"})
    page = html(client.get(f"/petitions/{PETITION_ID}"))
    assert "Réponse de la Ville : Demande acceptée" in page and "Des bancs seront posés." in page
    assert "9 juin 2026" in page and 'href="https://www.paris.fr/seance-juin"' in page


# --- drafting and co-sponsors ---------------------------------------------------------------------

def test_drafting_needs_a_session(client, petitions):
    response = client.get("/petitions/nouvelle")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_an_empty_draft_is_refused_without_calling_the_service(client, petitions, sign_in, post):
    sign_in()
    response = post("/petitions/nouvelle", {"title": "  ", "asks": "", "background": "", "arrondissement": ""})
    page = html(response)
    assert response.status_code == 400 and page.count("Ce champ est obligatoire.") >= 3
    assert petitions.args_of("draft_petition") == []


def test_the_service_messages_go_next_to_the_fields_and_the_text_is_kept(client, petitions, sign_in, post):
    sign_in()
    petitions.fail("draft_petition", InvalidInput(details={"asks": ["Au plus 3000 caractères."]}))
    response = post("/petitions/nouvelle", {"title": "Des bancs rue Manin", "asks": "a" * 3001,
                                            "background": "Contexte suffisant ici.", "arrondissement": "19"})
    page = html(response)
    assert response.status_code == 400 and "Au plus 3000 caractères." in page
    assert 'value="Des bancs rue Manin"' in page and "Contexte suffisant ici.</textarea>" in page
    assert 'aria-invalid="true">aaaa' in page


def test_a_draft_is_created_and_its_author_sees_the_sponsor_link(client, petitions, sign_in, post):
    sign_in()
    response = post("/petitions/nouvelle", {"title": "Des bancs rue Manin", "asks": "Nous demandons des bancs.",
                                            "background": "Pour s'asseoir en montant.", "arrondissement": "19"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/petitions/{DRAFT_ID}#parrainage")
    [(actor, command)] = petitions.args_of("draft_petition")
    assert actor["account_id"] == ACCOUNT_ID and command["arrondissement"] == 19
    petitions.current = petition(id=DRAFT_ID, status="draft", status_label="Brouillon", opened_at=None,
                                 sponsors_count=2, sponsor_token=TOKEN, viewer={
                                     "is_author": True, "signed": False, "sponsored": False, "can_moderate": False,
                                     "can_administer": False})
    page = html(client.get(f"/petitions/{DRAFT_ID}"))
    assert f"/petitions/parrainer/{TOKEN}" in page and "Co-parrains : 2 sur 5" in page
    assert "Soumettre à la modération" in page


def test_submitting_without_enough_sponsors_explains_why(client, petitions, sign_in, post):
    sign_in()
    petitions.current = petition(id=DRAFT_ID, status="draft", status_label="Brouillon", opened_at=None,
                                 sponsors_count=2, sponsor_token=TOKEN, viewer={
                                     "is_author": True, "signed": False, "sponsored": False, "can_moderate": False,
                                     "can_administer": False})
    petitions.fail("submit_petition", Conflict("Il manque encore 3 co-parrains sur 5 avant de pouvoir soumettre "
                                               "la pétition.", code="NOT_ENOUGH_SPONSORS"))
    response = post(f"/petitions/{DRAFT_ID}/soumettre")
    assert response.status_code == 409 and "Il manque encore 3 co-parrains sur 5" in html(response)


def test_sponsoring_by_the_private_link(client, petitions, sign_in, post):
    sign_in()
    page = html(client.get(f"/petitions/parrainer/{TOKEN}"))
    assert "Parrainer cette pétition" in page and "Co-parrains : 2 sur 5" in page
    response = post(f"/petitions/parrainer/{TOKEN}")
    assert response.status_code == 302
    assert petitions.args_of("sponsor_petition")[0][1] == {"token": TOKEN}


def test_sponsoring_ones_own_petition_is_refused_on_the_page(client, petitions, sign_in, post):
    sign_in()
    petitions.fail("sponsor_petition", Conflict("Vous ne pouvez pas parrainer votre propre pétition.",
                                                code="OWN_PETITION"))
    response = post(f"/petitions/parrainer/{TOKEN}")
    assert response.status_code == 409 and "Vous ne pouvez pas parrainer votre propre pétition." in html(response)


def test_my_petitions(client, petitions, sign_in):
    sign_in()
    page = html(client.get("/mes-petitions"))
    assert "Lancées par moi" in page and "2 co-parrains sur 5" in page and "Signées" in page


# --- back-office ------------------------------------------------------------------------------------

def test_the_moderation_queue_is_for_moderators(client, petitions, sign_in):
    sign_in()
    assert client.get("/back-office/petitions/moderation").status_code == 403
    sign_in("moderator")
    page = html(client.get("/back-office/petitions/moderation"))
    assert "En retard" in page and "dont <strong>1 en retard</strong>" in page
    assert 'name="code"' in page and "Doublon d'une pétition existante" in page
    assert 'name="threshold"' not in page  # only an admin sets another threshold
    sign_in("admin")
    assert 'name="threshold"' in html(client.get("/back-office/petitions/moderation"))


def test_publishing_and_rejecting_from_the_queue(client, petitions, sign_in, post):
    sign_in("moderator")
    assert post(f"/back-office/petitions/{PETITION_ID}/publier", {"eligibility": "paris_residents"}).status_code == 302
    assert petitions.args_of("publish_petition")[0][1] == {"petition_id": PETITION_ID, "eligibility": "paris_residents",
                                                            "threshold": None}
    response = post(f"/back-office/petitions/{PETITION_ID}/refuser", {"code": "duplicate", "reason": ""})
    assert response.status_code == 400 and "Ce champ est obligatoire." in html(response)
    assert petitions.args_of("reject_petition") == []
    assert post(f"/back-office/petitions/{PETITION_ID}/refuser", {
        "code": "offensive", "reason": "Propos injurieux envers une personne.", "hidden": "on"}).status_code == 302
    assert petitions.args_of("reject_petition")[0][1]["hidden"] is True


def test_the_council_page_and_its_actions_for_admins(client, petitions, sign_in, post):
    sign_in("moderator")
    page = html(client.get("/back-office/petitions/conseil"))
    assert "Seuil atteint, à inscrire (1)" in page and 'name="session_date"' not in page
    assert post(f"/back-office/petitions/{PETITION_ID}/conseil", {"session_date": "2026-06-09"}).status_code == 403
    sign_in("admin")
    page = html(client.get("/back-office/petitions/conseil"))
    assert 'name="session_date"' in page and 'value="https://www.paris.fr/seance"' in page
    assert post(f"/back-office/petitions/{PETITION_ID}/conseil", {
        "session_date": "2026-06-09", "agenda_url": "https://www.paris.fr/seance"}).status_code == 302
    assert petitions.args_of("schedule_for_council")[0][1] == {
        "petition_id": PETITION_ID, "session_date": "2026-06-09", "agenda_url": "https://www.paris.fr/seance"}
    petitions.fail("record_response", Conflict("Inscrivez d'abord la pétition.", code="NOT_SCHEDULED"))
    response = post(f"/back-office/petitions/{PETITION_ID}/reponse", {"decision": "accepted",
                                                                      "response": "Une réponse complète."})
    assert response.status_code == 409 and "Inscrivez d'abord la pétition." in html(response)
    assert post(f"/back-office/petitions/{PETITION_ID}/clore").status_code == 302


# --- API ------------------------------------------------------------------------------------------

def test_the_api_lists_and_reads_without_a_token(client, petitions):
    listed = client.get("/api/v1/petitions?status=closed&query=bancs")
    assert listed.status_code == 200 and listed.json["total"] == 1
    assert petitions.args_of("list_petitions")[0][0]["status"] == "closed"
    assert client.get("/api/v1/petitions?status=maybe").status_code == 400
    assert client.get(f"/api/v1/petitions/{PETITION_ID}").json["title"] == "Des bancs rue Manin"
    malformed = client.get("/api/v1/petitions/not-a-uuid")  # no petition's path: nothing asked of the service
    assert malformed.status_code == 404 and malformed.json["error"] == "NOT_FOUND"
    assert len(petitions.args_of("get_petition")) == 1


def test_the_api_drafts_and_signs_with_a_bearer_token(client, petitions, bearer):
    assert client.post("/api/v1/petitions", json={}).status_code == 401
    headers = bearer()
    refused = client.post("/api/v1/petitions", headers=headers, json={"title": "", "asks": "x" * 4000})
    assert refused.status_code == 400 and set(refused.json["details"]) == {"title", "asks", "background"}
    created = client.post("/api/v1/petitions", headers=headers, json={
        "title": "Des bancs rue Manin", "asks": "Nous demandons des bancs.",
        "background": "Pour s'asseoir en attendant le bus."})
    assert created.status_code == 201
    assert petitions.args_of("draft_petition")[0][0] == {"account_id": ACCOUNT_ID, "roles": ["citizen"]}
    signed = client.post(f"/api/v1/petitions/{PETITION_ID}/signatures", headers={**headers, "Idempotency-Key": "k-1"},
                         json={"connection": {"works": True}})
    assert signed.status_code == 201 and signed.json["signatures_count"] == 1235
    assert petitions.args_of("sign_petitions")[0][0] == {
        "actor": {"account_id": ACCOUNT_ID, "roles": ["citizen"]}, "petition_id": PETITION_ID, "notify": False,
        "connection": {"lives": False, "works": True, "studies": False}, "client": {"ip": "127.0.0.1"},
        "idempotency_key": "k-1"}
    petitions.fail("sign_petitions", Conflict("Vous avez déjà signé cette pétition.", code="ALREADY_SIGNED"))
    again = client.post(f"/api/v1/petitions/{PETITION_ID}/signatures", headers=headers, json={})
    assert again.status_code == 409 and again.json["error"] == "ALREADY_SIGNED"


def test_the_api_back_office_checks_roles_at_the_gateway(client, petitions, bearer):
    citizen = bearer()
    assert client.get("/api/v1/petitions/moderation", headers=citizen).status_code == 403
    assert client.post(f"/api/v1/petitions/{PETITION_ID}/publication", headers=citizen, json={}).status_code == 403
    moderator = bearer("moderator")
    assert client.get("/api/v1/petitions/moderation", headers=moderator).json["overdue_count"] == 1
    assert client.post(f"/api/v1/petitions/{PETITION_ID}/council-placement", headers=moderator,
                       json={"session_date": "2026-06-09", "agenda_url": "https://x.paris.fr"}).status_code == 403
    admin = bearer("admin")
    bad = client.post(f"/api/v1/petitions/{PETITION_ID}/council-placement", headers=admin,
                      json={"session_date": "2026-02-30", "agenda_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and set(bad.json["details"]) == {"session_date", "agenda_url"}
    placed = client.post(f"/api/v1/petitions/{PETITION_ID}/council-placement", headers=admin,
                         json={"session_date": "2026-06-09", "agenda_url": "https://www.paris.fr/seance"})
    assert placed.status_code == 200
    assert petitions.args_of("schedule_for_council")[0][1]["session_date"] == "2026-06-09"


def test_every_petitions_route_is_in_the_openapi_document(client, petitions):
    document = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/petitions", "/api/v1/petitions/{petition_id}/signatures", "/api/v1/me/petitions",
                 "/api/v1/petitions/sponsorships/{token}", "/api/v1/petitions/moderation",
                 "/api/v1/petitions/{petition_id}/council-placement"):
        assert path in document["paths"], path
    sign = document["paths"]["/api/v1/petitions/{petition_id}/signatures"]["post"]
    assert {"201", "409", "429"} <= set(sign["responses"]) and sign["security"] == [{"bearer": []}]


# --- anti-fraud (back-office) -------------------------------------------------------------------

FRAUD_URL = f"/back-office/petitions/{PETITION_ID}/fraude"
INVALIDATE_URL = f"/back-office/petitions/{PETITION_ID}/invalider"
REASON = "Signatures en série depuis une même connexion"


def test_the_fraud_view_is_for_moderators_and_shows_addresses_declarations_and_signatures(client, petitions,
                                                                                         sign_in):
    sign_in()
    assert client.get(FRAUD_URL).status_code == 403 and petitions.args_of("signature_trends") == []
    sign_in("moderator")
    page = html(client.get(FRAUD_URL + "?heures=168"))
    assert petitions.args_of("signature_trends")[0][1] == {"petition_id": PETITION_ID, "hours": 168}
    assert "203.0.113.66" in page and "habite à Paris 4, travaille 1, étudie 0" in page
    assert 'name="signature_ids" value="41"' in page and 'value="40"' not in page  # 40: already invalidated
    assert "Signatures en série" in page
    assert "<code>yopmail.com</code> <strong class=\"tag tag--warn\">adresses jetables</strong>" in page
    assert "60,0 %" in page and '<option value="exemple.fr">' in page
    assert '<input type="hidden" name="heures" value="24">' in page  # the window shown
    client.get(FRAUD_URL + "?heures=999")  # an unknown window falls back to 24 hours
    assert petitions.args_of("signature_trends")[1][1]["hours"] == 24


def test_invalidating_an_address_from_the_page(client, petitions, sign_in, post):
    sign_in("moderator")
    response = post(INVALIDATE_URL, {"mode": "ip", "ip": "203.0.113.66", "reason": REASON})
    assert response.status_code == 302 and response.headers["Location"].endswith(FRAUD_URL)
    assert petitions.args_of("invalidate_signatures")[0][1] == {"petition_id": PETITION_ID, "reason": REASON,
                                                                 "ip": "203.0.113.66"}


def test_the_fraud_view_says_when_the_domains_are_missing(client, petitions, sign_in):
    sign_in("moderator")
    petitions.signature_trends = lambda actor, data: {**TRENDS, "email_domains": [], "domains_unavailable": True}
    page = html(client.get(FRAUD_URL))
    assert "Les domaines ne sont pas disponibles : le service des comptes ne répond pas." in page
    assert "203.0.113.66" in page


def test_invalidating_an_e_mail_domain_in_the_window_shown(client, petitions, sign_in, post):
    sign_in("moderator")
    empty = post(INVALIDATE_URL, {"mode": "domain", "email_domain": "", "reason": REASON, "heures": "1"})
    assert empty.status_code == 400 and petitions.args_of("invalidate_signatures") == []
    response = post(INVALIDATE_URL, {"mode": "domain", "email_domain": "yopmail.com", "reason": REASON,
                                     "heures": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(FRAUD_URL + "?heures=1")
    assert petitions.args_of("invalidate_signatures")[0][1] == {
        "petition_id": PETITION_ID, "reason": REASON, "email_domain": "yopmail.com", "hours": 1}
    petitions.fail("invalidate_signatures", InvalidInput(details={
        "email_domain": ["Nom de domaine attendu, par exemple « exemple.fr » (sans adresse e-mail)."]}))
    refused = post(INVALIDATE_URL, {"mode": "domain", "email_domain": "jean@yopmail.com", "reason": REASON})
    assert refused.status_code == 400 and "Nom de domaine attendu" in html(refused)
    assert 'value="jean@yopmail.com"' in html(refused)


def test_invalidating_ticked_signatures_and_refusals_on_the_page(client, petitions, sign_in, post):
    sign_in("moderator")
    empty = post(INVALIDATE_URL, {"mode": "ids", "reason": REASON})
    assert empty.status_code == 400 and "Ce champ est obligatoire." in html(empty)
    forged = post(INVALIDATE_URL, {"mode": "ids", "signature_ids": "x1", "reason": REASON})
    assert forged.status_code == 400 and "Identifiants de signatures invalides." in html(forged)
    assert petitions.args_of("invalidate_signatures") == []
    petitions.fail("invalidate_signatures", Conflict("Aucune signature valide ne correspond : rien à invalider.",
                                                     code="NOTHING_TO_INVALIDATE"))
    refused = post(INVALIDATE_URL, {"mode": "ids", "signature_ids": "41", "reason": REASON})
    assert refused.status_code == 409 and "rien à invalider" in html(refused)
    assert petitions.args_of("invalidate_signatures")[0][1] == {"petition_id": PETITION_ID, "reason": REASON,
                                                                 "signature_ids": [41]}
    sign_in()
    assert post(INVALIDATE_URL, {"mode": "ip", "ip": "203.0.113.66", "reason": REASON}).status_code == 403


def test_the_petition_page_shows_invalidations_and_links_moderators_to_the_fraud_view(client, petitions, sign_in):
    petitions.current = petition(invalidations=[{"count": 4, "reason": REASON, "at": "2026-11-25T09:00:00+00:00"}])
    page = html(client.get(f"/petitions/{PETITION_ID}"))
    assert "4 signatures invalidées par la modération le" in page and REASON in page
    assert "Anti-fraude" not in page
    sign_in("moderator")
    petitions.current = petition(viewer={"is_author": False, "signed": False, "sponsored": False,
                                         "can_moderate": True, "can_administer": False})
    assert FRAUD_URL in html(client.get(f"/petitions/{PETITION_ID}"))


def test_the_api_fraud_view_and_invalidation(client, petitions, bearer):
    citizen = bearer()
    assert client.get(f"/api/v1/petitions/{PETITION_ID}/signature-trends", headers=citizen).status_code == 403
    assert client.post(f"/api/v1/petitions/{PETITION_ID}/invalidations", headers=citizen,
                       json={"ip": "203.0.113.66", "reason": REASON}).status_code == 403
    moderator = bearer("moderator")
    assert client.get(f"/api/v1/petitions/{PETITION_ID}/signature-trends?hours=0", headers=moderator).status_code \
        == 400
    trends = client.get(f"/api/v1/petitions/{PETITION_ID}/signature-trends?hours=2", headers=moderator)
    assert trends.status_code == 200 and trends.json["ips"][0]["signatures"] == 4
    assert petitions.args_of("signature_trends")[0][1] == {"petition_id": PETITION_ID, "hours": 2}
    for bad in ({"reason": REASON}, {"ip": "203.0.113.66", "signature_ids": [1], "reason": REASON},
                {"ip": "203.0.113.66", "email_domain": "yopmail.com", "reason": REASON},
                {"signature_ids": [0], "reason": REASON}, {"ip": "203.0.113.66"}):
        assert client.post(f"/api/v1/petitions/{PETITION_ID}/invalidations", headers=moderator,
                           json=bad).status_code == 400, bad
    assert petitions.args_of("invalidate_signatures") == []
    done = client.post(f"/api/v1/petitions/{PETITION_ID}/invalidations", headers=moderator,
                       json={"signature_ids": [41, 42], "reason": REASON})
    assert done.status_code == 200 and done.json["invalidated"] == 4
    assert petitions.args_of("invalidate_signatures")[0][1] == {"petition_id": PETITION_ID, "reason": REASON,
                                                                 "signature_ids": [41, 42], "ip": None,
                                                                 "email_domain": None, "hours": 24}
    document = client.get("/api/v1/openapi.json").json
    assert "/api/v1/petitions/{petition_id}/signature-trends" in document["paths"]
    assert "409" in document["paths"]["/api/v1/petitions/{petition_id}/invalidations"]["post"]["responses"]

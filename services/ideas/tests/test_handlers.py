"""Use cases of the ideas service on a real database (SQLite and PostgreSQL) and a real Redis."""
import json
import uuid

import pytest

from hubkit.envelope import make_event
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited
from ideas import cli
from ideas.handlers import Ideas
from ideas.handlers.idea_views import IdeaViews
from tests.fakes import FakeAccounts

CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
DOMINIQUE = {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99", "roles": ["citizen"]}
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"]}
MODERATOR = {"account_id": "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "roles": ["citizen", "moderator"]}
ADMIN = {"account_id": "9e8d7c6b-5a49-4382-a716-2b3c4d5e6f70", "roles": ["citizen", "admin"]}
UNKNOWN_IDEA = "00000000-0000-4000-8000-000000000000"
PAGE = {"theme": None, "status": None, "arrondissement": None, "q": "", "sort": "newest", "limit": 20, "offset": 0}


def idea_command(**changes) -> dict:
    return {"title": "Des fontaines le long du canal", "theme": "environnement", "arrondissement": 10,
            "address_line": "Quai de Valmy", "author_pseudonym": "Camille du 11e",
            "description": "Il manque des points d'eau potable entre République et Jaurès.", **changes}


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def run(store, throttle, accounts):
    """Run one use case in its own unit of work, as a service worker does."""
    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts), method)(*args)
    return run


@pytest.fixture
def idea(run) -> dict:
    return run("submit_idea", CAMILLE, idea_command())


def account_event(type_: str, account_id: str, version: int = 1, **payload) -> dict:
    return make_event(type=type_, version=version, producer="accounts", subject={"kind": "account", "id": account_id},
                      payload={"account_id": account_id, **payload}, actor={"account_id": account_id,
                                                                           "role": "citizen"},
                      correlation_id="req-1", causation_id="req-1")


def refused(error_class, run, *args) -> Exception:
    with pytest.raises(error_class) as raised:
        run(*args)
    return raised.value


# --- submitting -------------------------------------------------------------------------------------

def test_a_submitted_idea_is_stored_with_its_history_and_an_event_without_personal_data(run, store):
    idea = run("submit_idea", CAMILLE, idea_command(title="  Des fontaines   le long du canal "))
    assert idea["title"] == "Des fontaines le long du canal" and idea["status"] == "submitted"
    assert idea["status_label"] == "Déposée" and idea["theme_label"] == "Environnement"
    assert idea["author_pseudonym"] == "Camille du 11e" and idea["supports_count"] == idea["comments_count"] == 0
    assert [step["status"] for step in idea["history"]] == ["submitted"]
    assert idea["viewer"] == {"is_author": True, "supports": False, "follows": False, "can_change_status": False,
                              "can_merge": False, "can_moderate": False, "reported_idea": False,
                              "reported_comments": [], "own_comments": []}
    row = store.one("ideas")
    assert row.author_id == CAMILLE["account_id"] and row.arrondissement == 10
    [event] = store.events("idea_submitted")
    assert event["payload"] == {"idea_id": idea["id"], "theme": "environnement", "arrondissement": 10}
    assert event["actor"] == {"account_id": CAMILLE["account_id"], "role": "citizen"}
    serialized = json.dumps(event, ensure_ascii=False)
    assert "Camille" not in serialized and "fontaines" not in serialized and "Valmy" not in serialized


def test_every_broken_field_is_reported_at_once_and_nothing_is_written(run, store):
    before = store.snapshot()
    error = refused(InvalidInput, run, "submit_idea", CAMILLE, idea_command(
        title="Abc", description="court", theme="loisirs", arrondissement=21))
    assert set(error.details) == {"title", "description", "theme", "arrondissement"}
    assert error.details["theme"] == ["Choisissez une thématique de la liste."]
    assert store.snapshot() == before


def test_ideas_are_rate_limited_per_account_with_a_retry_time(run, store, monkeypatch):
    monkeypatch.setattr("ideas.handlers.box.IDEAS_PER_HOUR", 2)
    run("submit_idea", CAMILLE, idea_command())
    with pytest.raises(InvalidInput):
        run("submit_idea", CAMILLE, idea_command(title="x"))  # refused input does not use the allowance up
    run("submit_idea", CAMILLE, idea_command())
    before = store.snapshot()
    limited = refused(RateLimited, run, "submit_idea", CAMILLE, idea_command())
    assert 0 < limited.retry_after <= 3600 and "limite de 2 idées proposées par heure" in limited.message
    assert "Réessayez dans 60 minutes" in limited.message
    assert store.snapshot() == before
    run("submit_idea", DOMINIQUE, idea_command())  # another account has its own allowance


# --- reading ------------------------------------------------------------------------------------------

def test_listing_filters_searches_sorts_and_pages(run):
    school = run("submit_idea", CAMILLE, idea_command(title="Ouvrir la cour de l'École le samedi",
                                                      theme="education_jeunesse", arrondissement=14))
    benches = run("submit_idea", CAMILLE, idea_command(title="Des bancs rue Manin", theme="cadre_de_vie",
                                                       arrondissement=19, description="Pour s'asseoir à 100 % !"))
    bikes = run("submit_idea", DOMINIQUE, idea_command(title="Parkings à vélos", theme="mobilites",
                                                       arrondissement=None, address_line=None))
    run("support_idea", DOMINIQUE, benches["id"])
    run("support_idea", CAMILLE, benches["id"])
    run("support_idea", CAMILLE, bikes["id"])
    run("change_status", ADMIN, {"idea_id": school["id"], "status": "under_review", "message": "On regarde."})

    def ids(**query):
        return [item["id"] for item in run("list_ideas", {**PAGE, **query})["items"]]

    assert ids() == [bikes["id"], benches["id"], school["id"]]  # newest first
    assert ids(sort="most_supported") == [benches["id"], bikes["id"], school["id"]]
    assert ids(theme="cadre_de_vie") == [benches["id"]]
    assert ids(status="under_review") == [school["id"]]
    assert ids(arrondissement=14) == [school["id"]]
    assert ids(q="ECOLE samedi") == [school["id"]]  # every word, any case, no accents needed
    # the index finds words: numbers and signs alone find nothing, and % is never a wildcard
    assert ids(q="100 %") == ids(q="%") == ids(q="_") == []
    assert ids(q="bancs %") == [benches["id"]]
    assert ids(q="velo") == [bikes["id"]]
    assert ids(q="introuvable") == []
    page = run("list_ideas", {**PAGE, "limit": 2, "offset": 2})
    assert [item["id"] for item in page["items"]] == [school["id"]] and page["total"] == 3
    [summary] = run("list_ideas", {**PAGE, "theme": "cadre_de_vie"})["items"]
    assert summary["supports_count"] == 2 and summary["comments_count"] == 0
    assert summary["excerpt"] == "Pour s'asseoir à 100 % !" and "description" not in summary


def test_an_unknown_idea_is_not_found(run):
    for method, args in (("get_idea", (UNKNOWN_IDEA,)), ("support_idea", (CAMILLE, UNKNOWN_IDEA)),
                         ("follow_idea", (CAMILLE, UNKNOWN_IDEA)),
                         ("post_comment", (CAMILLE, {"idea_id": UNKNOWN_IDEA, "body": "Oui",
                                                     "author_pseudonym": "Camille"}))):
        assert refused(NotFound, run, method, *args).message == "Idée introuvable."


# --- supports ------------------------------------------------------------------------------------------

def test_one_support_per_account_a_second_is_a_conflict_and_writes_nothing(run, store, idea):
    assert run("support_idea", DOMINIQUE, idea["id"]) == {"idea_id": idea["id"], "supported": True,
                                                          "supports_count": 1}
    before = store.snapshot()
    error = refused(Conflict, run, "support_idea", DOMINIQUE, idea["id"])
    assert error.code == "ALREADY_SUPPORTED" and error.message == "Vous soutenez déjà cette idée."
    assert store.snapshot() == before
    assert run("get_idea", idea["id"], DOMINIQUE)["viewer"]["supports"] is True
    assert run("get_idea", idea["id"], CAMILLE)["viewer"]["supports"] is False
    [event] = store.events("idea_supported")
    assert event["payload"] == {"idea_id": idea["id"], "supports_count": 1}


def test_two_supports_at_the_same_moment_are_one(run, store, idea, monkeypatch):
    """Both requests passed the check before either wrote: the unique constraint refuses the second."""
    run("support_idea", DOMINIQUE, idea["id"])
    monkeypatch.setattr(IdeaViews, "support_of", lambda self, idea_id, account_id: None)
    before = store.snapshot()
    assert refused(Conflict, run, "support_idea", DOMINIQUE, idea["id"]).code == "ALREADY_SUPPORTED"
    assert store.snapshot() == before


def test_two_follows_at_the_same_moment_are_one(run, store, idea, monkeypatch):
    run("follow_idea", DOMINIQUE, idea["id"])
    monkeypatch.setattr(IdeaViews, "follow_of", lambda self, idea_id, account_id: None)
    assert run("follow_idea", DOMINIQUE, idea["id"]) == {"idea_id": idea["id"], "following": True,
                                                         "followers_count": 1}
    assert len(store.rows("idea_follows")) == 1


def test_a_support_can_be_withdrawn_once(run, store, idea):
    run("support_idea", DOMINIQUE, idea["id"])
    run("support_idea", CAMILLE, idea["id"])
    assert run("withdraw_support", DOMINIQUE, idea["id"])["supports_count"] == 1
    assert store.one("ideas").supports_count == 1 and len(store.rows("idea_supports")) == 1
    before = store.snapshot()
    assert refused(NotFound, run, "withdraw_support", DOMINIQUE, idea["id"]).code == "NOT_SUPPORTED"
    assert store.snapshot() == before
    assert store.events("idea_support_withdrawn")[0]["payload"] == {"idea_id": idea["id"], "supports_count": 1}
    assert run("support_idea", DOMINIQUE, idea["id"])["supports_count"] == 2  # and given again


def test_a_closed_idea_takes_no_more_supports(run, store, idea):
    run("support_idea", DOMINIQUE, idea["id"])
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "under_review", "message": "À l'étude."})
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "answered", "message": "C'est prévu."})
    before = store.snapshot()
    assert refused(Conflict, run, "support_idea", CAMILLE, idea["id"]).code == "IDEA_CLOSED"
    assert refused(Conflict, run, "withdraw_support", DOMINIQUE, idea["id"]).code == "IDEA_CLOSED"
    assert store.snapshot() == before


# --- comments ------------------------------------------------------------------------------------------

def test_comments_are_listed_oldest_first_and_counted(run, store, idea):
    first = run("post_comment", DOMINIQUE, {"idea_id": idea["id"], "body": " Bonne idée !\n",
                                            "author_pseudonym": "Dominique"})
    run("post_comment", CAMILLE, {"idea_id": idea["id"], "body": "Merci.", "author_pseudonym": "Camille du 11e"})
    assert first["body"] == "Bonne idée !" and first["author_pseudonym"] == "Dominique"
    view = run("get_idea", idea["id"])
    assert [c["body"] for c in view["comments"]] == ["Bonne idée !", "Merci."]
    assert view["comments_count"] == 2 and view["viewer"] is None
    [event, _] = store.events("comment_posted")
    assert event["payload"] == {"comment_id": first["id"], "idea_id": idea["id"]}
    assert event["subject"] == {"kind": "comment", "id": str(first["id"])}


def test_an_empty_comment_is_refused_and_nothing_is_written(run, store, idea):
    before = store.snapshot()
    error = refused(InvalidInput, run, "post_comment", DOMINIQUE, {"idea_id": idea["id"], "body": " \n ",
                                                                   "author_pseudonym": "Dominique"})
    assert error.details == {"body": ["Le commentaire est vide."]}
    assert store.snapshot() == before


def test_comments_are_rate_limited_per_account(run, store, idea, monkeypatch):
    monkeypatch.setattr("ideas.handlers.box.COMMENTS_PER_HOUR", 2)
    comment = {"idea_id": idea["id"], "body": "Oui !", "author_pseudonym": "Dominique"}
    run("post_comment", DOMINIQUE, comment)
    run("post_comment", DOMINIQUE, comment)
    limited = refused(RateLimited, run, "post_comment", DOMINIQUE, comment)
    assert limited.retry_after > 0 and "2 commentaires par heure" in limited.message
    assert store.one("ideas").comments_count == 2


def test_a_merged_idea_takes_no_comments(run, store, idea):
    other = run("submit_idea", DOMINIQUE, idea_command(title="Des fontaines quai de Jemmapes"))
    run("change_status", ADMIN, {"idea_id": other["id"], "status": "under_review", "message": "Doublon ?"})
    merged = run("change_status", ADMIN, {"idea_id": other["id"], "status": "merged", "merged_into": idea["id"],
                                              "message": "Même idée que celle du quai de Valmy."})
    assert merged["merged_into"] == idea["id"] and merged["history"][-1]["merged_into"] == idea["id"]
    error = refused(Conflict, run, "post_comment", CAMILLE, {"idea_id": other["id"], "body": "Oui",
                                                             "author_pseudonym": "Camille"})
    assert error.code == "IDEA_CLOSED"


# --- follows ---------------------------------------------------------------------------------------------

def test_following_and_unfollowing_are_idempotent(run, store, idea):
    assert run("follow_idea", DOMINIQUE, idea["id"]) == {"idea_id": idea["id"], "following": True,
                                                         "followers_count": 1}
    assert run("follow_idea", DOMINIQUE, idea["id"])["followers_count"] == 1
    assert run("get_idea", idea["id"], DOMINIQUE)["viewer"]["follows"] is True
    assert run("get_idea", idea["id"], DOMINIQUE)["followers_count"] == 1
    assert run("unfollow_idea", DOMINIQUE, idea["id"])["following"] is False
    assert run("unfollow_idea", DOMINIQUE, idea["id"])["followers_count"] == 0
    assert store.rows("idea_follows") == []


# --- status ------------------------------------------------------------------------------------------------

def test_an_admin_moves_an_idea_along_and_the_timeline_shows_each_step(run, store, idea):
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "under_review",
                                 "message": "La direction de l'eau étudie les emplacements."})
    view = run("change_status", ADMIN, {"idea_id": idea["id"], "status": "forwarded", "scheme": "budget",
                                        "message": "À déposer au prochain budget participatif."})
    assert view["status"] == "forwarded" and view["scheme_label"] == "Budget participatif"
    assert view["next_statuses"] == [] and view["viewer"]["can_change_status"] is True
    assert [(s["status"], s["role"]) for s in view["history"]] == [
        ("submitted", "citizen"), ("under_review", "admin"), ("forwarded", "admin")]
    assert view["history"][1]["message"] == "La direction de l'eau étudie les emplacements."
    [_, forwarded] = store.events("idea_status_changed")
    assert forwarded["payload"] == {"idea_id": idea["id"], "from_status": "under_review", "status": "forwarded",
                                    "scheme": "budget", "merged_into": None}
    assert forwarded["actor"] == {"account_id": ADMIN["account_id"], "role": "admin"}
    assert "budget participatif" not in json.dumps(forwarded)  # the message stays out of events


def test_a_citizen_cannot_change_a_status(run, store, idea):
    before = store.snapshot()
    refused(PermissionDenied, run, "change_status", CAMILLE, {"idea_id": idea["id"], "status": "under_review",
                                                              "message": "Je l'étudie moi-même."})
    assert store.snapshot() == before


@pytest.mark.parametrize("staff", [AGENT, MODERATOR], ids=["agent", "moderator"])
def test_agents_and_moderators_are_sent_to_the_routing_inbox_and_nothing_is_written(run, store, idea, staff):
    """An agent decides on an idea from routing's inbox, under its direction rule; a moderator moderates."""
    before = store.snapshot()
    error = refused(PermissionDenied, run, "change_status", staff, {"idea_id": idea["id"], "status": "under_review",
                                                                    "message": "Je m'en occupe."})
    assert "Seuls les administrateurs" in error.message and "« Orientation des idées »" in error.message
    assert store.snapshot() == before
    viewer = run("get_idea", idea["id"], staff)["viewer"]
    assert viewer["can_change_status"] is False and viewer["can_merge"] is True


@pytest.mark.parametrize("command, error_class, field", [
    ({"status": "answered", "message": "Trop tôt."}, Conflict, "status"),
    ({"status": "under_review", "message": "  "}, InvalidInput, "message"),
    ({"status": "under_review", "message": "Ok", "scheme": "budget"}, InvalidInput, "scheme"),
    ({"status": "under_review", "message": "Ok", "merged_into": UNKNOWN_IDEA}, InvalidInput, "merged_into"),
])
def test_a_refused_change_says_why_on_its_field_and_writes_nothing(run, store, idea, command, error_class, field):
    before = store.snapshot()
    error = refused(error_class, run, "change_status", ADMIN, {"idea_id": idea["id"], **command})
    assert field in error.details
    assert store.snapshot() == before


def test_merging_needs_an_existing_idea_still_open(run, store, idea):
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "under_review", "message": "Étude."})
    missing = refused(InvalidInput, run, "change_status", ADMIN, {
        "idea_id": idea["id"], "status": "merged", "merged_into": UNKNOWN_IDEA, "message": "Doublon."})
    assert missing.details == {"merged_into": ["Aucune idée n'a cet identifiant."]}
    other = run("submit_idea", DOMINIQUE, idea_command())
    run("change_status", ADMIN, {"idea_id": other["id"], "status": "under_review", "message": "Étude."})
    run("change_status", ADMIN, {"idea_id": other["id"], "status": "not_retained", "message": "Hors sujet."})
    closed = refused(InvalidInput, run, "change_status", ADMIN, {
        "idea_id": idea["id"], "status": "merged", "merged_into": other["id"], "message": "Doublon."})
    assert "merged_into" in closed.details
    assert run("get_idea", idea["id"])["status"] == "under_review"


# --- events from accounts ----------------------------------------------------------------------------------

def test_a_deleted_account_is_pseudonymised_once_and_its_contributions_stay(run, store, idea):
    run("support_idea", CAMILLE, idea["id"])
    run("support_idea", DOMINIQUE, idea["id"])
    other = run("submit_idea", DOMINIQUE, idea_command(title="L'idée de Dominique"))
    run("follow_idea", CAMILLE, other["id"])  # an author does not follow their own idea (test_author_rules)
    run("post_comment", CAMILLE, {"idea_id": idea["id"], "body": "Je précise : côté quai.",
                                  "author_pseudonym": "Camille du 11e"})
    run("post_comment", DOMINIQUE, {"idea_id": idea["id"], "body": "D'accord.", "author_pseudonym": "Dominique"})
    deleted = account_event("account_deleted", CAMILLE["account_id"])

    assert run("forget_account", deleted) is True
    assert run("forget_account", deleted) is False  # the same event delivered again
    view = run("get_idea", idea["id"])
    assert view["author_pseudonym"] == "Citoyen·ne anonyme" and view["title"] == idea["title"]
    assert [c["author_pseudonym"] for c in view["comments"]] == ["Citoyen·ne anonyme", "Dominique"]
    assert view["comments"][0]["body"] == "Je précise : côté quai."
    assert view["supports_count"] == 2 and run("get_idea", other["id"])["followers_count"] == 1
    assert store.one("ideas", store.metadata.tables["ideas"].c.id == idea["id"]).author_id is None
    assert sorted(str(row.account_id) for row in store.rows("idea_supports")) == ["None", DOMINIQUE["account_id"]]
    assert [row.account_id for row in store.rows("idea_follows")] == [None]
    assert [(row.event_id, row.handler) for row in store.rows("processed_events")] == [
        (deleted["event_id"], "ideas.forget_account")]
    assert run("export_personal_data", CAMILLE["account_id"]) == {
        "ideas": [], "comments": [], "supports": [], "follows": [], "reports": [], "status_changes": [],
        "consultations": {"proposals": [], "comments": [], "arguments": [], "supports": [],
                          "questionnaire_answers": []}}


def test_a_new_pseudonym_reaches_the_snapshots_once(run, store, idea, accounts):
    run("post_comment", CAMILLE, {"idea_id": idea["id"], "body": "Précision.", "author_pseudonym": "Camille du 11e"})
    run("post_comment", DOMINIQUE, {"idea_id": idea["id"], "body": "D'accord.", "author_pseudonym": "Dominique"})
    accounts.add(CAMILLE["account_id"], "Camille Oberkampf")
    renamed = account_event("account_profile_updated", CAMILLE["account_id"], fields=["pseudonym"],
                            certification="declared")

    assert run("refresh_author_pseudonym", renamed) is True
    assert run("refresh_author_pseudonym", renamed) is False
    view = run("get_idea", idea["id"])
    assert view["author_pseudonym"] == "Camille Oberkampf"
    assert [c["author_pseudonym"] for c in view["comments"]] == ["Camille Oberkampf", "Dominique"]
    assert accounts.data_of("public_profiles")[0] == {"account_ids": [CAMILLE["account_id"]]}
    assert len(store.rows("processed_events")) == 1


def test_a_profile_change_without_a_new_pseudonym_asks_nothing(run, store, idea, accounts):
    event = account_event("account_profile_updated", CAMILLE["account_id"], fields=["birth_date", "postcode"],
                          certification="declared")
    assert run("refresh_author_pseudonym", event) is False
    assert accounts.calls == [] and store.rows("processed_events") == []


def test_a_pseudonym_change_of_an_account_deleted_since_keeps_the_snapshot(run, store, idea, accounts):
    event = account_event("account_profile_updated", CAMILLE["account_id"], fields=["pseudonym"],
                          certification="declared")
    assert run("refresh_author_pseudonym", event) is True  # accounts answers no profile
    assert store.one("ideas").author_pseudonym == "Camille du 11e"


def test_an_unknown_event_version_is_ignored(run, store, idea):
    assert run("forget_account", account_event("account_deleted", CAMILLE["account_id"], version=2)) is False
    assert store.one("ideas").author_id == CAMILLE["account_id"] and store.rows("processed_events") == []


# --- GDPR and demo data -----------------------------------------------------------------------------------

def test_the_export_holds_what_the_account_did_and_nothing_of_others(run, idea):
    other = run("submit_idea", DOMINIQUE, idea_command(title="L'idée de Dominique"))
    run("support_idea", CAMILLE, other["id"])
    run("follow_idea", CAMILLE, other["id"])
    run("post_comment", CAMILLE, {"idea_id": other["id"], "body": "Bravo.", "author_pseudonym": "Camille du 11e"})
    run("post_comment", DOMINIQUE, {"idea_id": idea["id"], "body": "Merci.", "author_pseudonym": "Dominique"})
    export = run("export_personal_data", CAMILLE["account_id"])
    assert [i["id"] for i in export["ideas"]] == [idea["id"]]
    assert export["ideas"][0]["address_line"] == "Quai de Valmy"
    assert [c["body"] for c in export["comments"]] == ["Bravo."]
    assert [s["idea_id"] for s in export["supports"]] == [other["id"]]
    assert [f["idea_id"] for f in export["follows"]] == [other["id"]]
    json.dumps(export)  # plain JSON, as it goes over the wire
    admin_export = run("export_personal_data", ADMIN["account_id"])
    assert admin_export["status_changes"] == []
    run("change_status", ADMIN, {"idea_id": idea["id"], "status": "under_review", "message": "Vu."})
    assert [c["message"] for c in run("export_personal_data", ADMIN["account_id"])["status_changes"]] == ["Vu."]


def test_the_demo_seed_can_run_again(store, throttle):
    for _ in range(2):
        for demo in cli.DEMO_IDEAS:
            with store.uow() as uow:
                Ideas(uow, throttle).seed_demo_idea(demo)
    ideas = store.rows("ideas")
    assert len(ideas) == len(cli.DEMO_IDEAS) and {row.author_id for row in ideas} == {None}
    assert {row.status for row in ideas} >= {"submitted", "under_review", "forwarded", "answered"}
    assert all(uuid.UUID(row.id) for row in ideas)

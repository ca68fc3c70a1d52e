"""Merging duplicates, similar ideas and the Decide Madrid import, on SQLite and PostgreSQL with Redis."""
import csv
import json
from pathlib import Path

import pytest

from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ideas import cli

from tests.fakes import FakeAccounts

from .conftest import MADRID_CSV


CAMILLE = {"account_id": "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "roles": ["citizen"]}
DOMINIQUE = {"account_id": "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99", "roles": ["citizen"]}
AGENT = {"account_id": "0b6e2f8e-2d4f-4c43-8d7a-3f6f4e9b2c10", "roles": ["citizen", "agent"]}
UNKNOWN_IDEA = "00000000-0000-4000-8000-000000000000"
ADMIN = {"account_id": "9e8d7c6b-5a49-4382-8170-6f5e4d3c2b1a", "roles": ["citizen", "admin"]}
LOU = {"account_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "roles": ["citizen"]}


def idea_command(**changes) -> dict:
    return {"title": "Des fontaines le long du canal", "theme": "environnement", "arrondissement": 10,
            "address_line": "Quai de Valmy", "author_pseudonym": "Camille du 11e",
            "description": "Il manque des points d'eau potable entre République et Jaurès.", **changes}


def refused(error_class, call, *args) -> Exception:
    with pytest.raises(error_class) as raised:
        call(*args)
    return raised.value


@pytest.fixture
def accounts():
    return FakeAccounts()


@pytest.fixture
def run(store, throttle, accounts):
    """Run one use case in its own unit of work, as a service worker does."""
    from ideas.handlers import Ideas

    def run(method, *args):
        with store.uow() as uow:
            return getattr(Ideas(uow, throttle, accounts=accounts), method)(*args)
    return run


@pytest.fixture
def pair(run):
    """Two ideas on the same subject: Camille's (to merge) and Dominique's (kept)."""
    duplicate = run("submit_idea", CAMILLE, idea_command(title="Des fontaines à eau le long du canal"))
    kept = run("submit_idea", DOMINIQUE, idea_command(title="Fontaines d'eau potable quai de Valmy"))
    return duplicate, kept


def merge(run, actor, source, target, message="Même demande : regroupée."):
    return run("merge_ideas", actor, {"idea_id": source["id"], "into": target["id"], "message": message})


# --- merging -------------------------------------------------------------------------------------------

def test_merging_carries_supports_once_per_account_and_follows_over_and_tells_author_and_followers(
        run, store, pair, accounts):
    duplicate, kept = pair
    for supporter in (LOU, DOMINIQUE, ADMIN):
        run("support_idea", supporter, duplicate["id"])
    run("support_idea", LOU, kept["id"])  # Lou supported both: counted once on the kept idea
    run("follow_idea", LOU, duplicate["id"])
    run("follow_idea", ADMIN, duplicate["id"])
    run("follow_idea", LOU, kept["id"])

    merged = merge(run, AGENT, duplicate, kept)

    assert merged["status"] == "merged" and merged["merged_into"] == kept["id"]
    assert merged["history"][-1]["message"] == "Même demande : regroupée." and merged["history"][-1]["role"] == "agent"
    assert merged["supports_count"] == 0 and merged["accepts_supports"] is False
    survivor = run("get_idea", kept["id"], LOU)
    assert survivor["supports_count"] == 3 and survivor["viewer"]["supports"] is True
    assert survivor["followers_count"] == 2
    assert sorted(r.account_id for r in store.rows("idea_supports")) == sorted(
        [LOU["account_id"], DOMINIQUE["account_id"], ADMIN["account_id"]])
    assert {r.idea_id for r in store.rows("idea_supports")} == {kept["id"]}
    [event] = store.events("idea_merged")
    assert event["payload"] == {"idea_id": duplicate["id"], "merged_into": kept["id"], "supports_moved": 2,
                                "followers_moved": 1, "supports_count": 3}
    assert event["actor"] == {"account_id": AGENT["account_id"], "role": "agent"}
    assert "fontaines" not in json.dumps(event).lower()
    [status_event] = store.events("idea_status_changed")
    assert status_event["payload"]["status"] == "merged" and status_event["payload"]["merged_into"] == kept["id"]
    # its author and followers are told by the notifications service, from idea_merged (issue 15 §1)
    assert accounts.notices == []


@pytest.mark.parametrize("actor", [CAMILLE, DOMINIQUE])
def test_only_staff_merge_and_nothing_is_written_otherwise(run, store, pair, actor):
    duplicate, kept = pair
    before = store.snapshot()
    refused(PermissionDenied, merge, run, actor, duplicate, kept)
    assert store.snapshot() == before


def test_refused_merges_say_why_and_write_nothing(run, store, pair, accounts):
    duplicate, kept = pair
    before = store.snapshot()
    assert refused(InvalidInput, merge, run, AGENT, duplicate, duplicate).details == {
        "into": ["Une idée ne peut pas être fusionnée avec elle-même."]}
    assert refused(InvalidInput, merge, run, AGENT, duplicate, kept, "   ").details == {
        "message": ["Un message public explique la fusion."]}
    assert refused(InvalidInput, merge, run, AGENT, duplicate, {"id": UNKNOWN_IDEA}).details == {
        "into": ["Aucune idée n'a cet identifiant."]}
    refused(NotFound, merge, run, AGENT, {"id": UNKNOWN_IDEA}, kept)
    assert store.snapshot() == before and accounts.notices == []
    merge(run, AGENT, duplicate, kept)
    third = run("submit_idea", LOU, idea_command(title="Encore des fontaines"))
    closed = refused(Conflict, merge, run, AGENT, duplicate, third)  # a merged idea stays merged
    assert closed.code == "INVALID_TRANSITION"
    into_merged = refused(InvalidInput, merge, run, AGENT, third, duplicate)  # nor receives others
    assert into_merged.details == {"into": ["L'idée cible est elle-même fusionnée ou non retenue."]}


def test_merge_input_is_validated_at_the_service_entry():
    from hubkit.validation import load
    from ideas.schemas import MergeIdeasSchema
    with pytest.raises(InvalidInput) as raised:
        load(MergeIdeasSchema(), {"idea_id": "pas-un-uuid", "into": None})
    assert set(raised.value.details) == {"idea_id", "into"}


# --- similar ideas --------------------------------------------------------------------------------------

def test_similar_ideas_rank_close_ideas_first_skip_merged_ones_and_are_shown_to_staff_only(run, pair):
    duplicate, kept = pair
    benches = run("submit_idea", LOU, idea_command(title="Des bancs rue Manin", theme="cadre_de_vie",
                                                   description="Pour s'asseoir en montant aux Buttes-Chaumont."))
    found = run("similar_ideas", {"title": "Fontaines d'eau potable le long du canal", "description": ""})["items"]
    assert [item["id"] for item in found] == [duplicate["id"], kept["id"]]  # benches: nothing in common
    assert 1 >= found[0]["similarity"] > found[1]["similarity"] >= 0.2
    assert found[0]["title"] == "Des fontaines à eau le long du canal" and found[0]["supports_count"] == 0
    assert run("similar_ideas", {"title": "Piscine olympique chauffée"})["items"] == []
    assert [s["id"] for s in run("get_idea", kept["id"], AGENT)["similar"]] == [duplicate["id"]]
    assert run("get_idea", kept["id"], CAMILLE)["similar"] == [] and run("get_idea", kept["id"])["similar"] == []
    merge(run, AGENT, duplicate, kept)
    assert [item["id"] for item in run("similar_ideas", {"title": "Fontaines d'eau potable le long du canal"})[
        "items"]] == [kept["id"]]
    assert run("similar_ideas", {"title": "Bancs rue Manin", "exclude": benches["id"]})["items"] == []


def test_similar_query_is_validated():
    from hubkit.validation import load
    from ideas.schemas import SimilarQuerySchema
    with pytest.raises(InvalidInput) as raised:
        load(SimilarQuerySchema(), {"title": "ab", "description": "x" * 5001})
    assert set(raised.value.details) == {"title", "description"}


# --- importing Decide Madrid -------------------------------------------------------------------------------

def write_csv(path: Path, rows: list) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "title", "description", "cached_votes_up", "created_at", "retired_at"],
                                delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return path


def madrid_row(**changes) -> dict:
    return {"id": "1", "title": "Más árboles en la plaza", "cached_votes_up": "12", "created_at": "03/02/2024",
            "retired_at": "", "description": "<p>Plantar árboles &amp; bancos en la plaza del barrio.</p>", **changes}


def test_import_strips_html_catches_spam_keeps_supports_as_a_count_and_is_idempotent(store, tmp_path):
    path = write_csv(tmp_path / "madrid.csv", [
        madrid_row(),
        madrid_row(id="2", title="SSRF Test", description="<p>http://169.254.169.254/latest/meta-data</p>"),
        madrid_row(id="3", title="Sin descripción", description=""),
        madrid_row(id="4", title="Solo enlaces", description="<a href='x'>https://example.com/a</a> www.spam.example"),
        madrid_row(id="5", title="Un script <script>alert(1)</script>escondido",
                   description="Texto <script>alert('xss')</script>visible &lt;script&gt;alert(2)&lt;/script&gt; "
                               "<img src=x onerror=alert(3)>y fin del texto."),
        madrid_row(id="6", title="Retirada por su autor", retired_at="05/02/2024"),
        madrid_row(id="abc", title="Id inválido"),
    ])
    first = cli.import_madrid(path, store.uow)
    assert first == {"created": 3, "test_or_probe": 1, "empty_description": 1, "urls_only": 1, "invalid_row": 1}
    ideas = {row.source_ref: row for row in store.rows("ideas")}
    assert set(ideas) == {"decide_madrid:1", "decide_madrid:5", "decide_madrid:6"}
    plaza = ideas["decide_madrid:1"]
    assert plaza.description == "Plantar árboles & bancos en la plaza del barrio."
    assert plaza.imported_supports == 12 and plaza.supports_count == 0 and store.rows("idea_supports") == []
    assert plaza.author_id is None and plaza.author_pseudonym == "Decide Madrid (import)"
    assert plaza.created_at.year == 2024 and plaza.created_at.month == 2 and plaza.created_at.day == 3
    script = ideas["decide_madrid:5"]
    assert "<" not in script.title + script.description and "alert(1)" not in script.title
    assert "alert('xss')" not in script.description and script.description.startswith("Texto visible")
    assert ideas["decide_madrid:6"].status == "not_retained"
    assert store.events() == []  # a seed, not citizen activity
    again = cli.import_madrid(path, store.uow)
    assert again["existing"] == 3 and "created" not in again
    assert len(store.rows("ideas")) == 3


def test_import_of_the_real_madrid_file(store):
    outcomes = cli.import_madrid(MADRID_CSV, store.uow)
    print(f"\nDecide Madrid import: {outcomes}")
    rows = store.rows("ideas")
    assert outcomes["created"] == len(rows) > 2000
    assert outcomes.get("invalid_row", 0) == 0
    assert outcomes["empty_description"] > 0
    assert all("<" not in row.title and "<p>" not in row.description and "<script" not in row.description.lower()
               for row in rows)
    assert all("&amp;" not in row.description and "&nbsp;" not in row.description for row in rows)
    assert not any("ssrf" in row.title.lower() for row in rows)
    assert sum(row.imported_supports for row in rows) > 0 and store.rows("idea_supports") == []
    assert cli.import_madrid(MADRID_CSV, store.uow) == {
        "existing": outcomes["created"], **{k: v for k, v in outcomes.items() if k not in ("created", "existing")}}


def test_the_import_madrid_command(ideas_db, store, tmp_path):
    import os
    import subprocess
    import sys
    path = write_csv(tmp_path / "madrid.csv", [madrid_row(), madrid_row(id="2", title="SSRF Test", description="x")])
    env = {**os.environ, "IDEAS_DATABASE_URL": ideas_db.url, "HUB_ENV": "test"}
    done = subprocess.run([sys.executable, "-m", "ideas", "import-madrid", str(path)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 idée(s) importée(s), 0 déjà présente(s), 1 écartée(s) {'test_or_probe': 1}" in done.stdout
    assert [row.source_ref for row in store.rows("ideas")] == ["decide_madrid:1"]
    missing = subprocess.run([sys.executable, "-m", "ideas", "import-madrid", str(tmp_path / "absent.csv")],
                             env=env, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "fichier introuvable" in missing.stderr

"""« Mon espace »'s plain rules: the French labels of each kind's states, the details the events give, the links,
the cursor (round trip; anything else refused) and what followers and contributors are told."""
from datetime import datetime, timedelta, timezone

import pytest

from notifications import domain

IDEA = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"


@pytest.mark.parametrize("kind, state, label", [
    ("idea", "not_retained", "Non retenue"), ("contribution", "synthesis", "Synthèse publiée"),
    ("budget_project", "selected", "Soumis au vote"), ("budget_project", "realise", "Réalisé"),
    ("ballot", "recorded", "Vote enregistré"), ("petition", "scheduled_for_council", "Inscrite au Conseil de Paris"),
    ("dossier", "received", "Demande transmise au dispositif"),
    ("dossier", "granted", "Réponse du dispositif : granted"),
    ("idea", "", ""), ("idea", "some_new_status", "En cours")])
def test_state_labels(kind, state, label):
    assert domain.state_label(kind, state) == label


def test_every_kind_has_a_hub_link():
    assert [domain.item_link(kind, "x y") for kind in domain.KINDS] == [
        "/idees/x y", "/consultations/x y", "/budget-participatif/projets/x y", "/budget-participatif/x y/vote/recu",
        "/petitions/x y", "/agir/dossiers/x%20y"]


def test_details_in_french():
    assert domain.forwarded_detail("budget") == "Transmise au budget participatif"
    assert domain.forwarded_detail("a_scheme_an_admin_made") == "Transmise à un dispositif de la Ville"
    assert domain.not_retained_detail("running_cost") == "Motif : dépense de fonctionnement, pas d'investissement"
    assert domain.not_retained_detail(None) == ""
    long_answer = "Oui.\n" + "x" * 300
    assert len(domain.answer_detail(long_answer)) == 200 and domain.answer_detail(long_answer).endswith("…")
    assert domain.study_state(False, None) == "inadmissible" and domain.study_state(True, False) == "unfeasible"
    assert domain.study_state(True, True) == "feasible" and domain.study_state(True, None) == "admissible"
    assert domain.petition_detail("petition_scheduled_for_council", {"session_date": "2027-03-01"}) == \
        "Séance du Conseil de Paris du 1er mars 2027"
    assert domain.petition_detail("petition_closed", {"reason": "deadline"}) == "Close à son échéance"
    assert domain.petition_detail("petition_rejected", {"code": "duplicate"}) == "Doublon d'une pétition existante"
    assert domain.petition_detail("petition_published", {}) is None


def test_the_cursor_round_trip_and_refusals():
    moment = datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    cursor = domain.decode_cursor(domain.encode_cursor(moment, "petition", IDEA))
    assert (cursor.updated_at, cursor.kind, cursor.item_id) == (moment, "petition", IDEA)
    assert cursor.updated_at.tzinfo == timezone.utc
    for bad in ("", "!!!", "x" * 301, None, domain.encode_cursor(moment, "petition", IDEA) + "A"):
        with pytest.raises(domain.InvalidCursor):
            domain.decode_cursor(bad)


def test_what_followers_and_contributors_are_told():
    told = domain.follower_notice("acc", IDEA, "Des fontaines", "answered")
    assert (told.category, told.link) == ("followed", f"/idees/{IDEA}")
    assert told.title == "Une idée que vous suivez a reçu une réponse de la Ville"
    assert told.body == "L'idée « Des fontaines » a reçu une réponse de la Ville."
    assert domain.follower_notice("acc", IDEA, "", "forwarded", "budget").body == \
        "Une idée que vous suivez a été transmise : au budget participatif."
    assert domain.follower_notice("acc", IDEA, "T", "submitted") is None
    synthesis = domain.synthesis_notice("acc", IDEA, "La place des Fêtes")
    assert (synthesis.category, synthesis.link) == ("consultations", f"/consultations/{IDEA}")
    assert "« La place des Fêtes »" in synthesis.body

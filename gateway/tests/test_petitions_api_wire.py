"""What /api/v1/petitions sends is what its OpenAPI documents: dumped through the declared schema (undeclared
fields dropped, date-times with their offset), visitors' views dumped once while they are kept."""
import pytest

from gateway.api import petitions as petitions_api
from gateway.tests.fakes import route_to

from .test_petition_pages import PETITION_ID, FakePetitions, petition


@pytest.fixture
def petitions(monkeypatch, accounts):
    """The pages' fake petitions service, its petition with a naive date-time and a field no schema declares."""
    fake = FakePetitions()
    fake.current = petition(created_at="2026-01-05T10:00:00", internal_note="pour la modération")
    route_to(monkeypatch, accounts, petitions=fake)
    return fake


def test_a_visitor_reads_only_declared_fields_with_aware_date_times(client, petitions):
    body = client.get(f"/api/v1/petitions/{PETITION_ID}").json
    assert "internal_note" not in body and body["created_at"] == "2026-01-05T10:00:00+00:00"
    assert body["title"] == "Des bancs rue Manin" and len(body["by_arrondissement"]) == 21


def test_a_view_kept_for_visitors_is_dumped_once(client, petitions, monkeypatch):
    now = [100.0]
    client.application.extensions["petition_public_views"] = petitions_api.PublicViews(1.0, clock=lambda: now[0])
    dumps = []
    real_dump = petitions_api.PUBLIC_PETITION.dump
    monkeypatch.setattr(petitions_api.PUBLIC_PETITION, "dump", lambda view: dumps.append(view) or real_dump(view))
    for _ in range(3):
        assert client.get(f"/api/v1/petitions/{PETITION_ID}").json["signatures_count"] == 1234
    assert len(dumps) == 1
    petitions.current = petition(signatures_count=1300)
    now[0] += 1.01
    assert client.get(f"/api/v1/petitions/{PETITION_ID}").json["signatures_count"] == 1300
    assert len(dumps) == 2


def test_a_signed_in_reader_gets_the_same_dump(client, petitions, bearer):
    body = client.get(f"/api/v1/petitions/{PETITION_ID}", headers=bearer()).json
    assert "internal_note" not in body and body["created_at"] == "2026-01-05T10:00:00+00:00"


@pytest.mark.parametrize("arrondissement", ["10", True, 10.5])
def test_an_integer_of_a_body_is_a_json_number_as_the_document_says(client, petitions, bearer, arrondissement):
    response = client.post("/api/v1/petitions", headers=bearer(), json={
        "title": "Des bancs rue Manin", "asks": "Nous demandons des bancs rue Manin.",
        "background": "Les personnes âgées montent au parc.", "arrondissement": arrondissement})
    assert response.status_code == 400 and set(response.json["details"]) == {"arrondissement"}
    assert petitions.args_of("draft_petition") == []

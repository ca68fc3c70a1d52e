"""The open data through the running platform (gateway → RPC open_data_page → ideas): an idea forwarded by the City
appears in the ideas dataset with its routing outcome, in CSV and in JSON valid against the published schema; no
dataset, in any format, holds an author's pseudonym, e-mail or account id; the catalogue page and its DCAT-AP
description are served; a forged cursor is a 400."""
import csv
import io
import json

import jsonschema
import pytest
import requests

from .people import administrator, citizen
from .test_schemathesis import seed_consultations

pytestmark = pytest.mark.e2e


def test_an_answered_idea_is_open_data_without_its_author(platform, mail_link):
    api = f"{platform.url}/api/v1"
    author, admin = citizen(platform, mail_link, "Zephyrine"), administrator(platform)
    neighbour = citizen(platform, mail_link, "Voisine")
    # a consultation where the author proposes and the neighbour amends, comments and argues
    consultation_id = seed_consultations(api, admin.headers, author.headers, neighbour.headers)["consultation_id"]
    submitted = requests.post(f"{api}/ideas", headers=author.headers, json={
        "title": "Une boîte à livres square Villemin", "theme": "culture_patrimoine", "arrondissement": 10,
        "description": "Un échange de livres entre voisins, à côté des jeux.", "address_line": "Square Villemin"})
    assert submitted.status_code == 201, submitted.text
    idea_id = submitted.json()["id"]
    for change in ({"status": "under_review", "message": "La direction étudie l'emplacement."},
                   {"status": "forwarded", "scheme": "budget", "message": "À déposer au budget participatif."}):
        moved = requests.post(f"{api}/ideas/{idea_id}/status", headers=admin.headers, json=change)
        assert moved.status_code == 200, moved.text

    csv_answer = requests.get(f"{api}/open-data/ideas.csv")
    assert csv_answer.status_code == 200 and csv_answer.headers["Content-Type"].startswith("text/csv")
    text = csv_answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = {row["idea_id"]: row for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                                                          delimiter=";")}
    row = rows[idea_id]
    assert (row["title"], row["status"], row["scheme"], row["arrondissement"]) == (
        "Une boîte à livres square Villemin", "forwarded", "budget", "10")
    assert row["decided_at"] and row["submitted_at"] == row["decided_at"]

    schema = requests.get(f"{api}/open-data/ideas.schema.json").json()
    ideas = requests.get(f"{api}/open-data/ideas.json").json()
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(ideas)
    assert {idea["idea_id"]: idea["scheme"] for idea in ideas}[idea_id] == "budget"

    consultations = {row["consultation_id"]: row for row in requests.get(f"{api}/open-data/consultations.json").json()}
    assert {key: consultations[consultation_id][key] for key in (
        "state", "proposals_count", "contributions_count", "participants_count", "decision")} == {
        "state": "open", "proposals_count": 1, "contributions_count": 4, "participants_count": 2, "decision": None}

    catalog = requests.get(f"{api}/open-data/catalog.jsonld")
    assert catalog.status_code == 200 and catalog.json()["@type"] == "dcat:Catalog"
    published = catalog.json()["dcat:dataset"]
    for dataset in (entry["dct:identifier"] for entry in published if "dcat:downloadURL" in json.dumps(entry)):
        if dataset.startswith("budget"):
            continue
        for suffix in (".csv", ".json"):
            answer = requests.get(f"{api}/open-data/{dataset}{suffix}")
            assert answer.status_code == 200, (dataset, suffix, answer.text[:300])
            body = answer.content.decode("utf-8")
            for personal in (author.pseudonym, author.email, author.id, admin.id, neighbour.pseudonym,
                             neighbour.id, "Square Villemin", "Un échange de livres", "Un terrain de pétanque",
                             "Je précise : côté métro", "Il fait trop chaud"):
                assert personal not in body, (dataset, suffix, personal)

    page = requests.get(f"{platform.url}/donnees-ouvertes")
    assert page.status_code == 200 and "Open Database License (ODbL) 1.0" in page.text
    forged = requests.get(f"{api}/open-data/ideas", params={"after": "bm90IGEgY3Vyc29y"})
    assert forged.status_code == 400 and "after" in forged.json()["details"]
    paged = requests.get(f"{api}/open-data/ideas", params={"limit": 1}).json()
    assert len(paged["rows"]) == 1 and (paged["next"] is None) == (len(ideas) == 1)

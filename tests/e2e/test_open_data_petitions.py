"""The petitions' and routing's open data through the running platform (gateway → RPC open_data_page → petitions,
routing): a published petition signed from the 11e, the 19e and outside Paris is in petitions.csv with its count
and threshold, and counted by arrondissement in JSON valid against the published schema; no signer, author or
account appears; routing's response times validate against theirs; a forged cursor is a 400."""
import csv
import io

import jsonschema
import pytest
import requests

from .people import administrator, citizen, read_mail_link, resident, wait_for

pytestmark = pytest.mark.e2e

DRAFT = {"title": "Des bancs le long du canal de l'Ourcq",
         "asks": "Nous demandons un banc tous les cent mètres le long du canal de l'Ourcq.",
         "background": "Les promeneurs âgés n'ont nulle part où s'asseoir entre La Villette et Pantin.",
         "arrondissement": 19}


def valid_json(api: str, dataset: str) -> list:
    schema = requests.get(f"{api}/open-data/{dataset}.schema.json").json()
    answer = requests.get(f"{api}/open-data/{dataset}.json")
    assert answer.status_code == 200, answer.text[:300]
    rows = answer.json()
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(rows)
    return rows


def test_a_signed_petition_is_open_data_counted_by_arrondissement_without_its_signers(platform):
    api = f"{platform.url}/api/v1"
    author, admin = citizen(platform, read_mail_link, "Ourcq"), administrator(platform)
    sponsors = [citizen(platform, read_mail_link, f"Soutien{n}") for n in range(5)]
    signers = [resident(platform, read_mail_link, "Manin", "75019"), resident(platform, read_mail_link, "Oberkampf",
                                                                               "75011")]
    petition = requests.post(f"{api}/petitions", headers=author.headers, json=DRAFT).json()
    for sponsor in sponsors:
        assert requests.post(f"{api}/petitions/sponsorships/{petition['sponsor_token']}",
                             headers=sponsor.headers).status_code == 201
    assert requests.post(f"{api}/petitions/{petition['id']}/submission", headers=author.headers).status_code == 200
    published = requests.post(f"{api}/petitions/{petition['id']}/publication", headers=admin.headers,
                              json={"threshold": 2, "eligibility": "live_work_study"})
    assert published.status_code == 200, published.text
    for signer, connection in ((signers[0], {"lives": True}), (signers[1], {"lives": True}),
                               (sponsors[0], {"works": True})):  # a profile without an address: outside Paris
        signed = requests.post(f"{api}/petitions/{petition['id']}/signatures", headers=signer.headers,
                               json={"connection": connection})
        assert signed.status_code in (200, 201), signed.text

    def listed():
        text = requests.get(f"{api}/open-data/petitions.csv").content.decode("utf-8").removeprefix("\ufeff")
        rows = {row["petition_id"]: row for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=";")}
        row = rows.get(petition["id"])
        return row if row and row["signatures_count"] == "3" else None  # the kept total: the sweep may catch up
    row = wait_for(listed, timeout=60)
    assert (row["title"], row["status"], row["threshold"]) == (DRAFT["title"], "threshold_reached", "2")
    assert row["published_at"] and row["threshold_reached_at"] and row["council_outcome"] == ""

    counted = [row for row in valid_json(api, "petition_signatures_by_arrondissement")
               if row["petition_id"] == petition["id"]]
    assert sorted((row["arrondissement"], row["signatures_count"]) for row in counted) == [
        ("11", 1), ("19", 1), ("hors Paris", 1)]
    valid_json(api, "routing_response_times")

    for dataset in ("petitions", "petition_signatures_by_arrondissement", "routing_response_times"):
        for suffix in (".csv", ".json"):
            body = requests.get(f"{api}/open-data/{dataset}{suffix}").content.decode("utf-8")
            for person in (author, admin, *sponsors, *signers):
                for personal in (person.id, person.email, person.pseudonym):
                    assert personal not in body, (dataset, suffix, personal)
            assert "12 rue Manin" not in body and DRAFT["asks"] not in body
        forged = requests.get(f"{api}/open-data/{dataset}", params={"after": "bm90IGEgY3Vyc29y"})
        assert forged.status_code == 400 and "after" in forged.json()["details"], forged.text
    first = requests.get(f"{api}/open-data/petition_signatures_by_arrondissement", params={"limit": 1}).json()
    assert len(first["rows"]) == 1 and first["next"]


def test_an_idea_answered_by_the_city_counts_in_the_response_times(platform):
    api = f"{platform.url}/api/v1"
    author, admin = citizen(platform, read_mail_link, "Delai"), administrator(platform)  # admins act as agents
    submitted = requests.post(f"{api}/ideas", headers=author.headers, json={
        "title": "Un composteur rue de Meaux", "theme": "environnement", "arrondissement": 19,
        "description": "Un composteur partagé devant le square, pour les voisins de la rue de Meaux."})
    assert submitted.status_code == 201, submitted.text
    idea_id = submitted.json()["id"]
    item_url = f"{api}/routing/inbox/{idea_id}"
    assert wait_for(lambda: requests.get(item_url, headers=admin.headers).status_code == 200, 30)
    item = requests.get(item_url, headers=admin.headers).json()
    decided = requests.post(f"{item_url}/decisions", headers=admin.headers, json={
        "action": "answer", "message": "La DEVE installe des composteurs partagés au printemps."})
    assert decided.status_code == 201, decided.text
    assert wait_for(lambda: requests.get(item_url, headers=admin.headers).json()["status"] == "answered", 60)

    def counted():
        return [row for row in valid_json(api, "routing_response_times")
                if (row["scheme"], row["direction"]) == (item["scheme"], item["direction"])
                and row["median_hours_to_first_answer"] is not None]
    [row] = wait_for(counted, 10)
    assert row["ideas_count"] >= 1 and row["answered_within_deadline_share"] is not None
    body = requests.get(f"{api}/open-data/routing_response_times.csv").content.decode("utf-8")
    for personal in (idea_id, author.id, author.pseudonym, admin.id, "composteur"):
        assert personal not in body

"""The open-data catalogue: the page « Données ouvertes » (every dataset, its columns, licence, formats and links;
French, no script, asks no service) and its DCAT-AP description (/api/v1/open-data/catalog.jsonld), checked
against the properties DCAT-AP requires of a catalogue, a dataset and a distribution."""
import json
import re

import pytest

from gateway.open_data_registry import BUDGET_EXPORTS, DATASETS, LICENCE_URL
from gateway.tests.fakes import route_to

PUBLIC_URL = "https://participation.paris.fr"

# DCAT-AP 2.1.1 (SEMIC, 2022), §4 "Mandatory and recommended properties", and DCAT-AP 3.0 (2024), §§ "Catalogue",
# "Dataset", "Distribution": the mandatory properties of each class, then the recommended ones this hub commits
# to publish (a portal such as data.europa.eu or data.gouv.fr uses them to list and license the data).
REQUIRED = {
    "dcat:Catalog": {
        "mandatory": ("dct:title", "dct:description", "dct:publisher", "dcat:dataset"),
        "recommended": ("dct:license", "foaf:homepage", "dct:language")},
    "dcat:Dataset": {
        "mandatory": ("dct:title", "dct:description"),
        "recommended": ("dct:identifier", "dcat:keyword", "dct:license", "dct:publisher", "dcat:distribution")},
    "dcat:Distribution": {
        "mandatory": ("dcat:accessURL",),
        "recommended": ("dcat:mediaType", "dct:format", "dct:license")},
}


@pytest.fixture
def catalog(client, monkeypatch) -> dict:
    monkeypatch.setenv("HUB_PUBLIC_URL", PUBLIC_URL + "/")
    answer = client.get("/api/v1/open-data/catalog.jsonld")
    assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
    return json.loads(answer.get_data())


def missing(node: dict, kind: str) -> list:
    wanted = REQUIRED[kind]["mandatory"] + REQUIRED[kind]["recommended"]
    return [f"{kind} {node.get('@id')}: {name}" for name in wanted if node.get(name) in (None, "", [])]


def ids_in(node):
    """Every IRI the document names (`@id`), at any depth."""
    if isinstance(node, dict):
        if "@id" in node:
            yield node["@id"]
        for value in node.values():
            yield from ids_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from ids_in(value)


def terms_in(node):
    """Every property and @type the document uses (the @context itself aside)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            yield key
            if key == "@type":
                yield value
            yield from terms_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from terms_in(value)


def test_the_catalogue_has_every_property_dcat_ap_requires_at_each_level(catalog):
    assert catalog["@type"] == "dcat:Catalog"
    problems = missing(catalog, "dcat:Catalog")
    for dataset in catalog["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        problems += missing(dataset, "dcat:Dataset")
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            problems += missing(distribution, "dcat:Distribution")
    assert problems == []


def test_every_dataset_is_described_with_its_files_and_the_odbl(catalog):
    by_id = {dataset["dct:identifier"]: dataset for dataset in catalog["dcat:dataset"]}
    assert set(by_id) == {dataset.name for dataset in DATASETS} | {export.name for export in BUDGET_EXPORTS}
    for dataset in DATASETS:
        described = by_id[dataset.name]
        assert described["dct:title"] == {"@value": dataset.title, "@language": "fr"}
        assert [keyword["@value"] for keyword in described["dcat:keyword"]] == list(dataset.keywords)
        files = {distribution["dct:format"]["@id"].rsplit("/", 1)[1]: distribution
                 for distribution in described["dcat:distribution"]}
        assert files["CSV"]["dcat:downloadURL"]["@id"] == f"{PUBLIC_URL}/api/v1/open-data/{dataset.name}.csv"
        assert files["CSV"]["dcat:mediaType"]["@id"].endswith("/text/csv")
        assert files["JSON"]["dcat:downloadURL"]["@id"] == f"{PUBLIC_URL}/api/v1/open-data/{dataset.name}.json"
        assert described["dct:conformsTo"]["@id"].endswith(f"/{dataset.name}.schema.json")
    budget = by_id["budget-projects"]["dcat:distribution"][0]
    assert budget["dcat:downloadURL"]["@id"] == f"{PUBLIC_URL}/api/v1/budget/projects.csv"
    licences = [node for node in ids_in(catalog) if "opendatacommons" in node]
    assert set(licences) == {LICENCE_URL} and catalog["dct:license"]["@id"] == LICENCE_URL


def test_the_json_ld_is_well_formed_with_absolute_iris_and_declared_prefixes(catalog):
    """rdflib is not installed: a structural check of what a JSON-LD processor needs — every compact term's
    prefix declared in @context, every IRI absolute (from HUB_PUBLIC_URL for the hub's own), @id unique per node."""
    prefixes = set(catalog["@context"])
    undeclared = {term for term in terms_in(catalog) if not term.startswith("@") and
                  (":" not in term or term.split(":", 1)[0] not in prefixes)}
    assert undeclared == set()
    iris = list(ids_in(catalog))
    assert all(re.match(r"^https?://[^\s/]+/", iri) for iri in iris), [iri for iri in iris if "://" not in iri]
    assert all(iri.startswith(PUBLIC_URL) for iri in iris if "participation" in iri)
    assert not any("//api" in iri or "{" in iri for iri in iris)
    typed = [node["@id"] for node in [catalog, *catalog["dcat:dataset"]]]
    assert len(typed) == len(set(typed))


@pytest.fixture
def services_down(accounts, monkeypatch):
    """No service but accounts: the page must not need them."""
    route_to(monkeypatch, accounts)


def test_the_page_lists_every_dataset_with_columns_licence_and_links(client, services_down):
    page = client.get("/donnees-ouvertes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Données ouvertes</h1>" in html and "<script" not in html
    assert f'href="{LICENCE_URL}"' in html and "Open Database License (ODbL) 1.0" in html
    for dataset in DATASETS:
        assert f'id="{dataset.name}"' in html and dataset.title in html
        for link in (".csv", ".json", ".schema.json"):
            assert f'href="/api/v1/open-data/{dataset.name}{link}"' in html
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in html
    assert 'href="/api/v1/budget/projects.csv"' in html and 'href="/budget-participatif"' in html
    assert 'href="/api/v1/open-data/catalog.jsonld"' in html


def test_every_page_links_to_the_open_data_in_its_footer(client, services_down):
    html = client.get("/donnees-ouvertes").get_data(as_text=True)
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/donnees-ouvertes">Données ouvertes</a>' in footer

"""The open-data files (GET /api/v1/open-data/<dataset>.csv, .json, .schema.json and the paged access): streamed
page after page from the dataset's service, in constant memory (100,000 rows, tracemalloc), CSV that parses with
exactly its rows and cells a spreadsheet cannot run, JSON valid against the published JSON Schema, only the
registry's columns, forged cursors and unknown datasets refused, downloads limited per address."""
import codecs
import csv
import json
import tracemalloc

import jsonschema
import jsonschema_rs
import pytest

import gateway.api.open_data
from gateway.open_data_registry import DATASETS, IDEAS
from gateway.tests.fakes import FakeOpenData, route_to
from hubkit.errors import ServiceUnavailable
from hubkit.testing import throttle_fixture

throttle = throttle_fixture()
SERVICES = sorted({dataset.service for dataset in DATASETS})


@pytest.fixture
def services(accounts, monkeypatch, app, throttle):
    """One fake per service of the registry (ideas, and petitions and routing once their datasets are listed)."""
    fakes = {service: FakeOpenData() for service in SERVICES}
    route_to(monkeypatch, accounts, **fakes)
    app.extensions["open_data_throttle"] = throttle
    return fakes


def lines_of(chunks):
    """The text lines of a stream of UTF-8 chunks, one at a time (a line may be cut between two chunks)."""
    pending = ""
    for text in codecs.iterdecode(chunks, "utf-8"):
        pending += text
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def streamed_csv_rows(client, path) -> tuple:
    """(header, number of data rows, peak memory growth in bytes) of the CSV at `path`, read as it streams."""
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        response = client.get(path, buffered=False)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        reader = csv.reader(lines_of(response.response), delimiter=";")
        header, count = next(reader), 0
        for row in reader:
            assert len(row) == len(header)
            count += 1
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return header, count, peak - start


def test_a_100000_row_csv_streams_in_constant_memory_and_parses_with_exactly_its_rows(client, services):
    services["ideas"].sizes["ideas"] = 10_000
    _, small_count, small_peak = streamed_csv_rows(client, "/api/v1/open-data/ideas.csv")
    services["ideas"].sizes["ideas"] = 100_000
    header, count, peak = streamed_csv_rows(client, "/api/v1/open-data/ideas.csv")
    assert header[0] == "\ufeffidea_id" and header[1:] == IDEAS.column_names[1:]
    assert (small_count, count) == (10_000, 100_000)
    # ten times the rows, the same memory: one page of 2,000 rows at a time (the whole file is ~15 MiB)
    assert peak < 6 * 2**20 and peak < small_peak + 2**20, (small_peak, peak)
    assert len(services["ideas"].data_of("open_data_page")) == 5 + 50
    assert {data["limit"] for data in services["ideas"].data_of("open_data_page")} == {2000}


def test_a_100000_row_json_streams_in_constant_memory_and_validates_against_its_schema(client, services):
    services["ideas"].sizes["ideas"] = 100_000
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        response = client.get("/api/v1/open-data/ideas.json", buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 10 * 2**20 and peak - start < 6 * 2**20, (size, peak - start)
    body = client.get("/api/v1/open-data/ideas.json").get_data()
    rows = json.loads(body)
    assert len(rows) == 100_000 and rows[0]["idea_id"] == "00000000-0000-4000-8000-000000000000"
    schema = client.get("/api/v1/open-data/ideas.schema.json").json
    jsonschema.Draft202012Validator.check_schema(schema)
    # the same JSON Schema 2020-12 validation as `jsonschema`'s (used below), compiled: 100,000 rows in a second
    jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(rows)
    assert not jsonschema_rs.Draft202012Validator(schema).is_valid([*rows[:2], {**rows[2], "author_id": "a-1"}])


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.name)
def test_every_dataset_is_csv_and_json_valid_against_its_schema(client, services, dataset):
    csv_response = client.get(f"/api/v1/open-data/{dataset.name}.csv")
    text = csv_response.get_data(as_text=True)
    assert text.startswith("\ufeff") and 'attachment; filename="' in csv_response.headers["Content-Disposition"]
    header, *rows = list(csv.reader(text.removeprefix("\ufeff").splitlines(keepends=True), delimiter=";"))
    assert header == dataset.column_names and len(rows) == 10
    answer = client.get(f"/api/v1/open-data/{dataset.name}.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    schema = client.get(f"/api/v1/open-data/{dataset.name}.schema.json").json
    assert schema["items"]["required"] == dataset.column_names and schema["title"] == dataset.title
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        json.loads(answer.get_data()))


def test_csv_cells_cannot_run_in_a_spreadsheet_nor_break_the_rows(client, services):
    text = client.get("/api/v1/open-data/ideas.csv").get_data(as_text=True).removeprefix("\ufeff")
    rows = list(csv.DictReader(text.splitlines(keepends=True), delimiter=";"))
    titles = [row["title"] for row in rows]
    assert titles[:7] == ["Des fontaines le long du canal", "'=HYPERLINK(\"http://exemple.invalid\")",
                          "Bancs; arbres \"et\" eau", "Deux lignes\nà la suite", "'+33 1 23 45 67 89",
                          "Été à l'Hôtel de Ville", ""]
    assert rows[1]["supports_count"] == "1" and rows[6]["arrondissement"] == ""  # numbers stay numbers; null: empty


def test_an_empty_dataset_is_a_header_and_an_empty_array(client, services):
    services["ideas"].sizes["consultations"] = 0
    assert client.get("/api/v1/open-data/consultations.csv").get_data(as_text=True).count("\r\n") == 1
    assert json.loads(client.get("/api/v1/open-data/consultations.json").get_data()) == []


def test_only_the_registrys_columns_leave_whatever_a_service_adds(client, services, monkeypatch):
    fake = services["ideas"]
    answer = fake.open_data_page

    def leaky(data):
        found = answer(data)
        leaked = {"author_pseudonym": "Zéphyrine", "author_id": "a-1"}
        return {**found, "rows": [{**row, **leaked} for row in found["rows"]]}
    monkeypatch.setattr(fake, "open_data_page", leaky)
    for suffix in (".csv", ".json", ""):
        assert "Zéphyrine" not in client.get(f"/api/v1/open-data/ideas{suffix}").get_data(as_text=True)


def test_the_paged_access_gives_next_until_the_end(client, services):
    services["ideas"].sizes["ideas"] = 5
    first = client.get("/api/v1/open-data/ideas?limit=3").json
    assert len(first["rows"]) == 3 and first["next"] == "3"
    last = client.get(f"/api/v1/open-data/ideas?limit=3&after={first['next']}").json
    assert len(last["rows"]) == 2 and last["next"] is None
    assert services["ideas"].data_of("open_data_page")[-1] == {"dataset": "ideas", "after": "3", "limit": 3}


@pytest.mark.parametrize("query", ["after=forged-cursor", "after=" + "A" * 201, "after=", "limit=0", "limit=2001",
                                   "limit=beaucoup", "offset=10"])
def test_a_forged_cursor_or_a_bad_limit_is_a_clear_400(client, services, query):
    answer = client.get(f"/api/v1/open-data/ideas?{query}")
    assert answer.status_code == 400 and answer.json["error"] == "VALIDATION_ERROR", answer.json


@pytest.mark.parametrize("path, status", [
    ("/api/v1/open-data/accounts.csv", 400), ("/api/v1/open-data/accounts.json", 400),
    ("/api/v1/open-data/accounts.schema.json", 400), ("/api/v1/open-data/accounts", 400),
    ("/api/v1/open-data/ideas.xml", 404), ("/api/v1/open-data/IDEAS.csv", 404)])
def test_an_unknown_dataset_is_refused_and_asks_no_service(client, services, path, status):
    answer = client.get(path)
    assert answer.status_code == status
    if status == 400:
        assert answer.json["error"] == "VALIDATION_ERROR" and "dataset" in answer.json["details"]
    assert all(fake.calls == [] for fake in services.values())


def test_a_service_down_before_the_first_row_is_a_503_not_an_empty_file(client, services):
    services["ideas"].down = ServiceUnavailable()
    for suffix in (".csv", ".json", ""):
        answer = client.get(f"/api/v1/open-data/ideas{suffix}")
        assert answer.status_code == 503 and answer.json["error"] == "SERVICE_UNAVAILABLE"


def test_downloads_are_limited_per_address(client, services, monkeypatch):
    monkeypatch.setattr(gateway.api.open_data, "PER_MINUTE", 2)
    assert [client.get(path).status_code for path in (
        "/api/v1/open-data/ideas.csv", "/api/v1/open-data/ideas.json", "/api/v1/open-data/ideas")] == [200, 200, 429]
    refused = client.get("/api/v1/open-data/consultations.csv")
    assert refused.status_code == 429 and refused.json["error"] == "RATE_LIMITED" and refused.headers["Retry-After"]
    # another address is not held back by the first one's downloads
    assert client.get("/api/v1/open-data/ideas.csv", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200
    # the schemas and the catalogue ask no service: never limited
    assert client.get("/api/v1/open-data/ideas.schema.json").status_code == 200


def test_the_openapi_documents_the_open_data_paths(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    files = "/api/v1/open-data/{dataset}"
    assert {"/api/v1/open-data/catalog.jsonld", f"{files}.csv", f"{files}.json", f"{files}.schema.json",
            files} <= set(paths)
    csv_file = paths[f"{files}.csv"]["get"]
    assert set(csv_file["responses"]) >= {"200", "400", "404", "429", "503"}
    assert "text/csv" in csv_file["responses"]["200"]["content"]
    assert csv_file["parameters"][0]["schema"]["enum"] == [dataset.name for dataset in DATASETS]
    assert paths[f"{files}.json"]["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}
    assert "application/ld+json" in paths["/api/v1/open-data/catalog.jsonld"]["get"]["responses"]["200"]["content"]
    assert set(paths[files]["get"]["responses"]) >= {"200", "400", "429"}


class FailsOnSecondPage:
    """Wraps a fake's open_data_page: the first page answers, the next raises (a service gone mid-export)."""

    def __init__(self, answer):
        self.answer, self.pages = answer, 0

    def __call__(self, data):
        self.pages += 1
        if self.pages > 1:
            raise ServiceUnavailable()
        return self.answer(data)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_service_lost_mid_export_cuts_the_file_short_never_passes_it_as_whole(client, services, monkeypatch,
                                                                                suffix):
    """The status is sent with the first page: a failure after it can only end the stream early, and the file
    then cannot pass for complete (JSON without its closing bracket; CSV short of its rows)."""
    services["ideas"].sizes["ideas"] = 5000
    monkeypatch.setattr(services["ideas"], "open_data_page", FailsOnSecondPage(services["ideas"].open_data_page))
    response = client.get(f"/api/v1/open-data/ideas{suffix}", buffered=False)
    assert response.status_code == 200
    received = []
    with pytest.raises(ServiceUnavailable):
        for chunk in response.response:
            received.append(chunk)
    body = b"".join(received).decode("utf-8")
    if suffix == ".json":
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)
    else:
        assert body.count("\r\n") == 1 + 2000

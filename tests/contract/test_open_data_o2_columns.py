"""The petitions' and routing's open datasets say what their services send (issue 15, section 5): the registry's
columns (gateway/gateway/open_data_datasets_o2.py) are the fields of each service's row schema, in the same order,
nullable exactly where the service may send null, and rows as the services dump them are valid against the JSON
Schema the gateway publishes for the dataset."""
from datetime import date

import jsonschema
import pytest
from marshmallow import fields

from gateway.open_data_exports import json_schema
from gateway.open_data_registry import BY_NAME  # first: the registry imports the entries checked here
from gateway.open_data_datasets_o2 import DATASETS
from petitions.schemas import open_data as petitions_wire
from routing.schemas import open_data as routing_wire

ROW_SCHEMAS = {"petitions": petitions_wire.PetitionRowSchema(),
               "petition_signatures_by_arrondissement": petitions_wire.SignaturesByArrondissementRowSchema(),
               "routing_response_times": routing_wire.ResponseTimeRowSchema()}
SERVICES = {"petitions": "petitions", "petition_signatures_by_arrondissement": "petitions",
            "routing_response_times": "routing"}
# the registry's types each marshmallow field may stand for (a date and a month leave as text)
TYPES = {fields.String: {"string", "uuid", "month"}, fields.Integer: {"integer"}, fields.Float: {"number"},
         fields.Date: {"date"}}
PETITION_ID = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
SAMPLES = {
    "petitions": [
        {"petition_id": PETITION_ID, "title": "Des bancs rue Manin", "status": "answered",
         "published_at": date(2026, 3, 2),
         "signatures_count": 5012, "threshold": 5000, "threshold_reached_at": date(2026, 4, 1),
         "council_session": date(2026, 5, 12), "council_outcome": "accepted"},
        {"petition_id": PETITION_ID, "title": "Une piste de ski", "status": "rejected",
         "published_at": date(2026, 3, 2),
         "signatures_count": 0, "threshold": None, "threshold_reached_at": None, "council_session": None,
         "council_outcome": None}],
    "petition_signatures_by_arrondissement": [
        {"petition_id": PETITION_ID, "arrondissement": "11", "signatures_count": 2},
        {"petition_id": PETITION_ID, "arrondissement": "hors Paris", "signatures_count": 1}],
    "routing_response_times": [
        {"scheme": "street_report", "direction": "DPE", "month": "2026-03", "ideas_count": 3,
         "median_hours_to_first_answer": 30.0, "p90_hours_to_first_answer": 326.0,
         "answered_within_deadline_share": 0.6667},
        {"scheme": "greening_permit", "direction": "DEVE", "month": "2026-09", "ideas_count": 1,
         "median_hours_to_first_answer": None, "p90_hours_to_first_answer": None,
         "answered_within_deadline_share": None}],
}


def test_the_registry_lists_the_three_datasets_of_petitions_and_routing():
    assert [dataset.name for dataset in DATASETS] == list(ROW_SCHEMAS)
    assert all(BY_NAME[dataset.name] is dataset and dataset.service == SERVICES[dataset.name] for dataset in DATASETS)


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.name)
def test_the_columns_are_the_service_rows_fields_in_order_typed_and_nullable_alike(dataset):
    schema = ROW_SCHEMAS[dataset.name]
    assert dataset.column_names == list(schema.fields)
    for column in dataset.columns:
        field = schema.fields[column.name]
        assert column.type in TYPES[type(field)], column
        assert column.nullable == field.allow_none, column


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.name)
def test_rows_as_the_service_dumps_them_are_valid_against_the_published_json_schema(dataset):
    dumped = ROW_SCHEMAS[dataset.name].dump(SAMPLES[dataset.name], many=True)  # rows as the use cases make them
    schema = json_schema(dataset, f"https://hub.example/api/v1/open-data/{dataset.name}.schema.json")
    jsonschema.validate(dumped, schema, format_checker=jsonschema.FormatChecker())
    with pytest.raises(jsonschema.ValidationError):  # the schema does refuse: a row missing a column
        jsonschema.validate([{key: value for key, value in dumped[0].items() if key != dataset.column_names[-1]}],
                            schema)

"""Every dataset's dates are Paris's days (docs/open_data.md; the services compute them: services/ideas/tests/
test_open_data_paris_days.py, services/petitions/tests/test_open_data.py, services/routing/tests/test_open_data.py),
and each dataset's JSON Schema says so on every date taken from a moment."""
from gateway.open_data_registry import DATASETS

DAYS_ALREADY = {("petitions", "council_session")}  # a council session's date is a day, not a moment


def test_each_json_schema_says_its_dates_are_paris_days(client):
    dates = 0
    for dataset in DATASETS:
        schema = client.get(f"/api/v1/open-data/{dataset.name}.schema.json").get_json()
        columns = schema["items"]["properties"] if "items" in schema else schema["properties"]
        for name, column in columns.items():
            if column.get("format") == "date" and (dataset.name, name) not in DAYS_ALREADY:
                dates += 1
                assert "heure de Paris" in column["description"], (dataset.name, name)
    assert dates == 7  # ideas 2, consultations 3, petitions 2

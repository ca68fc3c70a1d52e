"""`endpoint` sends what the OpenAPI documents: the view's result dumped through its response schema (no field
the document does not declare, date-times with their offset), the declared status, path parameters refused at
the edge when they are not of their format, and no JSON body without a schema."""
import pytest
from flask import Flask, Response
from marshmallow import Schema, fields

from gateway import errors
from gateway.openapi import Dumped, build_spec, endpoint
from gateway.schemas import WireDate, WireDateTime

IDEA_ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"


class ItemSchema(Schema):
    id = fields.String()
    created_at = WireDateTime()
    birth_date = WireDate(allow_none=True)


@pytest.fixture
def client():
    app = Flask(__name__)
    errors.init_app(app)

    @app.get("/api/v1/items/<idea_id>")
    @endpoint("Un élément", response=ItemSchema, errors=(404,))
    def read(idea_id):
        return {"id": idea_id, "created_at": "2026-12-06T22:48:57.425039", "birth_date": "1990-05-14",
                "hidden": True, "imported_supports": 3}

    @app.post("/api/v1/items")
    @endpoint("Créer", response=ItemSchema, status=201)
    def create():
        return Dumped({"id": "kept as dumped"})

    @app.delete("/api/v1/items/<idea_id>")
    @endpoint("Supprimer", status=204)
    def delete(idea_id):
        return None

    @app.get("/api/v1/items/<idea_id>/file")
    @endpoint("Un fichier", produces="text/csv")
    def download(idea_id):
        return Response("a;b\n", mimetype="text/csv")

    @app.get("/api/v1/undeclared")
    @endpoint("Sans schéma")
    def undeclared():
        return {"secret": "x"}

    app.config["TESTING"] = True
    return app.test_client()


def test_the_answer_is_dumped_through_the_declared_schema(client):
    response = client.get(f"/api/v1/items/{IDEA_ID}")
    assert response.status_code == 200
    assert response.get_json() == {"id": IDEA_ID, "created_at": "2026-12-06T22:48:57.425039+00:00",
                                   "birth_date": "1990-05-14"}  # no `hidden`, and a date-time with its offset


def test_the_declared_status_and_an_answer_dumped_already(client):
    created = client.post("/api/v1/items")
    assert created.status_code == 201 and created.get_json() == {"id": "kept as dumped"}
    deleted = client.delete(f"/api/v1/items/{IDEA_ID}")
    assert deleted.status_code == 204 and deleted.get_data() == b""
    download = client.get(f"/api/v1/items/{IDEA_ID}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"


def test_a_path_parameter_not_of_its_format_is_a_400_naming_it(client):
    response = client.get("/api/v1/items/not-a-uuid")
    assert response.status_code == 400 and set(response.get_json()["details"]) == {"idea_id"}


def test_a_json_body_without_a_declared_schema_is_refused(client):
    assert client.get("/api/v1/undeclared").status_code == 500  # never sent: the view declares no schema


def test_the_document_says_the_same(client):
    document = build_spec(client.application)
    read = document["paths"]["/api/v1/items/{idea_id}"]["get"]
    assert read["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}
    assert {"200", "400", "404", "414", "431", "503"} <= set(read["responses"])
    assert document["components"]["schemas"]["Item"]["properties"]["created_at"]["format"] == "date-time"
    download = document["paths"]["/api/v1/items/{idea_id}/file"]["get"]["responses"]["200"]
    assert download["content"] == {"text/csv": {"schema": {"type": "string"}}}
    assert set(document["paths"]["/api/v1/items"]["post"]["responses"]) >= {"201", "400", "413"}


def test_every_component_of_the_api_keeps_its_own_name():
    """Two areas' classes of one name get their area's prefix (IdeasSupportState, ConsultationsSupportState), not
    apispec's numbered renaming, which would change with the order of the routes."""
    import warnings

    from gateway.api import api
    app = Flask(__name__)
    app.register_blueprint(api)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Multiple schemas resolved")
        document = build_spec(app)
    names = document["components"]["schemas"]
    assert {"IdeasSupportState", "ConsultationsSupportState", "Account", "Error"} <= set(names)
    assert not [name for name in names if name[-1].isdigit()]

"""Participatory budget: cycles and their stages, projects, study and selection, the vote (ballot, receipt),
live counts for agents, results, pabulib import and export."""
import uuid

from flask import Blueprint, Response, jsonify

from .. import budget_schemas as schemas
from .. import remote
from ..actors import actor
from ..auth import login_required, roles_required
from ..openapi import endpoint

bp = Blueprint("api_budget", __name__)

TAG = "budget"
STAFF = ("agent", "admin")


# --- reading ----------------------------------------------------------------------------------------

@bp.get("/budget/reference")
@endpoint("Étapes, thématiques, échelles, secteurs, statuts des projets, règles d'éligibilité", errors=(), tag=TAG)
def reference():
    return jsonify(remote.call("budget", "reference_data"))


@bp.get("/budget/cycles")
@endpoint("Les cycles du budget participatif", response=schemas.CycleSchema(many=True), errors=(), tag=TAG)
def list_cycles():
    return jsonify(remote.call("budget", "list_cycles"))


@bp.get("/budget/cycles/<cycle_id>")
@endpoint("Lire un cycle (étape, enveloppes, règles du vote)", response=schemas.CycleSchema, errors=(400, 404),
          tag=TAG)
def get_cycle(cycle_id):
    return jsonify(remote.call("budget", "get_cycle", {"cycle_id": cycle_id}))


@bp.get("/budget/cycles/<cycle_id>/projects")
@endpoint("Les projets d'un cycle (filtres : échelle, secteur, thématique, soumis au vote)",
          query=schemas.ProjectListQuerySchema, response=schemas.ProjectPageSchema, errors=(400, 404), tag=TAG)
def list_projects(cycle_id, data):
    return jsonify(remote.call("budget", "list_projects", {**data, "cycle_id": cycle_id}, actor()))


@bp.get("/budget/projects/<project_id>")
@endpoint("Lire un projet (étude, coût, voix après les résultats)", response=schemas.ProjectSchema,
          errors=(400, 404), tag=TAG)
def get_project(project_id):
    return jsonify(remote.call("budget", "get_project", {"project_id": project_id}, actor()))


@bp.get("/budget/cycles/<cycle_id>/results")
@endpoint("Résultats publiés : voix par projet, lauréats et enveloppe utilisée par échelle",
          response=schemas.ResultsSchema, errors=(400, 403, 404), tag=TAG)
def results(cycle_id):
    """403 RESULTS_NOT_PUBLISHED tant que le vote n'est pas clos (les agents suivent les décomptes à part)."""
    return jsonify(remote.call("budget", "results", {"cycle_id": cycle_id}))


@bp.get("/budget/cycles/<cycle_id>/receipts/<receipt>")
@endpoint("Vérifier qu'un bulletin est pris en compte, avec son reçu (sans rien dévoiler des choix)",
          response=schemas.ReceiptCheckSchema, errors=(400, 404), tag=TAG)
def check_receipt(cycle_id, receipt):
    return jsonify(remote.call("budget", "check_receipt", {"cycle_id": cycle_id, "receipt": receipt}))


@bp.get("/budget/cycles/<cycle_id>/pabulib")
@endpoint("Exporter les bulletins anonymisés et les résultats au format pabulib (.pb)", errors=(400, 404, 409),
          tag=TAG)
def export_pabulib(cycle_id):
    exported = remote.call("budget", "export_pabulib", {"cycle_id": cycle_id})
    return Response(exported["content"], mimetype="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{exported["filename"]}"'})


# --- citizens ----------------------------------------------------------------------------------------

@bp.post("/budget/cycles/<cycle_id>/projects")
@login_required
@endpoint("Déposer un projet (pendant l'étape de dépôt)", body=schemas.ProjectSubmitSchema,
          response=schemas.ProjectSchema, status=201, auth=True, errors=(400, 404, 409), tag=TAG)
def submit_project(cycle_id, data):
    """409 WRONG_STAGE hors de l'étape de dépôt (le message nomme l'étape en cours)."""
    return jsonify(remote.call("budget", "submit_project", actor(), {**_wire(data), "cycle_id": cycle_id})), 201


@bp.put("/budget/cycles/<cycle_id>/ballot")
@login_required
@endpoint("Voter, ou changer mon vote (le dernier bulletin compte) ; le reçu n'est montré qu'une fois",
          body=schemas.BallotSchema, response=schemas.BallotReceiptSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def cast_ballot(cycle_id, data):
    """403 NOT_ELIGIBLE avec `details.rule` (email_verified, lives_in_paris, min_age, certification) ;
    409 WRONG_STAGE hors de l'étape de vote."""
    return jsonify(remote.call("budget", "cast_ballot", actor(), {**_wire(data), "cycle_id": cycle_id}))


@bp.get("/budget/cycles/<cycle_id>/ballot")
@login_required
@endpoint("Mon bulletin", response=schemas.MyBallotSchema, auth=True, errors=(400, 404), tag=TAG)
def my_ballot(cycle_id):
    return jsonify(remote.call("budget", "my_ballot", actor(), {"cycle_id": cycle_id}))


# --- back-office -------------------------------------------------------------------------------------

@bp.post("/budget/cycles")
@roles_required("admin")
@endpoint("Créer un cycle (enveloppes tout Paris et par secteur, N, règles du vote)", body=schemas.CycleCreateSchema,
          response=schemas.CycleSchema, status=201, auth=True, errors=(400, 403), tag="back-office")
def create_cycle(data):
    return jsonify(remote.call("budget", "create_cycle", actor(), _wire(data))), 201


@bp.post("/budget/cycles/<cycle_id>/stage")
@roles_required("admin")
@endpoint("Passer à l'étape suivante (quitter le vote le clôt, dépouille et publie les résultats)",
          body=schemas.AdvanceSchema, response=schemas.CycleSchema, auth=True, errors=(400, 403, 404, 409),
          tag="back-office")
def advance_stage(cycle_id, data):
    return jsonify(remote.call("budget", "advance_stage", actor(), {**data, "cycle_id": cycle_id}))


@bp.post("/budget/projects/<project_id>/study")
@roles_required(*STAFF)
@endpoint("Avis d'étude : recevabilité (raison publique), faisabilité et coût", body=schemas.StudySchema,
          response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def decide_study(project_id, data):
    return jsonify(remote.call("budget", "decide_study", actor(), {**data, "project_id": project_id}))


@bp.post("/budget/projects/<project_id>/selection")
@roles_required(*STAFF)
@endpoint("Soumettre un projet au vote (ou l'en retirer) pendant la sélection", body=schemas.SelectSchema,
          response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def select_project(project_id, data):
    return jsonify(remote.call("budget", "select_project", actor(), {**data, "project_id": project_id}))


@bp.get("/budget/cycles/<cycle_id>/counts")
@roles_required(*STAFF)
@endpoint("Décomptes en direct pendant le vote (agents et administrateurs)", response=schemas.LiveCountsSchema,
          auth=True, errors=(400, 403, 404, 409), tag="back-office")
def live_counts(cycle_id):
    return jsonify(remote.call("budget", "live_counts", actor(), {"cycle_id": cycle_id}))


@bp.post("/budget/cycles/pabulib")
@roles_required("admin")
@endpoint("Importer un fichier pabulib (.pb) comme cycle à l'étape du vote", body=schemas.PabulibImportSchema,
          response=schemas.CycleSchema, status=201, auth=True, errors=(400, 403), tag="back-office")
def import_pabulib(data):
    return jsonify(remote.call("budget", "import_pabulib", actor(), data)), 201


def _wire(data: dict) -> dict:
    """What crosses the broker is JSON: dates as ISO strings, identifiers as strings."""
    return {key: _wire_value(value) for key, value in data.items()}


def _wire_value(value):
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value

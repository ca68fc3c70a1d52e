"""Participatory budget: cycles and their stages, projects, study, co-construction (merging) and selection, the
vote (online ballot with receipt, paper ballots of the mobile boxes), live counts for agents, results,
implementation statuses and follows, open-data CSV, pabulib import and export."""
import uuid

from flask import Blueprint, Response

from .. import budget_schemas as schemas
from .. import remote
from ..actors import actor, staff_actor
from ..auth import login_required, roles_required
from ..idempotency import request_key
from ..openapi import endpoint

bp = Blueprint("api_budget", __name__)

TAG = "budget"
STAFF = ("agent", "admin")


# --- reading ----------------------------------------------------------------------------------------

@bp.get("/budget/reference")
@endpoint("Étapes, thématiques, échelles, secteurs, statuts des projets, règles d'éligibilité",
          response=schemas.ReferenceSchema, errors=(), tag=TAG)
def reference():
    return remote.reference_data("budget")


@bp.get("/budget/cycles")
@endpoint("Les cycles du budget participatif", response=schemas.CycleSchema(many=True), errors=(), tag=TAG)
def list_cycles():
    return remote.call("budget", "list_cycles")


@bp.get("/budget/cycles/<id:cycle_id>")  # not /budget/cycles/pabulib (POST)
@endpoint("Lire un cycle (étape, enveloppes, règles du vote)", response=schemas.CycleSchema, errors=(400, 404),
          tag=TAG)
def get_cycle(cycle_id):
    return remote.call("budget", "get_cycle", {"cycle_id": cycle_id})


@bp.get("/budget/cycles/<cycle_id>/projects")
@endpoint("Les projets d'un cycle (filtres : échelle, secteur, thématique, soumis au vote)",
          query=schemas.ProjectListQuerySchema, response=schemas.ProjectPageSchema, errors=(400, 404), tag=TAG)
def list_projects(cycle_id, data):
    return remote.call("budget", "list_projects", {**data, "cycle_id": cycle_id}, actor())


@bp.get("/budget/projects")
@endpoint("Les projets de toutes les éditions (filtres : édition, thématique, arrondissement, statut ; tri ; "
          "décomptes par arrondissement pour la carte)", query=schemas.ProjectListQuerySchema,
          response=schemas.ProjectPageSchema, errors=(400,), tag=TAG)
def list_all_projects(data):
    return remote.call("budget", "list_projects", data, actor())


@bp.get("/budget/projects.csv")
@endpoint("Données ouvertes : les projets (d'un cycle ou de tous), en CSV", query=schemas.ExportQuerySchema,
          errors=(400, 404), tag=TAG, produces="text/csv")
def export_projects_csv(data):
    return _csv(remote.call("budget", "export_projects_csv", _wire(data)))


@bp.get("/budget/cycles/<cycle_id>/results.csv")
@endpoint("Données ouvertes : les résultats publiés d'un cycle, en CSV", errors=(400, 403, 404), tag=TAG,
          produces="text/csv")
def export_results_csv(cycle_id):
    return _csv(remote.call("budget", "export_results_csv", {"cycle_id": cycle_id}))


@bp.get("/budget/projects/<project_id>")
@endpoint("Lire un projet (étude, coût, voix après les résultats)", response=schemas.ProjectSchema,
          errors=(400, 404), tag=TAG)
def get_project(project_id):
    return remote.call("budget", "get_project", {"project_id": project_id}, actor())


@bp.get("/budget/cycles/<cycle_id>/results")
@endpoint("Résultats publiés : voix par projet, lauréats et enveloppe utilisée par échelle",
          response=schemas.ResultsSchema, errors=(400, 403, 404), tag=TAG)
def results(cycle_id):
    """403 RESULTS_NOT_PUBLISHED tant que le vote n'est pas clos (les agents suivent les décomptes à part)."""
    return remote.call("budget", "results", {"cycle_id": cycle_id})


@bp.get("/budget/cycles/<cycle_id>/receipts/<receipt>")
@endpoint("Vérifier qu'un bulletin est pris en compte, avec son reçu (sans rien dévoiler des choix)",
          response=schemas.ReceiptCheckSchema, errors=(400, 404), tag=TAG, path=schemas.PATH)
def check_receipt(cycle_id, receipt):
    return remote.call("budget", "check_receipt", {"cycle_id": cycle_id, "receipt": receipt})


@bp.get("/budget/cycles/<cycle_id>/pabulib")
@endpoint("Exporter les bulletins anonymisés et les résultats au format pabulib (.pb)", errors=(400, 404, 409),
          tag=TAG, produces="text/plain")
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
    return remote.call("budget", "submit_project", actor(), {**_wire(data), "cycle_id": cycle_id})


@bp.put("/budget/cycles/<cycle_id>/ballot")
@login_required
@endpoint("Voter, ou changer mon vote (le dernier bulletin compte) ; le reçu n'est montré qu'une fois",
          body=schemas.BallotSchema, response=schemas.BallotReceiptSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG, idempotent=True)
def cast_ballot(cycle_id, data):
    """403 NOT_ELIGIBLE avec `details.rule` (email_verified, lives_in_paris, min_age, certification) ;
    409 WRONG_STAGE hors de l'étape de vote. Le même bulletin renvoyé avec la même `Idempotency-Key` (une réponse
    perdue) reçoit le même reçu, sans nouveau vote."""
    # The hot path: coalesced with the ballots of concurrent requests into one batch RPC and one transaction.
    return remote.batched_call("budget", "cast_ballots", {
        "actor": actor(), "ballot": {**_wire(data), "cycle_id": cycle_id, "idempotency_key": request_key()}})


@bp.get("/budget/me/projects")
@login_required
@endpoint("Mes projets : portés (brouillons compris), favoris, soutenus, invitations à porter un projet co-construit",
          response=schemas.MyProjectsSchema, auth=True, errors=(), tag=TAG)
def my_projects():
    return remote.call("budget", "my_projects", actor())


@bp.post("/budget/projects/<project_id>/confirmation")
@login_required
@endpoint("Compléter et déposer le brouillon né d'une idée orientée vers le budget participatif",
          body=schemas.DraftConfirmSchema, response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409),
          tag=TAG)
def confirm_draft_project(project_id, data):
    return remote.call("budget", "confirm_draft_project", actor(), {**_wire(data), "project_id": project_id})


@bp.post("/budget/projects/<project_id>/invitation")
@login_required
@endpoint("Répondre à l'invitation à porter un projet co-construit (refuser : la fusion demeure)",
          body=schemas.MergeAnswerSchema, response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409),
          tag=TAG)
def answer_merge_invitation(project_id, data):
    return remote.call("budget", "answer_merge_invitation", actor(), {**data, "project_id": project_id})


@bp.put("/budget/projects/<project_id>/follows/<kind>")
@login_required
@endpoint("Ajouter à mes favoris (favorite) ou m'associer au projet (associate)", response=schemas.FollowStateSchema,
          auth=True, errors=(400, 404), tag=TAG, path=schemas.PATH)
def follow_project(project_id, kind):
    return remote.call("budget", "follow_project", actor(), {"project_id": project_id, "kind": kind})


@bp.delete("/budget/projects/<project_id>/follows/<kind>")
@login_required
@endpoint("Retirer de mes favoris, ne plus m'associer au projet", response=schemas.FollowStateSchema, auth=True,
          errors=(400, 404), tag=TAG, path=schemas.PATH)
def unfollow_project(project_id, kind):
    return remote.call("budget", "unfollow_project", actor(), {"project_id": project_id, "kind": kind})


@bp.get("/budget/cycles/<cycle_id>/ballot")
@login_required
@endpoint("Mon bulletin", response=schemas.MyBallotSchema, auth=True, errors=(400, 404), tag=TAG)
def my_ballot(cycle_id):
    return remote.call("budget", "my_ballot", actor(), {"cycle_id": cycle_id})


# --- back-office -------------------------------------------------------------------------------------

@bp.post("/budget/cycles")
@roles_required("admin")
@endpoint("Créer un cycle (enveloppes tout Paris et par secteur, N, règles du vote)", body=schemas.CycleCreateSchema,
          response=schemas.CycleSchema, status=201, auth=True, errors=(400, 403), tag="back-office")
def create_cycle(data):
    return remote.call("budget", "create_cycle", actor(), _wire(data))


@bp.post("/budget/cycles/<cycle_id>/stage")
@roles_required("admin")
@endpoint("Passer à l'étape suivante (quitter le vote le clôt, dépouille et publie les résultats)",
          body=schemas.AdvanceSchema, response=schemas.CycleSchema, auth=True, errors=(400, 403, 404, 409),
          tag="back-office")
def advance_stage(cycle_id, data):
    return remote.call("budget", "advance_stage", actor(), {**data, "cycle_id": cycle_id})


@bp.post("/budget/projects/<project_id>/study")
@roles_required(*STAFF)
@endpoint("Avis d'étude : recevabilité (raison publique), faisabilité et coût", body=schemas.StudySchema,
          response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def decide_study(project_id, data):
    return remote.call("budget", "decide_study", _agent(), {**data, "project_id": project_id})


@bp.post("/budget/projects/<project_id>/selection")
@roles_required(*STAFF)
@endpoint("Soumettre un projet au vote (ou l'en retirer) pendant la sélection", body=schemas.SelectSchema,
          response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409), tag="back-office")
def select_project(project_id, data):
    return remote.call("budget", "select_project", _agent(), {**data, "project_id": project_id})


@bp.post("/budget/cycles/<cycle_id>/merges")
@roles_required(*STAFF)
@endpoint("Co-construction : fusionner des projets en un projet nouveau (les porteurs sont invités)",
          body=schemas.MergeSchema, response=schemas.ProjectSchema, status=201, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def merge_projects(cycle_id, data):
    return remote.call("budget", "merge_projects", _agent(), {**_wire(data), "cycle_id": cycle_id})


@bp.post("/budget/cycles/<cycle_id>/paper-ballots")
@roles_required(*STAFF)
@endpoint("Saisir un bulletin papier d'une urne mobile, après contrôle de l'identité (jamais conservée en clair)",
          body=schemas.PaperBallotSchema, response=schemas.PaperBallotReceiptSchema, status=201, auth=True,
          errors=(400, 403, 404, 409), tag="back-office")
def record_paper_ballot(cycle_id, data):
    """409 ALREADY_VOTED_ON_PAPER : la même personne a déjà voté sur papier (seul le premier bulletin papier compte) ;
    un bulletin papier dont le compte a voté en ligne est enregistré sans compter (`superseded_by_online`)."""
    return remote.call("budget", "record_paper_ballot", _agent(),
                               {**_wire(data), "cycle_id": cycle_id})


@bp.post("/budget/projects/<project_id>/status")
@roles_required(*STAFF)
@endpoint("Suivi de réalisation d'un lauréat : nouveau statut daté et justifié (agents de la direction pilote)",
          body=schemas.StatusChangeSchema, response=schemas.ProjectSchema, auth=True, errors=(400, 403, 404, 409),
          tag="back-office")
def change_project_status(project_id, data):
    return remote.call("budget", "change_project_status", _agent(),
                               {**_wire(data), "project_id": project_id})


@bp.get("/budget/cycles/<cycle_id>/counts")
@roles_required(*STAFF)
@endpoint("Décomptes en direct pendant le vote (agents et administrateurs)", response=schemas.LiveCountsSchema,
          auth=True, errors=(400, 403, 404, 409), tag="back-office")
def live_counts(cycle_id):
    return remote.call("budget", "live_counts", actor(), {"cycle_id": cycle_id})


@bp.post("/budget/cycles/pabulib")
@roles_required("admin")
@endpoint("Importer un fichier pabulib (.pb) comme cycle à l'étape du vote", body=schemas.PabulibImportSchema,
          response=schemas.CycleSchema, status=201, auth=True, errors=(400, 403), tag="back-office")
def import_pabulib(data):
    return remote.call("budget", "import_pabulib", actor(), data)


_agent = staff_actor  # agents act on what their direction owns (study, selection, merges, paper, statuses)


def _csv(exported: dict) -> Response:
    return Response(exported["content"], mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{exported["filename"]}"'})


def _wire(data: dict) -> dict:
    """What crosses the broker is JSON: dates as ISO strings, identifiers as strings."""
    return {key: _wire_value(value) for key, value in data.items()}


def _wire_value(value):
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value

"""Consultations: the list, a consultation and its proposals; agents set them up, close them and publish
the synthesis; citizens propose, amend, support (« d'accord »), comment, vote with an argument and answer
questionnaires; everyone signed in reports, moderators hide and restore."""
from datetime import date, datetime

from flask import Blueprint
from marshmallow import fields

from .. import consultations_schemas as schemas
from .. import ideas_schemas, remote
from ..schemas import CONTENT_ROW_ID
from ..actors import actor, pseudonym, staff_actor, viewer
from ..auth import login_required, roles_required
from ..openapi import endpoint

bp = Blueprint("api_consultations", __name__)

AGENTS = ("agent", "admin")
MODERATORS = ("moderator", "admin")
TAG = "consultations"


def wire(value):
    """Dates and times as ISO strings: only plain JSON crosses the broker."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire(item) for item in value]
    return value


def call(method: str, *args):
    return remote.call("ideas", method, *args)


# --- reading ---------------------------------------------------------------------------------------

@bp.get("/consultations")
@endpoint("Lister les consultations (à venir, en cours, terminées)", query=schemas.ConsultationQuerySchema,
          response=schemas.ConsultationPageSchema, tag=TAG)
def list_consultations(data):
    return call("list_consultations", data)


@bp.get("/consultations/<consultation_id>")
@endpoint("Une consultation : contexte, ressources, agenda, sections, propositions, votes, questionnaires, "
          "synthèse", query=schemas.ConsultationReadSchema, response=schemas.ConsultationSchema,
          errors=(400, 404), tag=TAG)
def get_consultation(consultation_id, data):
    """Tri des propositions : `random` (stable pour une même `seed`), `most_supported` ou `newest`. Les résultats
    d'un questionnaire sont visibles une fois la consultation close, ou après y avoir répondu."""
    return call("get_consultation", {**data, "consultation_id": consultation_id}, viewer())


@bp.get("/consultations/proposals/<proposal_id>")
@endpoint("Une proposition : texte, compteurs, amendements, arguments, commentaires",
          response=schemas.ProposalSchema, errors=(400, 404), tag=TAG)
def get_proposal(proposal_id):
    return call("get_proposal", {"proposal_id": proposal_id}, viewer())


# --- agents ----------------------------------------------------------------------------------------

@bp.post("/consultations")
@roles_required(*AGENTS)
@endpoint("Créer une consultation (agents, administrateurs)", body=schemas.SaveConsultationSchema,
          response=schemas.ConsultationSchema, status=201, auth=True, errors=(400, 403), tag=TAG)
def create_consultation(data):
    """Les ressources sont des liens http(s). L'ouverture et la clôture suivent les dates."""
    return call("save_consultation", staff_actor(), wire(data))


@bp.put("/consultations/<consultation_id>")
@roles_required(*AGENTS)
@endpoint("Modifier une consultation non close", body=schemas.SaveConsultationSchema,
          response=schemas.ConsultationSchema, auth=True, errors=(400, 403, 404, 409), tag=TAG)
def update_consultation(consultation_id, data):
    return call("save_consultation", staff_actor(), wire({**data, "consultation_id": consultation_id}))


@bp.post("/consultations/<consultation_id>/sections")
@roles_required(*AGENTS)
@endpoint("Ajouter une section (propositions, vote argumenté, questionnaire ou texte amendable)",
          body=schemas.SaveSectionSchema, response=schemas.ConsultationSchema, status=201, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def add_section(consultation_id, data):
    return call("save_section", staff_actor(), {**data, "consultation_id": consultation_id})


@bp.put("/consultations/<consultation_id>/sections/<section_id>")
@roles_required(*AGENTS)
@endpoint("Modifier une section", body=schemas.SaveSectionSchema, response=schemas.ConsultationSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def update_section(consultation_id, section_id, data):
    """Une fois que des citoyen·nes y ont participé, son mode et ses questions ne changent plus (409
    `SECTION_IN_USE`)."""
    return call("save_section", staff_actor(), {**data, "consultation_id": consultation_id,
                                                   "section_id": section_id})


@bp.delete("/consultations/<consultation_id>/sections/<section_id>")
@roles_required(*AGENTS)
@endpoint("Supprimer une section sans participation", response=schemas.ConsultationSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def delete_section(consultation_id, section_id):
    return call("delete_section", staff_actor(),
                        {"consultation_id": consultation_id, "section_id": section_id})


@bp.post("/consultations/<consultation_id>/close")
@roles_required(*AGENTS)
@endpoint("Clore une consultation en cours maintenant", response=schemas.ConsultationSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def close_consultation(consultation_id):
    return call("close_consultation", staff_actor(), {"consultation_id": consultation_id})


@bp.put("/consultations/<consultation_id>/synthesis")
@roles_required(*AGENTS)
@endpoint("Publier (ou corriger) la synthèse et la décision finale d'une consultation close",
          body=schemas.SynthesisSchema, response=schemas.ConsultationSchema, auth=True,
          errors=(400, 403, 404, 409), tag=TAG)
def publish_synthesis(consultation_id, data):
    return call("publish_synthesis", staff_actor(), wire({**data, "consultation_id": consultation_id}))


@bp.post("/consultations/amendments/<amendment_id>/decision")
@login_required
@endpoint("Accepter ou rejeter un amendement (l'auteur·rice de la proposition, ou un agent)",
          body=schemas.DecideAmendmentSchema, response=schemas.ProposalSchema, auth=True, errors=(400, 403, 404, 409),
          tag=TAG)
def decide_amendment(amendment_id, data):
    """Renvoie la proposition amendée ; un amendement accepté y figure. Déjà décidé : 409 `ALREADY_DECIDED`."""
    return call("decide_amendment", staff_actor(), {**data, "amendment_id": amendment_id})


# --- citizens --------------------------------------------------------------------------------------

@bp.post("/consultations/<consultation_id>/proposals")
@login_required
@endpoint("Proposer dans une section (propositions ou texte amendable)", body=schemas.ProposalBodySchema,
          response=schemas.ProposalSchema, status=201, auth=True, errors=(400, 404, 409, 429), tag=TAG)
def submit_proposal(consultation_id, data):
    """10 propositions par heure et par compte au plus. Consultation close : 409 `CONSULTATION_CLOSED`."""
    return call("submit_proposal", actor(), {**data, "consultation_id": consultation_id,
                                             "author_pseudonym": pseudonym()})


@bp.post("/consultations/proposals/<proposal_id>/amendments")
@login_required
@endpoint("Amender une proposition d'un texte amendable", body=schemas.AmendmentBodySchema,
          response=schemas.ProposalSchema, status=201, auth=True, errors=(400, 404, 409, 429), tag=TAG)
def amend(proposal_id, data):
    """L'amendement est une proposition à part entière (avec ses « d'accord »). Section non amendable : 409
    `NOT_AMENDABLE`."""
    return call("submit_proposal", actor(), {**data, "amends": proposal_id, "author_pseudonym": pseudonym()})


def _support(kind: str, target_id: str):
    return call("support_contribution", actor(), {"kind": kind, "target_id": target_id})


@bp.post("/consultations/proposals/<proposal_id>/supports")
@login_required
@endpoint("Être d'accord avec une proposition ou un amendement (une fois par compte)",
          response=schemas.SupportStateSchema, status=201, auth=True, errors=(400, 404, 409), tag=TAG)
def support_proposal(proposal_id):
    """Une seconde fois : 409 `ALREADY_SUPPORTED`."""
    return _support("proposal", proposal_id)


@bp.post("/consultations/comments/<comment_id>/supports")
@login_required
@endpoint("Être d'accord avec un commentaire (une fois par compte)", response=schemas.SupportStateSchema,
          status=201, auth=True, errors=(400, 404, 409), tag=TAG)
def support_comment(comment_id):
    return _support("proposal_comment", comment_id)


@bp.post("/consultations/proposals/<proposal_id>/comments")
@login_required
@endpoint("Commenter une proposition", body=schemas.PostProposalCommentSchema,
          response=schemas.ProposalCommentSchema, status=201, auth=True, errors=(400, 404, 409, 429), tag=TAG)
def comment(proposal_id, data):
    return call("post_proposal_comment", actor(), {**data, "proposal_id": proposal_id,
                                                   "author_pseudonym": pseudonym()})


@bp.post("/consultations/proposals/<proposal_id>/arguments")
@login_required
@endpoint("Vote argumenté sur une proposition (d'accord / pas d'accord + argument)", body=schemas.PostArgumentSchema,
          response=schemas.ArgumentSchema, status=201, auth=True, errors=(400, 404, 409, 429), tag=TAG)
def argue_proposal(proposal_id, data):
    """Un vote par compte et par proposition, définitif : 409 `ALREADY_VOTED` ensuite."""
    return call("post_argument", actor(), {**data, "proposal_id": proposal_id,
                                                   "author_pseudonym": pseudonym()})


@bp.post("/consultations/sections/<section_id>/arguments")
@login_required
@endpoint("Vote argumenté sur la question d'une section", body=schemas.PostArgumentSchema,
          response=schemas.ArgumentSchema, status=201, auth=True, errors=(400, 404, 409, 429), tag=TAG)
def argue_question(section_id, data):
    """Un vote par compte et par question, définitif : 409 `ALREADY_VOTED` ensuite."""
    return call("post_argument", actor(), {**data, "section_id": section_id,
                                                   "author_pseudonym": pseudonym()})


@bp.post("/consultations/sections/<section_id>/answers")
@login_required
@endpoint("Répondre à un questionnaire (une fois par compte)", body=schemas.AnswerQuestionnaireSchema,
          response=schemas.AnswerStateSchema, status=201, auth=True, errors=(400, 404, 409), tag=TAG)
def answer(section_id, data):
    """Les erreurs sont données par question (`details.q1`…). Une seconde fois : 409 `ALREADY_ANSWERED`."""
    return call("answer_questionnaire", actor(), {**data, "section_id": section_id})


# --- reports and moderation ------------------------------------------------------------------------

KINDS = {"proposals": ("proposal", "une proposition ou un amendement"),
         "comments": ("proposal_comment", "un commentaire de consultation"),
         "arguments": ("argument", "un argument")}
# a proposal is known by its uuid, a comment or an argument by its row number
CONTENT_IDS = {"proposal": fields.UUID(), "proposal_comment": fields.Integer(validate=CONTENT_ROW_ID),
               "argument": fields.Integer(validate=CONTENT_ROW_ID)}


def _register_moderation(path: str, kind: str, what: str):
    content_id_field = {"content_id": CONTENT_IDS[kind]}

    @login_required
    @endpoint(f"Signaler {what}", body=ideas_schemas.ReportSchema, response=ideas_schemas.ReportStateSchema,
              status=201, auth=True, errors=(400, 403, 404, 409, 429), tag=TAG, path=content_id_field)
    def report(content_id, data):
        """Un signalement par compte ; au troisième, le contenu est masqué en attendant la modération. Son
        auteur·e ne signale pas ce qu'il ou elle a écrit (403 `OWN_CONTENT`)."""
        return call("report_content", actor(), {"kind": kind, "content_id": content_id, **data})

    def decide(action: str):
        @roles_required(*MODERATORS)
        @endpoint(f"{'Masquer' if action == 'hide' else 'Rétablir'} {what} (modérateurs, administrateurs)",
                  body=ideas_schemas.ModerateSchema, response=ideas_schemas.ModerationStateSchema,
                  auth=True, errors=(400, 403, 404, 409), tag=TAG, path=content_id_field)
        def moderate(content_id, data):
            return call("moderate", actor(), {"kind": kind, "content_id": content_id, "action": action,
                                                      **data})
        return moderate

    bp.add_url_rule(f"/consultations/{path}/<content_id>/reports", f"report_{kind}", report, methods=["POST"])
    for action in ("hide", "restore"):
        bp.add_url_rule(f"/consultations/{path}/<content_id>/{action}", f"{action}_{kind}", decide(action),
                        methods=["POST"])


for _path, (_kind, _what) in KINDS.items():
    _register_moderation(_path, _kind, _what)

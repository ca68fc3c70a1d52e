"""The agents' consultation editor (back office): create and edit a consultation (title, context,
resources, agenda, dates), its sections and their questions, close it, publish its synthesis and final
decision. Lists are typed one item per line, so the forms need no JavaScript:

- resources: « Intitulé | https://adresse »
- agenda: « 2026-03-10 18:30 | Intitulé | Lieu (facultatif) », Paris time
- questions: « unique | Libellé | choix 1 ; choix 2 », « multiple | … », « libre | Libellé »
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from hubkit.errors import HubError, InvalidInput

from .. import remote
from ..actors import staff_actor
from ..auth import roles_required
from .forms import Form, flash_failure, render_forms, require_filled, submitted

bp = Blueprint("consultation_editor", __name__, url_prefix="/consultations/gestion")

AGENTS = ("agent", "admin")
PARIS = ZoneInfo("Europe/Paris")
CONSULTATION_FIELDS = ("title", "context", "resources", "agenda", "opens_at", "closes_at")
SECTION_FIELDS = ("title", "mode", "body", "questions")
SYNTHESIS_FIELDS = ("synthesis", "decision", "decision_body", "decision_date", "deliberation_url")
MODES = (("proposals", "Propositions"), ("argued_vote", "Vote argumenté (une question, d'accord / pas d'accord)"),
         ("questionnaire", "Questionnaire"), ("amendable_text", "Texte amendable"))
QUESTION_KINDS = {"unique": "single", "multiple": "multiple", "libre": "text"}
KIND_WORDS = {code: word for word, code in QUESTION_KINDS.items()}


def call(method: str, *args):
    return remote.call("ideas", method, *args)


# --- text forms <-> service data -------------------------------------------------------------------

def _lines(text: str) -> list:
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _parts(line: str) -> list:
    return [part.strip() for part in line.split("|")]


def parse_moment(value: str, field: str) -> str:
    """A datetime-local field (Paris time) as an ISO moment with its offset."""
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=PARIS).isoformat()
        except ValueError:
            continue
    raise InvalidInput(details={field: ["Une date et une heure sont attendues (AAAA-MM-JJ HH:MM)."]})


def parse_resources(text: str) -> list:
    resources = []
    for number, line in _lines(text):
        parts = _parts(line)
        if len(parts) != 2 or not all(parts):
            raise InvalidInput(details={"resources": [f"Ligne {number} : « Intitulé | https://adresse » attendu."]})
        resources.append({"label": parts[0], "url": parts[1]})
    return resources


def parse_agenda(text: str) -> list:
    meetings = []
    for number, line in _lines(text):
        parts = _parts(line)
        if len(parts) not in (2, 3) or not parts[1]:
            raise InvalidInput(details={"agenda": [
                f"Ligne {number} : « AAAA-MM-JJ HH:MM | Intitulé | Lieu » attendu."]})
        try:
            starts_at = parse_moment(parts[0], "agenda")
        except InvalidInput:
            raise InvalidInput(details={"agenda": [f"Ligne {number} : la date doit s'écrire AAAA-MM-JJ HH:MM."]}) \
                from None
        meetings.append({"starts_at": starts_at, "title": parts[1], "place": parts[2] if len(parts) == 3 else None})
    return meetings


def parse_questions(text: str) -> list:
    questions = []
    for number, line in _lines(text):
        parts = _parts(line)
        kind = QUESTION_KINDS.get(parts[0].lower()) if parts else None
        if kind is None or len(parts) < 2 or not parts[1]:
            raise InvalidInput(details={"questions": [
                f"Ligne {number} : « unique | Libellé | choix 1 ; choix 2 », « multiple | … » "
                "ou « libre | Libellé »."]})
        choices = [choice.strip() for choice in parts[2].split(";") if choice.strip()] if len(parts) > 2 else []
        questions.append({"kind": kind, "label": parts[1], "choices": choices})
    return questions


def _paris_local(value) -> str:
    """An ISO moment as the value of a datetime-local field, in Paris time."""
    if not value:
        return ""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def consultation_values(consultation: dict) -> dict:
    return {"title": consultation["title"], "context": consultation["context"],
            "resources": "\n".join(f"{r['label']} | {r['url']}" for r in consultation["resources"]),
            "agenda": "\n".join(" | ".join(part for part in (
                _paris_local(m["starts_at"]).replace("T", " "), m["title"], m.get("place") or "") if part)
                for m in consultation["agenda"]),
            "opens_at": _paris_local(consultation["opens_at"]), "closes_at": _paris_local(consultation["closes_at"])}


def section_values(section: dict) -> dict:
    return {"title": section["title"], "mode": section["mode"], "body": section["body"] or "",
            "questions": "\n".join(" | ".join([KIND_WORDS[q["kind"]], q["label"]] + (
                [" ; ".join(q["choices"])] if q["choices"] else [])) for q in section["questions"] or ())}


def _consultation_command(values: dict) -> dict:
    require_filled(values, "title", "context", "opens_at", "closes_at")
    return {"title": values["title"], "context": values["context"], "resources": parse_resources(values["resources"]),
            "agenda": parse_agenda(values["agenda"]), "opens_at": parse_moment(values["opens_at"], "opens_at"),
            "closes_at": parse_moment(values["closes_at"], "closes_at")}


# --- pages ---------------------------------------------------------------------------------------------

@bp.get("")
@roles_required(*AGENTS)
def index():
    consultations = call("list_consultations", {"limit": 100, "offset": 0})["items"]
    return render_template("consultations/editor_index.html", consultations=consultations)


@bp.route("/nouvelle", methods=["GET", "POST"])
@roles_required(*AGENTS)
def create():
    if request.method == "GET":
        return render_forms("consultations/editor_new.html", {"consultation": Form("consultation")})
    values = submitted(*CONSULTATION_FIELDS)
    try:
        created = call("save_consultation", staff_actor(), _consultation_command(values))
    except HubError as error:
        return render_forms("consultations/editor_new.html", {"consultation": Form.failed(
            error, values, name="consultation", fields=CONSULTATION_FIELDS)})
    flash("La consultation est créée. Ajoutez maintenant ses sections.", "success")
    return redirect(url_for(".edit", consultation_id=created["id"], _anchor="sections"))


def _editor(consultation_id: str, failed_section=None, **failed):
    # `editing`: the service refuses the editor to an agent of another direction (403 OUTSIDE_DIRECTION, the reason)
    consultation = call("get_consultation", {"consultation_id": consultation_id, "sort": "newest", "editing": True},
                        staff_actor())
    forms = {"consultation": Form("consultation", consultation_values(consultation)),
             "new_section": Form("nouvelle-section", {"mode": "proposals"}),
             "synthesis": Form("synthese", consultation["synthesis"] or {}),
             "close": Form("cloture")}
    for section in consultation["sections"]:
        forms[f"section_{section['id']}"] = Form(f"section-{section['id']}", section_values(section))
    forms.update(failed)
    return render_forms("consultations/editor.html", forms, consultation=consultation, modes=MODES,
                        failed_section=failed_section)


@bp.get("/<consultation_id>")
@roles_required(*AGENTS)
def edit(consultation_id):
    return _editor(consultation_id)


@bp.post("/<consultation_id>")
@roles_required(*AGENTS)
def save(consultation_id):
    values = submitted(*CONSULTATION_FIELDS)
    try:
        call("save_consultation", staff_actor(), {**_consultation_command(values), "consultation_id": consultation_id})
    except HubError as error:
        return _editor(consultation_id, consultation=Form.failed(error, values, name="consultation",
                                                                 fields=CONSULTATION_FIELDS))
    flash("La consultation est enregistrée.", "success")
    return redirect(url_for(".edit", consultation_id=consultation_id))


def _section_command(values: dict) -> dict:
    require_filled(values, "title", "mode")
    return {"title": values["title"], "mode": values["mode"], "body": values["body"] or None,
            "questions": parse_questions(values["questions"]) if values["mode"] == "questionnaire" else []}


@bp.post("/<consultation_id>/sections")
@roles_required(*AGENTS)
def add_section(consultation_id):
    values = submitted(*SECTION_FIELDS)
    try:
        call("save_section", staff_actor(), {**_section_command(values), "consultation_id": consultation_id})
    except HubError as error:
        return _editor(consultation_id, new_section=Form.failed(error, values, name="nouvelle-section",
                                                                fields=SECTION_FIELDS))
    flash("La section est ajoutée.", "success")
    return redirect(url_for(".edit", consultation_id=consultation_id, _anchor="sections"))


@bp.post("/<consultation_id>/sections/<int:section_id>")
@roles_required(*AGENTS)
def save_section(consultation_id, section_id):
    values = submitted(*SECTION_FIELDS)
    try:
        call("save_section", staff_actor(), {**_section_command(values), "consultation_id": consultation_id,
                                       "section_id": section_id})
    except HubError as error:
        return _editor(consultation_id, section_id, **{f"section_{section_id}": Form.failed(
            error, values, name=f"section-{section_id}", fields=SECTION_FIELDS)})
    flash("La section est enregistrée.", "success")
    return redirect(url_for(".edit", consultation_id=consultation_id, _anchor=f"section-{section_id}"))


@bp.post("/<consultation_id>/sections/<int:section_id>/supprimer")
@roles_required(*AGENTS)
def delete_section(consultation_id, section_id):
    try:
        call("delete_section", staff_actor(), {"consultation_id": consultation_id, "section_id": section_id})
    except HubError as error:
        flash_failure(error)  # a section with contributions, say; a refusal is the 403 page
        return redirect(url_for(".edit", consultation_id=consultation_id, _anchor=f"section-{section_id}"))
    flash("La section est supprimée.", "success")
    return redirect(url_for(".edit", consultation_id=consultation_id, _anchor="sections"))


@bp.post("/<consultation_id>/cloturer")
@roles_required(*AGENTS)
def close(consultation_id):
    try:
        call("close_consultation", staff_actor(), {"consultation_id": consultation_id})
    except HubError as error:
        return _editor(consultation_id, close=Form.failed(error, {}, name="cloture", fields=()))
    flash("La consultation est close : plus rien ne peut y être ajouté. Publiez maintenant sa synthèse.", "success")
    return redirect(url_for(".edit", consultation_id=consultation_id, _anchor="synthese"))


@bp.post("/<consultation_id>/synthese")
@roles_required(*AGENTS)
def publish(consultation_id):
    values = submitted(*SYNTHESIS_FIELDS)
    try:
        require_filled(values, "synthesis", "decision", "decision_body", "decision_date")
        call("publish_synthesis", staff_actor(), {**values, "consultation_id": consultation_id,
                                            "deliberation_url": values["deliberation_url"] or None})
    except HubError as error:
        return _editor(consultation_id, synthesis=Form.failed(error, values, name="synthese",
                                                              fields=SYNTHESIS_FIELDS))
    flash("La synthèse et la décision sont publiées.", "success")
    return redirect(url_for("consultations.synthesis", consultation_id=consultation_id))

"""« Consultations », like idee.paris: the list (in progress, upcoming, closed), the page of a consultation
(plan of sections, context, resources, agenda, proposals with their counters and sorting, argued votes,
questionnaire and its result charts), the page of a proposal (« d'accord », argued vote, amendments and
their decisions, comments), the synthesis page, and reports and moderation of everything in them.
The agents' editor is in consultation_editor.py.

Every text a citizen or an agent typed is rendered escaped by Jinja; links are http(s) only (checked by
the ideas service). No JavaScript: every action is a form.
"""
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from hubkit.errors import HubError, InvalidInput, NotFound, RateLimited

from .. import remote
from ..actors import actor, pseudonym, staff_actor, viewer
from ..auth import login_required, roles_required
from .forms import Form, flash_failure, render_forms, require_filled, safe_next, submitted

bp = Blueprint("consultations", __name__, url_prefix="/consultations")

MODERATORS = ("moderator", "admin")
SORTS = (("random", "Tri aléatoire"), ("most_supported", "Les plus soutenues"), ("newest", "Les plus récentes"))
SORT_ALIASES = {"aleatoire": "random", "soutenues": "most_supported", "recentes": "newest"}
REPORT_REASONS = (("spam", "Spam ou publicité"), ("offensive", "Propos injurieux ou haineux"),
                  ("off_topic", "Hors sujet"))
REPORTABLE = ("proposal", "proposal_comment", "argument")
SEED_KEY = "consultations_seed"
PROPOSALS_PER_PAGE = 20  # per section; the service reads one page at a time
PAGE_MAX = 1_000_000  # the service's bound; past the last page it shows the last one
PAGE_WINDOW = 2  # page links either side of the current one, besides the first and the last
LIST_SIZE = 50


def call(method: str, *args):
    return remote.call("ideas", method, *args)


def visit_seed() -> str:
    """The random order of proposals stays the same for one visitor during their visit (their session)."""
    if SEED_KEY not in session:
        session[SEED_KEY] = secrets.token_hex(8)
    return session[SEED_KEY]


def _failed(error: HubError, values: dict, name: str, fields) -> Form:
    form = Form.failed(error, values, name=name, fields=fields)
    if isinstance(error, RateLimited):
        form.message = error.message  # the service says which limit, and how long to wait
    return form


def _or_not_found(method: str, key: str, value: str, what: str, **query):
    """A service read; an id that is not even the shape of one is a page not found."""
    try:
        return call(method, {key: value, **query}, viewer())
    except InvalidInput as error:
        if key in error.details:
            raise NotFound(f"{what} introuvable.") from None
        raise


def _sort() -> str:
    chosen = request.args.get("tri", "aleatoire")
    return SORT_ALIASES.get(chosen, "random")


def _whole_number(value: str | None) -> int | None:
    """A page or section number as typed in the address; anything else (letters, 0, -1…) is None."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    return min(int(value[:8]), PAGE_MAX) or None


def _paging() -> dict:
    """The page of proposals asked for in the address (`section`, `page`); a bad one reads the first page."""
    return {"section_id": _whole_number(request.args.get("section")),
            "page": _whole_number(request.args.get("page")) or 1, "page_size": PROPOSALS_PER_PAGE}


def _page_numbers(page: int, pages: int) -> list:
    """1 … 4 5 [6] 7 8 … 40: None stands for the pages left out."""
    shown = sorted({1, pages, *range(max(1, page - PAGE_WINDOW), min(pages, page + PAGE_WINDOW) + 1)})
    numbers = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _pager(consultation_id: str, section: dict, sort_word: str) -> dict | None:
    """The page links of a section's proposals, keeping the sort; None when they fit on one page."""
    paging = section.get("proposals_page")
    if not paging or paging["pages"] <= 1:
        return None
    page, pages = paging["page"], paging["pages"]

    def link(number):
        return url_for(".show", consultation_id=consultation_id, tri=sort_word, section=section["id"], page=number,
                       _anchor=f"section-{section['id']}")
    return {"page": page, "pages": pages, "previous": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "numbers": [(number, link(number) if number else None) for number in _page_numbers(page, pages)],
            "first": (page - 1) * paging["page_size"] + 1,
            "last": min(page * paging["page_size"], section["proposals_count"])}


# --- the list ----------------------------------------------------------------------------------------

@bp.get("")
def index():
    groups = [(state, title, call("list_consultations", {"state": state, "limit": LIST_SIZE, "offset": 0}))
              for state, title in (("open", "En cours"), ("upcoming", "À venir"), ("closed", "Terminées"))]
    return render_template("consultations/index.html", groups=groups)


# --- a consultation --------------------------------------------------------------------------------

FORM_NAMES = {"proposal": "proposition", "vote": "vote", "answers": "questionnaire", "report": "signalement"}


def _consultation_page(consultation_id: str, failed_section: int = None, **failed):
    consultation = _or_not_found("get_consultation", "consultation_id", consultation_id, "Consultation",
                                 sort=_sort(), seed=visit_seed(), **_paging())
    forms = {name: Form(prefix) for name, prefix in FORM_NAMES.items()}
    forms.update(failed)
    sort = consultation["sort"]
    words = {code: word for word, code in SORT_ALIASES.items()}
    sort_links = [(code, label, url_for(".show", consultation_id=consultation_id, tri=words[code]))
                  for code, label in SORTS]
    pagers = {section["id"]: _pager(consultation_id, section, words[sort]) for section in consultation["sections"]}
    return render_forms("consultations/show.html", forms, consultation=consultation, viewer=consultation["viewer"],
                        sort=sort, sort_links=sort_links, failed_section=failed_section,
                        report_reasons=REPORT_REASONS, pagers=pagers)


@bp.get("/<consultation_id>")
def show(consultation_id):
    return _consultation_page(consultation_id)


@bp.get("/<consultation_id>/synthese")
def synthesis(consultation_id):
    consultation = _or_not_found("get_consultation", "consultation_id", consultation_id, "Consultation")
    if not consultation["synthesis"]:
        raise NotFound("La synthèse de cette consultation n'est pas encore publiée.")
    return render_template("consultations/synthesis.html", consultation=consultation)


@bp.post("/<consultation_id>/sections/<section_id>/propositions")
@login_required
def propose(consultation_id, section_id):
    values = submitted("title", "body")
    try:
        require_filled(values, "title", "body")
        proposal = call("submit_proposal", actor(), {**values, "consultation_id": consultation_id,
                                                     "section_id": _number(section_id),
                                                     "author_pseudonym": pseudonym()})
    except HubError as error:
        return _consultation_page(consultation_id, _number(section_id),
                                  proposal=_failed(error, values, "proposition", ("title", "body")))
    flash("Votre proposition est publiée. Merci !", "success")
    return redirect(url_for(".proposal", proposal_id=proposal["id"]))


@bp.post("/<consultation_id>/sections/<section_id>/vote")
@login_required
def vote_question(consultation_id, section_id):
    values = submitted("position", "body")
    try:
        require_filled(values, "position", "body")
        call("post_argument", actor(), {**values, "section_id": _number(section_id), "author_pseudonym": pseudonym()})
    except HubError as error:
        return _consultation_page(consultation_id, _number(section_id),
                                  vote=_failed(error, values, "vote", ("position", "body")))
    flash("Votre vote et votre argument sont enregistrés.", "success")
    return redirect(url_for(".show", consultation_id=consultation_id, _anchor=f"section-{section_id}"))


@bp.post("/<consultation_id>/sections/<section_id>/reponses")
@login_required
def answer(consultation_id, section_id):
    answers, values = {}, {}
    for key in request.form:
        if key.startswith("q") and key[1:].isdigit():
            chosen = [value.strip() for value in request.form.getlist(key) if value.strip()]
            values[key] = chosen
            answers[key] = chosen if len(request.form.getlist(key)) > 1 or request.form.get(f"{key}__multiple") \
                else (chosen[0] if chosen else "")
    try:
        call("answer_questionnaire", actor(), {"section_id": _number(section_id), "answers": answers})
    except HubError as error:
        fields = [key for key in request.form if key.startswith("q")] + [
            key for key in getattr(error, "details", {}) if key.startswith("q")]
        return _consultation_page(consultation_id, _number(section_id),
                                  answers=_failed(error, values, "questionnaire", fields))
    flash("Merci : vos réponses sont enregistrées. Voici les résultats à ce jour.", "success")
    return redirect(url_for(".show", consultation_id=consultation_id, _anchor=f"section-{section_id}"))


def _number(value: str) -> int:
    if not str(value).isascii() or not str(value).isdigit():
        abort(404)
    return int(value)


# --- a proposal ------------------------------------------------------------------------------------

PROPOSAL_FORMS = {"support": "accord", "vote": "vote", "amendment": "amendement", "decision": "decision",
                  "comment": "commentaire", "report": "signalement"}


def _proposal_page(proposal_id: str, **failed):
    proposal = _or_not_found("get_proposal", "proposal_id", proposal_id, "Proposition")
    forms = {name: Form(prefix) for name, prefix in PROPOSAL_FORMS.items()}
    forms.update(failed)
    return render_forms("consultations/proposal.html", forms, proposal=proposal, viewer=proposal["viewer"],
                        report_reasons=REPORT_REASONS)


@bp.get("/propositions/<proposal_id>")
def proposal(proposal_id):
    return _proposal_page(proposal_id)


def _back_to(proposal_id: str, anchor: str):
    return redirect(url_for(".proposal", proposal_id=proposal_id, _anchor=anchor))


@bp.post("/propositions/<proposal_id>/accord")
@login_required
def support(proposal_id):
    kind = "proposal_comment" if request.form.get("commentaire") else "proposal"
    target = request.form.get("commentaire") or request.form.get("proposition") or proposal_id
    try:
        call("support_contribution", actor(), {"kind": kind, "target_id": target})
    except HubError as error:
        return _proposal_page(proposal_id, support=_failed(error, {}, "accord", ()))
    flash("C'est noté : vous êtes d'accord.", "success")
    anchor = f"commentaire-{target}" if kind == "proposal_comment" else (
        f"amendement-{target}" if target != proposal_id else "accord")
    return _back_to(proposal_id, anchor)


@bp.post("/propositions/<proposal_id>/vote")
@login_required
def vote_proposal(proposal_id):
    values = submitted("position", "body")
    try:
        require_filled(values, "position", "body")
        call("post_argument", actor(), {**values, "proposal_id": proposal_id, "author_pseudonym": pseudonym()})
    except HubError as error:
        return _proposal_page(proposal_id, vote=_failed(error, values, "vote", ("position", "body")))
    flash("Votre vote et votre argument sont enregistrés.", "success")
    return _back_to(proposal_id, "arguments")


@bp.post("/propositions/<proposal_id>/amendements")
@login_required
def amend(proposal_id):
    values = submitted("title", "body")
    try:
        require_filled(values, "title", "body")
        amendment = call("submit_proposal", actor(), {**values, "amends": proposal_id,
                                                      "author_pseudonym": pseudonym()})
    except HubError as error:
        return _proposal_page(proposal_id, amendment=_failed(error, values, "amendement", ("title", "body")))
    flash("Votre amendement est publié ; l'auteur·rice de la proposition décidera de l'accepter ou non.", "success")
    return _back_to(proposal_id, f"amendement-{amendment['id']}")


@bp.post("/propositions/<proposal_id>/amendements/<amendment_id>/decision")
@login_required
def decide(proposal_id, amendment_id):
    values = submitted("decision", "note")
    try:
        require_filled(values, "decision")
        call("decide_amendment", staff_actor(), {"amendment_id": amendment_id, "decision": values["decision"],
                                                 "note": values["note"] or None})
    except HubError as error:
        return _proposal_page(proposal_id, decision=_failed(error, values, "decision", ("note",)))
    flash("Amendement accepté : il figure désormais sur la proposition." if values["decision"] == "accept"
          else "Amendement rejeté.", "success")
    return _back_to(proposal_id, f"amendement-{amendment_id}")


@bp.post("/propositions/<proposal_id>/commentaires")
@login_required
def comment(proposal_id):
    values = submitted("body")
    try:
        require_filled(values, "body")
        posted = call("post_proposal_comment", actor(), {"proposal_id": proposal_id, "body": values["body"],
                                                         "author_pseudonym": pseudonym()})
    except HubError as error:
        return _proposal_page(proposal_id, comment=_failed(error, values, "commentaire", ("body",)))
    flash("Votre commentaire est publié.", "success")
    return _back_to(proposal_id, f"commentaire-{posted['id']}")


# --- reports and moderation (from any consultation page; `retour` says where to go back) ------------

def _return_path() -> str:
    return safe_next(request.form.get("retour")) or url_for(".index")


@bp.post("/signaler")
@login_required
def report():
    kind, content_id = request.form.get("kind", ""), request.form.get("content_id", "")
    if kind not in REPORTABLE:
        abort(400)
    try:
        require_filled(submitted("reason"), "reason")
        call("report_content", actor(), {"kind": kind, "content_id": content_id,
                                         "reason": request.form.get("reason")})
    except HubError as error:
        flash_failure(error, "Le signalement n'a pas été enregistré.")
        return redirect(_return_path())
    flash("Merci : votre signalement est transmis à l'équipe de modération.", "success")
    return redirect(_return_path())


@bp.post("/moderer")
@roles_required(*MODERATORS)
def moderate():
    kind, content_id = request.form.get("kind", ""), request.form.get("content_id", "")
    if kind not in REPORTABLE:
        abort(400)
    values = submitted("action", "reason")
    try:
        require_filled(values, "reason")
        state = call("moderate", actor(), {"kind": kind, "content_id": content_id, "action": values["action"],
                                           "reason": values["reason"]})
    except HubError as error:
        flash_failure(error, "La décision n'a pas été enregistrée.")
        return redirect(_return_path())
    flash("Contenu masqué : la décision est consignée au journal." if state["hidden"]
          else "Contenu rétabli : la décision est consignée au journal.", "success")
    return redirect(_return_path())

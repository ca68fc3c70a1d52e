"""« Boîte à idées »: the list of ideas (filters, search, sort, pages), the form to propose one (with
the similar ideas already in the box), the page of an idea (status timeline, support, follow, comments,
reports; for the City's staff: the status form, similar ideas and merging; for moderators: hiding and
restoring), and the moderation queue.

Every text a citizen typed is rendered escaped by Jinja: descriptions and comments are plain text.
"""
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, request, url_for

from hubkit.errors import HubError, InvalidInput, NotFound, RateLimited

from .. import remote
from ..actors import actor, pseudonym
from ..auth import login_required, roles_required
from ..idempotency import form_key
from ..similar import across_schemes, destinations, with_destinations
from .forms import (Form, flash_failure, none_if_blank, page_number, render_form, render_forms, require_filled,
                    submitted)
from .highlighting import query_terms
from .idea_journey import dossiers_only, one_timeline
from .routing import idea_timeline

bp = Blueprint("ideas", __name__, url_prefix="/idees")

PAGE_SIZE = 12
STAFF = ("agent", "moderator", "admin")
MODERATORS = ("moderator", "admin")
REPORT_REASONS = (("spam", "Spam ou publicité"), ("offensive", "Propos injurieux ou haineux"),
                  ("off_topic", "Hors sujet"))
MERGE_FIELDS = ("into", "message")
CONTENT_KIND_LABELS = {"idea": "Idée", "comment": "Commentaire", "proposal": "Proposition (consultation)",
                       "proposal_comment": "Commentaire (consultation)", "argument": "Argument (consultation)"}
SORTS = (("relevance", "Les plus pertinentes"), ("newest", "Les plus récentes"),
         ("most_supported", "Les plus soutenues"))
IDEA_FIELDS = ("title", "description", "theme", "arrondissement", "address_line")
STATUS_FIELDS = ("status", "message", "scheme", "merged_into")
# The listing's query string is in French; the service's names of the same filters are not.
FILTER_ALIASES = {"q": "recherche", "status": "statut", "sort": "tri", "scheme": "dispositif"}
FILTER_FIELDS = ("recherche", "theme", "statut", "arrondissement", "dispositif", "tri")
ARRONDISSEMENTS = [(str(number), "1er arrondissement" if number == 1 else f"{number}e arrondissement")
                   for number in range(1, 21)]
NOT_AN_ARRONDISSEMENT = "Choisissez un arrondissement de la liste."
SIMILAR_PER_KIND = 3  # of each kind (ideas, proposals, projects, petitions) in the form's panel


def _reference() -> dict:
    """Themes, statuses and schemes, as (code, label) choices for the selects."""
    reference = remote.reference_data("ideas")
    return {kind: [(item["code"], item["label"]) for item in reference[kind]]
            for kind in ("themes", "statuses", "schemes")}


# --- the list ------------------------------------------------------------------------------------

def _filters(args) -> dict:
    """The listing's filters, from its query string (French names, as bookmarked). A search is sorted by relevance
    unless the person chose another order."""
    page = args.get("page", "1")
    search = (args.get("recherche") or "").strip()[:100]
    return {"recherche": search, "theme": (args.get("theme") or "").strip(),
            "statut": (args.get("statut") or "").strip(), "arrondissement": (args.get("arrondissement") or "").strip(),
            "dispositif": (args.get("dispositif") or "").strip()[:40],
            "tri": (args.get("tri") or "").strip()[:40] or _default_sort(search), "page": page_number(page)}


def _default_sort(search: str) -> str:
    return "relevance" if search else "newest"


def _query_string(filters: dict, **changes) -> str:
    merged = {**filters, **changes}
    kept = {key: value for key, value in merged.items() if value and not (key == "page" and value == 1)
            and not (key == "tri" and value == _default_sort(merged["recherche"]))}
    return f"?{urlencode(kept)}" if kept else ""


@bp.get("")
def index():
    filters = _filters(request.args)
    form = Form("filtre", filters)
    page = {"items": [], "total": 0}
    try:
        page = remote.call("ideas", "list_ideas", {
            "q": filters["recherche"], "theme": filters["theme"] or None, "status": filters["statut"] or None,
            "arrondissement": _arrondissement(filters["arrondissement"], "arrondissement"),
            "scheme": filters["dispositif"] or None, "sort": filters["tri"],
            "limit": PAGE_SIZE, "offset": (filters["page"] - 1) * PAGE_SIZE})
    except HubError as error:
        form = Form.failed(error, filters, name="filtre", fields=FILTER_FIELDS, aliases=FILTER_ALIASES)
    listing = url_for(".index")
    pages = {"previous": listing + _query_string(filters, page=filters["page"] - 1) if filters["page"] > 1 else None,
             "next": listing + _query_string(filters, page=filters["page"] + 1)
             if filters["page"] * PAGE_SIZE < page["total"] else None}
    filtered = any(filters[key] for key in ("recherche", "theme", "statut", "arrondissement", "dispositif"))
    return render_form("ideas/index.html", form, ideas=page["items"], total=page["total"],
                       total_is_lower_bound=page.get("total_is_lower_bound", False), filters=filters,
                       pages=pages, reference=_reference(), sorts=SORTS, arrondissements=ARRONDISSEMENTS,
                       filtered=filtered, terms=query_terms(filters["recherche"]))


def _arrondissement(value: str, field: str):
    """A select's value as the number the service expects (blank: none)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(details={field: [NOT_AN_ARRONDISSEMENT]})
    return int(value)


# --- proposing an idea ---------------------------------------------------------------------------

@bp.route("/proposer", methods=["GET", "POST"])
@login_required
def submit():
    template = "ideas/submit.html"
    context = {"reference": _reference(), "arrondissements": ARRONDISSEMENTS}
    if request.method == "GET":
        return render_form(template, Form("idee"), **context)
    values = submitted(*IDEA_FIELDS)
    if request.form.get("action") == "similaires":  # "Vérifier les idées similaires": nothing is published
        return _with_similar(template, values, context)
    try:
        # no `require_filled` here: the service reports every field at fault at once, empty ones included
        idea = remote.call("ideas", "submit_idea", actor(), {
            "title": values["title"], "description": values["description"], "theme": values["theme"],
            "arrondissement": _arrondissement(values["arrondissement"], "arrondissement"),
            "address_line": none_if_blank(values["address_line"]), "author_pseudonym": pseudonym(),
            "idempotency_key": form_key()})
    except HubError as error:
        return render_form(template, _failed(error, values, "idee", IDEA_FIELDS), **context)
    flash("Votre idée est publiée. Merci ! Vous pouvez suivre ici son avancement.", "success")
    return redirect(url_for(".show", idea_id=idea["id"]))


def _with_similar(template: str, values: dict, context: dict):
    """The form again, as typed, with what already exists anywhere close to it (ideas, consultation proposals,
    budget projects, open petitions) and what the citizen may do there instead: support, vote, follow, sign."""
    try:
        require_filled(values, "title")
        if len(values["title"].strip()) < 3:
            raise InvalidInput(details={"title": ["Au moins 3 caractères pour chercher ce qui existe déjà."]})
    except HubError as error:
        return render_form(template, _failed(error, values, "idee", IDEA_FIELDS), **context)
    found = across_schemes(values["title"], values["description"], limit=SIMILAR_PER_KIND)
    with_destinations(found["items"])  # a forwarded idea: where to support it now
    return render_form(template, Form("idee", values), similar=found, checked=True, **context)


def _failed(error: HubError, values: dict, name: str, fields) -> Form:
    form = Form.failed(error, values, name=name, fields=fields)
    if isinstance(error, RateLimited):
        form.message = error.message  # the service says which limit, and how long to wait
    return form


# --- the page of an idea -----------------------------------------------------------------------

FORM_NAMES = {"support": "soutien", "follow": "suivi", "comment": "commentaire", "status": "statut",
              "report": "signalement", "moderation": "moderation", "merge": "fusion"}


def _idea(idea_id: str) -> dict:
    try:
        return remote.call("ideas", "get_idea", {"idea_id": idea_id}, actor())
    except InvalidInput as error:
        if "idea_id" in error.details:  # not even the shape of an idea's id
            raise NotFound("Idée introuvable.") from None
        raise


def _idea_page(idea_id: str, **failed):
    """The page of an idea; `failed` holds the form that has to be filled in again, by name."""
    idea = _idea(idea_id)
    forms = {name: Form(prefix) for name, prefix in FORM_NAMES.items()}
    forms.update(failed)
    merged_into = None
    if idea.get("merged_into"):
        try:
            merged_into = remote.call("ideas", "get_idea", {"idea_id": idea["merged_into"]})
        except NotFound:
            pass
    staff = None
    if (idea.get("viewer") or {}).get("can_change_status") and idea["next_statuses"]:
        reference = _reference()
        staff = {"statuses": [(code, label) for code, label in reference["statuses"] if code in idea["next_statuses"]],
                 "schemes": reference["schemes"]}
    journey = idea_timeline(idea_id)
    continued = []  # a forwarded idea: where it goes on, to support it there
    if idea["status"] == "forwarded" and journey and journey.get("continued_as"):
        continued = destinations({idea["id"]: journey["continued_as"]})[idea["id"]]
    return render_forms("ideas/show.html", forms, idea=idea, merged_into=merged_into, staff=staff, continued=continued,
                        report_reasons=REPORT_REASONS, timeline=one_timeline(idea["history"], journey),
                        routing_timeline=dossiers_only(journey),
                        elsewhere=_elsewhere(idea),
                        merge_choices=[(other["id"], other["title"]) for other in idea.get("similar") or ()
                                       if other.get("kind", "idea") == "idea"])  # a proposal is no merge target


def _elsewhere(idea: dict) -> dict | None:
    """For the City's staff: what resembles the idea across the schemes (ideas gave the similar ideas with the
    idea: only budget and petitions are asked); None for everyone else."""
    if not (idea.get("viewer") or {}).get("can_merge"):
        return None
    return across_schemes(idea["title"], idea.get("description") or "", exclude_idea=idea["id"],
                          known_ideas=idea.get("similar") or [])


@bp.get("/<idea_id>")
def show(idea_id):
    return _idea_page(idea_id)


def _back(idea_id: str, anchor: str):
    return redirect(url_for(".show", idea_id=idea_id, _anchor=anchor))


@bp.post("/<idea_id>/soutien")
@login_required
def support(idea_id):
    try:
        remote.call("ideas", "support_idea", actor(), {"idea_id": idea_id})
    except HubError as error:
        return _idea_page(idea_id, support=_failed(error, {}, "soutien", ()))
    flash("Merci : votre soutien est enregistré.", "success")
    return _back(idea_id, "soutenir")


@bp.post("/<idea_id>/soutien/retirer")
@login_required
def withdraw_support(idea_id):
    try:
        remote.call("ideas", "withdraw_support", actor(), {"idea_id": idea_id})
    except HubError as error:
        return _idea_page(idea_id, support=_failed(error, {}, "soutien", ()))
    flash("Votre soutien est retiré.", "success")
    return _back(idea_id, "soutenir")


@bp.post("/<idea_id>/suivre")
@login_required
def follow(idea_id):
    try:
        remote.call("ideas", "follow_idea", actor(), {"idea_id": idea_id})
    except HubError as error:
        return _idea_page(idea_id, follow=_failed(error, {}, "suivi", ()))
    flash("Vous suivez cette idée.", "success")
    return _back(idea_id, "soutenir")


@bp.post("/<idea_id>/ne-plus-suivre")
@login_required
def unfollow(idea_id):
    try:
        remote.call("ideas", "unfollow_idea", actor(), {"idea_id": idea_id})
    except HubError as error:
        return _idea_page(idea_id, follow=_failed(error, {}, "suivi", ()))
    flash("Vous ne suivez plus cette idée.", "success")
    return _back(idea_id, "soutenir")


@bp.post("/<idea_id>/commentaires")
@login_required
def comment(idea_id):
    values = submitted("body")
    try:
        require_filled(values, "body")
        posted = remote.call("ideas", "post_comment", actor(), {"idea_id": idea_id, "body": values["body"],
                                                                "author_pseudonym": pseudonym()})
    except HubError as error:
        return _idea_page(idea_id, comment=_failed(error, values, "commentaire", ("body",)))
    flash("Votre commentaire est publié.", "success")
    return _back(idea_id, f"commentaire-{posted['id']}")


@bp.post("/<idea_id>/statut")
@roles_required("admin")  # agents decide from routing's inbox, under its direction rule (ideas' may_change_status)
def change_status(idea_id):
    values = submitted(*STATUS_FIELDS)
    try:
        require_filled(values, "status", "message")
        remote.call("ideas", "change_status", actor(), {
            "idea_id": idea_id, "status": values["status"], "message": values["message"],
            "scheme": none_if_blank(values["scheme"]), "merged_into": none_if_blank(values["merged_into"])})
    except HubError as error:
        return _idea_page(idea_id, status=_failed(error, values, "statut", STATUS_FIELDS))
    flash("Le statut de l'idée est changé ; le message est publié dans son historique.", "success")
    return _back(idea_id, "historique")


# --- merging (staff) ------------------------------------------------------------------------------

@bp.post("/<idea_id>/fusionner")
@roles_required(*STAFF)
def merge(idea_id):
    values = submitted(*MERGE_FIELDS)
    try:
        require_filled(values, *MERGE_FIELDS)
        remote.call("ideas", "merge_ideas", actor(), {"idea_id": idea_id, "into": values["into"],
                                                       "message": values["message"]})
    except HubError as error:
        return _idea_page(idea_id, merge=_failed(error, values, "fusion", MERGE_FIELDS))
    flash("L'idée est fusionnée : ses soutiens et abonnés sont reportés, son auteur et ses abonnés prévenus.",
          "success")
    return redirect(url_for(".show", idea_id=values["into"]))


# --- reports and moderation ------------------------------------------------------------------------

def _report(idea_id: str, kind: str, content_id: str, anchor: str):
    values = submitted("reason")
    try:
        require_filled(values, "reason")
        remote.call("ideas", "report_content", actor(), {"kind": kind, "content_id": content_id,
                                                          "reason": values["reason"]})
    except HubError as error:
        return _idea_page(idea_id, report=_failed(error, values, "signalement", ("reason",)))
    flash("Merci : votre signalement est transmis à l'équipe de modération.", "success")
    return _back(idea_id, anchor)


@bp.post("/<idea_id>/signaler")
@login_required
def report_idea(idea_id):
    return _report(idea_id, "idea", idea_id, "idee-titre")


@bp.post("/<idea_id>/commentaires/<int:comment_id>/signaler")
@login_required
def report_comment(idea_id, comment_id):
    return _report(idea_id, "comment", str(comment_id), f"commentaire-{comment_id}")


def _moderate(idea_id: str, kind: str, content_id: str, anchor: str):
    values = submitted("action", "reason")
    try:
        require_filled(values, "reason")
        state = remote.call("ideas", "moderate", actor(), {"kind": kind, "content_id": content_id,
                                                            "action": values["action"], "reason": values["reason"]})
    except HubError as error:
        if request.form.get("depuis") == "file":
            flash_failure(error, "La décision n'a pas été enregistrée.")
            return redirect(url_for(".moderation_queue"))
        return _idea_page(idea_id, moderation=_failed(error, values, "moderation", ("reason",)))
    flash("Contenu masqué : la décision est consignée au journal." if state["hidden"]
          else "Contenu rétabli : la décision est consignée au journal.", "success")
    if request.form.get("depuis") == "file":
        return redirect(url_for(".moderation_queue"))
    return _back(idea_id, anchor)


@bp.post("/<idea_id>/moderation")
@roles_required(*MODERATORS)
def moderate_idea(idea_id):
    return _moderate(idea_id, "idea", idea_id, "idee-titre")


@bp.post("/<idea_id>/commentaires/<int:comment_id>/moderation")
@roles_required(*MODERATORS)
def moderate_comment(idea_id, comment_id):
    return _moderate(idea_id, "comment", str(comment_id), f"commentaire-{comment_id}")


@bp.get("/moderation")
@roles_required(*MODERATORS)
def moderation_queue():
    queue = remote.call("ideas", "moderation_queue", actor())
    return render_form("ideas/moderation.html", Form("moderation"), queue=queue,
                       reasons=dict(REPORT_REASONS), kind_labels=CONTENT_KIND_LABELS)

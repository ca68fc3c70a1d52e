"""« Mon espace » (issue 15 §2): on one page, everything the signed-in person took part in (ideas, consultations,
budget projects, votes, petitions, « Agir » requests), the latest change first, with tabs by kind (`?type=`) and
« Voir plus » (`?apres=`, the service's cursor). The notifications service's read model decides what is listed;
the page words it in French. Works without JavaScript: tabs and « Voir plus » are plain links."""
from flask import Blueprint, make_response, render_template, request, url_for

from hubkit.errors import HubError, InvalidInput

from .. import my_space
from ..auth import login_required
from ..errors import status_of
from ..notifications_schemas import SPACE_CURSOR_MAX, SPACE_KINDS
from .forms import safe_next

bp = Blueprint("my_space", __name__)

PER_PAGE = 20
# the tabs, in the service's order of kinds
KIND_LABELS = {"idea": "Idées", "contribution": "Consultations", "budget_project": "Projets du budget participatif",
               "ballot": "Votes", "petition": "Pétitions", "dossier": "Demandes « Agir »"}
# one item's kind, shown next to its title
KIND_NAMES = {"idea": "Idée", "contribution": "Consultation", "budget_project": "Projet du budget participatif",
              "ballot": "Vote du budget participatif", "petition": "Pétition", "dossier": "Demande « Agir »"}
ROLE_LABELS = {"author": "Auteur·rice", "follower": "Vous suivez", "contributor": "Contributeur·rice",
               "carrier": "Porteur·euse", "voter": "A voté", "sponsor": "Parrain·e", "signer": "Signataire",
               "requester": "Demandeur·euse"}
BAD_TYPE = "Ce type d'élément n'existe pas dans votre espace."
BAD_CURSOR = "Ce lien « Voir plus » n'est plus valable : reprenez la liste depuis le début."
NO_TITLE = "Titre bientôt disponible"


@bp.get("/mon-espace")
@login_required
def index():
    kind, cursor = request.args.get("type") or None, request.args.get("apres") or None
    if kind is not None and kind not in SPACE_KINDS:
        return _refused(BAD_TYPE, {"type": [BAD_TYPE]})
    if cursor is not None and len(cursor) > SPACE_CURSOR_MAX:
        return _refused(BAD_CURSOR, {"apres": [BAD_CURSOR]}, kind)
    try:
        answer = my_space.fetch({"limit": PER_PAGE, "cursor": cursor, "kind": kind})
    except InvalidInput as error:
        if "cursor" in error.details:  # a cursor the service did not make, or no longer takes
            return _refused(BAD_CURSOR, {"apres": [BAD_CURSOR]}, kind)
        raise
    except HubError as error:
        if status_of(error) != 503:
            raise
        return make_response(render_template("my_space/index.html", unavailable=my_space.UNAVAILABLE, kind=kind,
                                             items=[], tabs=[], more=None, restart=None), 503)
    items = [_shown(item) for item in answer["items"]]
    more = url_for(".index", type=kind, apres=answer["next_cursor"]) if answer["has_more"] else None
    restart = url_for(".index", type=kind) if cursor else None
    return render_template("my_space/index.html", unavailable=None, kind=kind, items=items,
                           tabs=_tabs(answer["kinds"], kind), more=more, restart=restart)


def _tabs(kinds: dict, current) -> list:
    total = sum(count for count in kinds.values() if isinstance(count, int))
    tabs = [{"label": "Tout", "count": total, "url": url_for(".index"), "current": current is None}]
    return tabs + [{"label": label, "count": kinds.get(code, 0), "url": url_for(".index", type=code),
                    "current": current == code} for code, label in KIND_LABELS.items()]


def _shown(item: dict) -> dict:
    """An item as the page shows it: a link of the hub only (anything else leads back here), roles and counts in
    French."""
    return {**item, "href": safe_next(item.get("link")) or url_for(".index"), "title": item["title"] or NO_TITLE,
            "kind_name": KIND_NAMES.get(item["kind"], ""),
            "role_labels": [ROLE_LABELS[role] for role in item["roles"] if role in ROLE_LABELS],
            "counts_text": counts_text(item["counts"])}


def counts_text(counts: dict) -> str:
    """« 1 234 signatures sur 5 000 nécessaires », « 3 contributions » (the person's own), or ""."""
    parts = []
    signatures, threshold = counts.get("signatures"), counts.get("threshold")
    if isinstance(signatures, int):
        text = f"{_number(signatures)} signature{'s' if signatures > 1 else ''}"
        parts.append(f"{text} sur {_number(threshold)} nécessaires" if isinstance(threshold, int) else text)
    contributions = counts.get("contributions")
    if isinstance(contributions, int):
        parts.append(f"{_number(contributions)} contribution{'s' if contributions > 1 else ''} de votre part")
    return " · ".join(parts)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # French thousands: a narrow no-break space


def _refused(message: str, details: dict, kind=None):
    """A 400 page that says what was wrong with the address and leads back to the list, nothing asked of the
    service."""
    return make_response(render_template("my_space/index.html", unavailable=None, refused=message, kind=kind,
                                         items=[], tabs=[], more=None, restart=url_for(".index", type=kind)), 400)

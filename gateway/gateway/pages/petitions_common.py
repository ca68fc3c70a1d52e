"""What the petition pages share: their blueprint (public pages in petitions.py, the back-office in
petitions_backoffice.py), the roles of the back-office, the template filters and the service's reference data."""
from flask import Blueprint

from .. import remote

bp = Blueprint("petitions", __name__)

MODERATORS = ("moderator", "admin")


@bp.app_template_filter("paragraphs")
def paragraphs(text: str | None) -> list:
    """A citizen's plain text as paragraphs (blank lines), each a list of lines: rendered escaped, never as HTML."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in blocks if block]


@bp.app_template_filter("thousands")
def thousands(number) -> str:
    """5000 -> "5 000" (French grouping, with a narrow no-break space)."""
    try:
        return f"{int(number):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return ""


@bp.app_template_filter("arrondissement_short")
def arrondissement_short(number) -> str:
    if number in (None, ""):
        return "Tout Paris"
    return "1er" if int(number) == 1 else f"{int(number)}e"


def reference() -> dict:
    return remote.reference_data("petitions")

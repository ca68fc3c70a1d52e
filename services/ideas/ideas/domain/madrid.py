"""Importing Decide Madrid proposals: plain text from their HTML, the spam rules, the seed's titles."""
import html
import re

from .box import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX
from .text import excerpt, one_line

IMPORT_PSEUDONYM = "Decide Madrid (import)"
IMPORT_THEME = "cadre_de_vie"  # the source has no theme: agents re-file imported ideas
SPAM_TITLES = re.compile(r"\b(ssrf|xss|sql ?injection|pentest|test(ing)?|prueba|asdf|lorem ipsum)\b", re.IGNORECASE)
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_DROPPED_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>|<[^>]*$")


def strip_html(text: str) -> str:
    """Plain text from the HTML of a proposal: scripts and styles dropped with their content, other
    tags removed, entities decoded once (a decoded "&lt;script&gt;" stays text, escaped when shown)."""
    text = _DROPPED_BLOCKS.sub(" ", text or "")
    text = _BREAKS.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    text = _TAG.sub("", text)  # "&lt;script&gt;" decoded to a tag: removed too, nothing tag-like survives
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def spam_reason(title: str, description: str) -> str | None:
    """Why an imported proposal is not published (None: it is): the moderation rules of the import."""
    if SPAM_TITLES.search(title or ""):
        return "test_or_probe"
    words = _URL.sub(" ", description or "").split()
    if not (description or "").strip():
        return "empty_description"
    if not words or not _URL.sub(" ", title or "").split():
        return "urls_only"
    if len(description) < DESCRIPTION_MIN:
        return "too_short"
    return None


def imported_title(title: str) -> str:
    title = one_line(title)
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


def imported_description(description: str) -> str:
    return description if len(description) <= DESCRIPTION_MAX else excerpt(description, DESCRIPTION_MAX - 1)


IMPORT_RETIRED_REVIEW = "Proposition importée de Decide Madrid."
IMPORT_RETIRED_MESSAGE = "Retirée par son auteur sur Decide Madrid avant l'import."


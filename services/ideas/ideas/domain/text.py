"""Text rules every area shares: the broken-rule exception, one-line titles, plain text, search keys, excerpts."""
import re
import unicodedata

EXCERPT_LENGTH = 240


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any."""

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


def one_line(text: str) -> str:
    """A title is one line: runs of spaces, tabs and line breaks become one space."""
    return " ".join((text or "").split())


def clean_text(text: str) -> str:
    """Plain text as typed, with Windows line breaks unified and blank margins dropped."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def search_key(text: str) -> str:
    """Lower case without accents, so "ecole" finds "École" on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())



def excerpt(description: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a description for a listing, cut at a word boundary."""
    text = one_line(description)
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return re.sub(r"[\s,;:.!?-]+$", "", cut) + "…"


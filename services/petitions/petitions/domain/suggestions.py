"""Which petitions can be found by words, and how one reads when it is suggested to someone about to file
something similar (issue 17, "Across schemes").

The text index (hubkit.text_index) holds every petition of the public list, under one of two kinds:

- `petition`: suggested, and found by the list's search. Open petitions (citizens can sign them instead of
  filing their own) and successful ones: threshold reached, placed on the Council's agenda, answered, or closed
  after reaching its threshold (the City already answered that request);
- `petition_archive`: found by the list's search only. Rejected petitions (the moderation said no: suggesting
  them would invite a copy) and petitions closed below their threshold.

Drafts and petitions awaiting moderation (their author's only), and petitions hidden for legal reasons, are not
in the index at all. A petition moves from one kind to the other, or out, at the step that changes its status.
"""
from .petition import ANSWERED, CLOSED, OPEN, PUBLIC_STATUSES, SCHEDULED, THRESHOLD_REACHED

SUGGESTED, ARCHIVED = "petition", "petition_archive"
INDEX_KINDS = (SUGGESTED, ARCHIVED)
SUGGESTED_STATUSES = (OPEN, THRESHOLD_REACHED, SCHEDULED, ANSWERED)

SIMILAR_TITLE_MAX, SIMILAR_DESCRIPTION_MAX = 200, 5000
SIMILAR_LIMIT_DEFAULT, SIMILAR_LIMIT_MAX = 5, 10
SIMILARITY_THRESHOLD = 0.2  # TF-IDF cosine below which a petition is not "the same request"
EXCERPT_MAX = 200
SIGN, FOLLOW = "sign", "follow"  # what a citizen can do instead of filing (petitions has no follows: sign only)


def index_kind(status: str, hidden: bool, threshold_reached: bool) -> str | None:
    """The kind a petition is indexed under, or None when nobody may find it by words."""
    if hidden or status not in PUBLIC_STATUSES:
        return None
    if status in SUGGESTED_STATUSES or (status == CLOSED and threshold_reached):
        return SUGGESTED
    return ARCHIVED


def excerpt(text: str, limit: int = EXCERPT_MAX) -> str:
    """The start of a text on one line, cut at a word and marked "…" when longer than `limit` characters."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit - 1]
    if " " in cut:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"


def suggestion_actions(signable: bool) -> list:
    return [SIGN] if signable else []

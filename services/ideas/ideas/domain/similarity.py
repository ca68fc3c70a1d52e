"""Similar ideas and search: what may be found by its words or suggested as similar, and how much is shown.

The index itself is infrastructure (hubkit.text_index: TF-IDF cosine for similar texts, all words for search, in
the service's own database); these are the rules the ideas service applies to it. A document is in the index while
it may be found: an idea hidden by moderation or merged into another leaves it (the idea it joined lives on), and
comes back when moderation restores it; an amendment is never in it (it is read with the proposal it amends).
"""
from .box import MERGED

SIMILAR_LIMIT = 5
SIMILAR_THRESHOLD = 0.2  # below this cosine, an idea is not shown as similar

# the kinds of document the ideas service puts in its index
IDEA_DOCUMENT, PROPOSAL_DOCUMENT = "idea", "proposal"

# `sort` of the ideas list: by relevance to `q` (the default when `q` is given), newest first (the default
# otherwise; "recent" is the same order), or most supported first
RELEVANCE, NEWEST, RECENT, MOST_SUPPORTED = "relevance", "newest", "recent", "most_supported"
SORTS = (RELEVANCE, NEWEST, RECENT, MOST_SUPPORTED)


def idea_findable(status: str, hidden: bool) -> bool:
    """Whether an idea may be found by its words and suggested as similar."""
    return not hidden and status != MERGED


def proposal_findable(hidden: bool, amends_id: str | None) -> bool:
    """Whether a consultation proposal may be suggested as similar (amendments never are)."""
    return not hidden and amends_id is None


def list_order(sort: str | None, searching: bool) -> str:
    """The order of the ideas list: relevance only means something when words are searched."""
    if sort in (None, RELEVANCE):
        return RELEVANCE if searching else NEWEST
    return NEWEST if sort == RECENT else sort

"""The words a search matched, marked in the results (issue 17): `<mark>` around each, everything else escaped.

The terms of a search text are those the services' index looks for (hubkit.text_index: accents, case and plurals
ignored, "a phrase" counts its words, word* a prefix), so "végétaliser" marks "végétalisation" in a title. They are
computed here from the text the person typed: the page marks what the service matched without asking it.
"""
from markupsafe import Markup, escape

from hubkit import text_terms
from hubkit.text_index import highlight
from hubkit.text_index_queries import parse

MARK = Markup("<mark>{}</mark>")


def query_terms(text: str) -> tuple:
    """The terms `highlight` marks for a search text: each word's stems, a prefix as its folded start and `*`."""
    words, prefixes, phrases = parse(text or "")
    found = set()
    for word in words + [word for phrase in phrases for word in phrase]:
        found |= text_terms.word_terms(word)
    for prefix in prefixes:
        folded = text_terms.fold(prefix)
        if len(folded) >= 2:
            found |= {folded + "*"} | text_terms.word_terms(prefix)
    return tuple(sorted(found))


def marked(text, terms) -> Markup:
    """`text` escaped, its words matching `terms` in <mark> (a Jinja filter: `{{ idea.title|marked(terms) }}`)."""
    text = "" if text is None else str(text)
    if not terms:
        return escape(text)
    return Markup("").join(MARK.format(segment) if matched else escape(segment)
                           for segment, matched in highlight(text, terms))

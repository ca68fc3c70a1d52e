"""Reading the text index (hubkit.text_index): similar documents, search, highlighting.

similar(): TF-IDF cosine as the ideas service's first similarity index computed it (idf = ln((1+N)/(1+df)) + 1,
weights (1 + ln count) * idf, the title counted twice), but over candidates only. One statement gathers them:
the query's CANDIDATE_TERMS rarest terms each bring their postings, whole for the rarest while their lengths
add up to POSTINGS_BUDGET (a long original is low in every list ordered by weight, so a rare word's list must
be read to its end), the PER_TERM best by weight for the others: at most ~21,600 rows read from the covering
(term, weight, kind, doc_id) index whatever the size of the corpus. The RERANK best by that partial score are
then scored exactly from their stored terms and today's frequencies.

search(): every word must match (AND), "a phrase" in double quotes must appear as written (stop words apart),
word* is a prefix (expanded to its PREFIX_TERMS most frequent terms). The score is TF-IDF: the sum, over the
query's words, of the word's idf times the document's normalised weight for it (a long document weighs each
word less). Anything else in the text (unbalanced quotes, %, _, \\, a lone *, SQL) is just not a word.

A word found in a third of a city's 100,000 ideas must not cost a page what its 30,000 matches cost (issue 17):
the search's TextQuery has, beside `matches` (every match scored: what needs them all), `unranked()` (the matches
read from the rarest word's postings, each checked for the other words by key: a count that stops at N, or an
order of the service's own, reads about N of them) and `top()`, a page by relevance read from each word's best
postings only (a threshold algorithm: deeper while the page cannot be proven exact; every match scored only past
MAX_DEPTH, as before). The page is the one every match scored would give, order and tie-break (score, then id)
included: nothing is traded for the bound (hubkit.text_query).
"""
import math
import re
from functools import lru_cache

import sqlalchemy as sa

from . import text_terms
from .text_query import TextQuery

CANDIDATE_TERMS = 16
PER_TERM = 100
POSTINGS_BUDGET = 20_000  # the rarest terms' lists are read whole while their lengths add up to at most this
RERANK = 40
PREFIX_TERMS = 50
MAX_QUERY_WORDS = 16  # a 10 KB text in the search box: its first 16 words are the query
MAX_PHRASES = 4
_PHRASE = re.compile(r'"([^"]*)"')
_QUERY_WORD = re.compile(r"[^\W_]+\*?")


def _index():
    from . import text_index  # the tables and the stored form; text_index imports this module
    return text_index


def idf(frequency: int, total: int) -> float:
    return math.log((1 + total) / (1 + frequency)) + 1


def _vector(counts, frequency: dict, total: int) -> dict:
    weights = {term: (1 + math.log(count)) * idf(frequency.get(term, 0), total) for term, count in counts.items()}
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    return {term: weight / norm for term, weight in weights.items()} if norm else {}


def _cosine(query: dict, counts, idfs: dict, unseen: float) -> float:
    """The cosine of the normalised `query` with a document of term `counts` (idf from `idfs`)."""
    squares = dot = 0.0
    for term, count in counts.items():
        weight = (1 + math.log(count)) * idfs.get(term, unseen) if count > 1 else idfs.get(term, unseen)
        squares += weight * weight
        if term in query:
            dot += weight * query[term]
    return dot / math.sqrt(squares) if squares else 0.0


@lru_cache(maxsize=64)
def _candidates_statement(whole: int, best: int, with_kinds: bool):
    """All the postings of the `whole` first terms (bound as term_i, factor_i), each read unordered, and the best
    `depth_i` (PER_TERM) by weight of the `best` next ones, each weight times its term's factor, summed per
    document: one statement, built once per shape (its parameters change, not its text). A whole list needs no
    order: reading it sorted (weight, then doc_id for ties) under a limit cost a third more at 100,000 documents
    (one scan of them all with a CASE for the factor: a sixth more). Each of the `candidates` best by that partial
    score comes with its stored sequence (one round trip less)."""
    postings = _index()._POSTINGS
    kinds = sa.bindparam("kinds", expanding=True)
    parts = []
    for number in range(whole + best):
        factor = sa.bindparam(f"factor_{number}", type_=sa.Float)
        part = sa.select(postings.c.kind, postings.c.doc_id, (postings.c.weight * factor).label("score"))
        part = part.where(postings.c.term == sa.bindparam(f"term_{number}", type_=sa.String))
        if with_kinds:
            part = part.where(postings.c.kind.in_(kinds))
        if number >= whole:
            depth = sa.bindparam(f"depth_{number}", type_=sa.Integer)
            part = part.order_by(postings.c.weight.desc(), postings.c.doc_id).limit(depth).subquery()
            part = sa.select(part.c.kind, part.c.doc_id, part.c.score)
        parts.append(part)
    united = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    approximate = sa.func.sum(united.c.score)
    best = (sa.select(united.c.kind, united.c.doc_id).group_by(united.c.kind, united.c.doc_id)
            .order_by(approximate.desc(), united.c.doc_id).limit(sa.bindparam("candidates", type_=sa.Integer))
            .subquery("candidates"))
    documents = _index()._DOCUMENTS  # their stored terms in the same round trip: (kind, doc_id, sequence)
    return sa.select(best.c.kind, best.c.doc_id, documents.c.terms).join(
        documents, sa.and_(documents.c.kind == best.c.kind, documents.c.doc_id == best.c.doc_id))


def similar(index, title: str, body: str, kinds, limit: int, threshold: float, exclude) -> list:
    module = _index()
    counts = module.query_counts(title, body)
    if not counts or limit <= 0:
        return []
    frequency, total = index.frequencies(counts)
    query = _vector(counts, frequency, total)
    known = sorted((term for term in counts if term in frequency), key=lambda term: (frequency[term], term))
    if not known:
        return []
    exclude = {(kind, str(doc_id)) for kind, doc_id in exclude}
    chosen = known[:CANDIDATE_TERMS]
    parameters = {"candidates": RERANK + len(exclude)}
    budget, whole = POSTINGS_BUDGET, 0
    for number, term in enumerate(chosen):
        parameters[f"term_{number}"] = term
        parameters[f"factor_{number}"] = query[term] * idf(frequency[term], total)
        if frequency[term] <= budget and whole == number:  # a long original is low in each list: read the rare
            budget -= frequency[term]                          # ones whole (the rarest first: a prefix of `chosen`)
            whole += 1
        else:
            parameters[f"depth_{number}"] = PER_TERM
    if kinds is not None:
        parameters["kinds"] = sorted(kinds)
    statement = _candidates_statement(whole, len(chosen) - whole, kinds is not None)
    stored = {(kind, doc_id): module.counts_of(sequence)
              for kind, doc_id, sequence in index.session.execute(statement, parameters)
              if (kind, doc_id) not in exclude}
    missing = {term for counts_ in stored.values() for term in counts_} - set(frequency)
    if missing:
        more, _ = index.frequencies(missing)
        frequency.update(more)
    idfs = {term: idf(count, total) for term, count in frequency.items()}
    scored = []
    for (kind, doc_id), doc_counts in stored.items():
        score = _cosine(query, doc_counts, idfs, idf(0, total))
        if score > 0 and score >= threshold:
            scored.append((kind, doc_id, score))
    scored.sort(key=lambda found: (-found[2], found[1], found[0]))
    return scored[:limit]


def parse(text: str) -> tuple:
    """(words, prefixes, phrases) of a search text: words and prefixes as typed (lower case), phrases as lists
    of words. Bounded: MAX_QUERY_WORDS words in all, MAX_PHRASES phrases."""
    text = (text or "")[:20_000]
    phrases = [text_terms.words(found) for found in _PHRASE.findall(text)][:MAX_PHRASES]
    rest = _PHRASE.sub(" ", text)
    words, prefixes = [], []
    for token in _QUERY_WORD.findall(rest.casefold()):
        if token.endswith("*"):
            prefixes.append(token[:-1])
        else:
            words.append(token)
    return words[:MAX_QUERY_WORDS], prefixes[:MAX_QUERY_WORDS], phrases


def search(index, text: str, kinds=None):
    module = _index()
    postings, documents = module._POSTINGS, module._DOCUMENTS
    words, prefixes, phrases = parse(text)
    groups, patterns, shown = [], [], set()
    for phrase in phrases:
        meaningful = [word for word in phrase if text_terms.is_meaningful(word)]
        words.extend(meaningful)
        if len(meaningful) > 1:
            patterns.append([" " + " ".join(text_terms.stem(word, language) for word in meaningful) + " "
                             for language in (text_terms.FRENCH, text_terms.SPANISH)])
    for word in words:
        alternatives = frozenset(text_terms.word_terms(word))
        if alternatives:
            groups.append(alternatives)
            shown |= alternatives
    for prefix in prefixes:
        folded = text_terms.fold(prefix)
        if len(folded) < 2:
            continue  # "a*" or a lone "*": not a search
        expanded = set(_expand(index, folded)) | text_terms.word_terms(prefix)
        groups.append(frozenset(expanded))
        shown |= {folded + "*"} | expanded
    groups = list(dict.fromkeys(groups))[:MAX_QUERY_WORDS]
    if not groups:
        return None
    frequency, total = index.frequencies(set().union(*groups))
    present = [tuple(sorted(term for term in alternatives if term in frequency)) for alternatives in groups]
    if not all(present):  # a word that no document holds: nothing matches, and no posting need be read
        empty = sa.select(postings.c.kind, postings.c.doc_id, postings.c.weight.label("score")).where(sa.false())
        return TextQuery(matches=empty.subquery("text_matches"), terms=tuple(sorted(shown)))
    # rarest first: the bounded forms read the first word's postings; every form sums the words in this order
    present = sorted(dict.fromkeys(present), key=lambda terms: (sum(frequency[term] for term in terms), terms))
    factors = [None if len(present) == 1 and len(alternatives) == 1  # one term: its weight orders alike
               else idf(max(frequency[term] for term in alternatives), total) for alternatives in present]
    parts = []
    for alternatives, factor in zip(present, factors):
        score = postings.c.weight if factor is None else postings.c.weight * factor
        if len(alternatives) > 1:
            part = sa.select(postings.c.kind, postings.c.doc_id, sa.func.max(score).label("score"))
            part = part.where(postings.c.term.in_(alternatives)).group_by(postings.c.kind, postings.c.doc_id)
        else:
            part = sa.select(postings.c.kind, postings.c.doc_id, score.label("score"))
            part = part.where(postings.c.term == alternatives[0])
        if kinds is not None:
            part = part.where(postings.c.kind.in_(list(kinds)))
        parts.append(part.subquery())
    first = parts[0]
    joined, score = first, first.c.score
    for part in parts[1:]:
        joined = joined.join(part, sa.and_(part.c.kind == first.c.kind, part.c.doc_id == first.c.doc_id))
        score = score + part.c.score
    statement = sa.select(first.c.kind.label("kind"), first.c.doc_id.label("doc_id"), score.label("score"))
    if patterns:
        joined = joined.join(documents, sa.and_(documents.c.kind == first.c.kind,
                                                documents.c.doc_id == first.c.doc_id))
        for alternatives in patterns:
            statement = statement.where(sa.or_(*(documents.c.terms.contains(pattern, autoescape=True)
                                                 for pattern in dict.fromkeys(alternatives))))
    return TextQuery(matches=statement.select_from(joined).subquery("text_matches"), terms=tuple(sorted(shown)),
                     words=tuple(zip(present, factors)), kinds=None if kinds is None else tuple(kinds),
                     patterns=tuple(tuple(dict.fromkeys(alternatives)) for alternatives in patterns))


def _expand(index, prefix: str) -> list:
    """The PREFIX_TERMS most frequent terms starting with `prefix` (a range of the primary key), and the
    stems that `prefix` extends by a few letters ("vegetalisati*" is on its way to the stem "vegetalis")."""
    terms = _index()._TERMS
    shorter = [prefix[:end] for end in range(max(4, len(prefix) - 5), len(prefix))]
    starting = sa.and_(terms.c.term >= prefix, terms.c.term < prefix + "\U0010ffff")
    condition = sa.or_(starting, terms.c.term.in_(shorter)) if shorter else starting
    statement = (sa.select(terms.c.term).where(condition, terms.c.documents > 0)
                 .order_by(terms.c.documents.desc(), terms.c.term).limit(PREFIX_TERMS))
    return list(index.session.execute(statement).scalars())


def highlight(text: str, terms) -> list:
    """[(segment, matched)] covering `text` exactly: True for the words whose term (or folded start, for a
    prefix `term*`) is among `terms`. The segments are the original text, accents kept: escape when rendering."""
    text = text or ""
    exact = {term for term in terms if not term.endswith("*")}
    prefixes = tuple(term[:-1] for term in terms if term.endswith("*") and len(term) > 1)
    segments, position = [], 0
    for match in re.finditer(r"[^\W_]+", text):
        word = match.group().casefold()
        hit = (text_terms.is_meaningful(word) and bool(text_terms.word_terms(word) & exact)) or \
            (bool(prefixes) and text_terms.fold(word).startswith(prefixes))
        if hit:
            if match.start() > position:
                segments.append((text[position:match.start()], False))
            segments.append((match.group(), True))
            position = match.end()
    if position < len(text):
        segments.append((text[position:], False))
    return _merged(segments)


def _merged(segments: list) -> list:
    merged = []
    for segment, matched in segments:
        if merged and merged[-1][1] == matched and not matched:
            merged[-1] = (merged[-1][0] + segment, False)
        else:
            merged.append((segment, matched))
    return merged

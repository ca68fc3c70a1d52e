"""A search of the text index (hubkit.text_index_queries.search) as subqueries a service joins to its own table:
every match scored (`matches`), the matches unranked for a count that stops (`unranked`), and a page by relevance
read from each word's best postings (`top`, a threshold algorithm: the page every match scored would give)."""
import functools
import operator
from dataclasses import dataclass

import sqlalchemy as sa

FIRST_DEPTH = 64  # a page by relevance first reads each word's 64 best postings (at least twice the rows asked)...
DEPTH_GROWTH = 4  # ... four times deeper while the page cannot be proven exact ...
MAX_DEPTH = 4096  # ... and past this depth scores every match (a filter that keeps few of a common word's ideas)


def _index():
    from . import text_index  # the tables; text_index imports text_index_queries, which imports this module
    return text_index


@dataclass
class TextQuery:
    """`matches`: a subquery (kind, doc_id, score) of every match; `terms`: the normalised terms, a prefix ending in
    `*`; `words`: ((alternatives, factor), ...), each word of the query with the terms that stand for it and its
    factor in the score (None: the score is the weight itself), rarest first; `patterns`: the phrases' stored forms;
    `kinds`: the kinds searched (None: all)."""
    matches: sa.Subquery
    terms: tuple
    words: tuple = ()
    patterns: tuple = ()
    kinds: tuple | None = None

    def unranked(self) -> sa.Subquery:
        """(kind, doc_id) of every match, without a score: the rarest word's postings, each document checked for
        the other words and phrases by its key. Nothing is read ahead: a count that stops at N (LIMIT), or an order
        of the caller's own, reads the postings it needs and no more (the planner may also start from the caller's
        filtered rows and look each up)."""
        if not self.words:
            return self.matches
        (rarest, _), *others = self.words
        driver = _distinct_postings(rarest, self.kinds)
        statement = sa.select(driver.c.kind, driver.c.doc_id)
        for alternatives, _ in others:
            if len(alternatives) == 1:  # a join: the planner may walk both lists in key order (a merge join)
                other = _index()._POSTINGS.alias()
                statement = statement.join(other, sa.and_(other.c.term == alternatives[0],
                                                          other.c.kind == driver.c.kind,
                                                          other.c.doc_id == driver.c.doc_id))
            else:
                statement = statement.where(_word_weight(alternatives, driver).is_not(None))
        return self._with_phrases(statement, driver).subquery("text_unranked")

    def best(self, depth: int) -> sa.Subquery:
        """(kind, doc_id, score) of the matches among each word's `depth` best postings (weight, then doc_id), scored
        as `matches` scores them: what `top` reads. A word's weight comes from its list when the document is in it,
        else from one lookup by key."""
        if not self.words:
            return self.matches
        lists = [_best_postings(alternatives, self.kinds, depth) for alternatives, _ in self.words]
        listed = sa.union_all(*(sa.select(found.c.kind, found.c.doc_id, sa.literal(number).label("word"),
                                          found.c.weight) for number, found in enumerate(lists))).subquery()
        candidates = sa.select(listed.c.kind, listed.c.doc_id, *(
            sa.func.max(sa.case((listed.c.word == number, listed.c.weight))).label(f"listed_{number}")
            for number in range(len(lists)))).group_by(listed.c.kind, listed.c.doc_id).subquery()
        terms = []
        for number, (alternatives, factor) in enumerate(self.words):
            weight = sa.func.coalesce(candidates.c[f"listed_{number}"], _word_weight(alternatives, candidates))
            terms.append(weight if factor is None else weight * sa.literal(factor, sa.Float))
        score = functools.reduce(operator.add, terms)  # the words added in the order `matches` adds them
        # each document's score computed once, in a subquery the database keeps whole (its LIMIT, never reached,
        # keeps PostgreSQL from copying the score's lookups into the condition below)
        scored = self._with_phrases(sa.select(candidates.c.kind, candidates.c.doc_id, score.label("score")),
                                    candidates)
        scored = scored.limit(len(lists) * depth).subquery("text_scored")
        return (sa.select(scored.c.kind, scored.c.doc_id, scored.c.score).where(scored.c.score.is_not(None))
                .subquery("text_best"))

    def bound(self, session, depth: int):
        """The highest score a match outside `best(depth)` may have: the sum over the words of the factor times the
        weight at `depth` in the word's list. None when one word's list is shorter than `depth`: every match is
        then among the candidates."""
        if not self.words:
            return None
        lists = [_best_postings(alternatives, self.kinds, depth) for alternatives, _ in self.words]
        frontiers = session.execute(sa.select(*(
            sa.select(listed.c.weight).order_by(listed.c.weight.desc(), listed.c.doc_id).offset(depth - 1).limit(1)
            .scalar_subquery() for listed in lists))).one()
        if any(weight is None for weight in frontiers):
            return None
        return sum(weight * (1.0 if factor is None else factor) for weight, (_, factor) in zip(frontiers, self.words))

    def top(self, session, read_page, limit: int, offset: int = 0, filtered: bool = True) -> list:
        """The rows of a page by relevance: `read_page(subquery, skip)` reads the caller's page (its joins and filters,
        ORDER BY score DESC then the document's id, LIMIT `limit` OFFSET `skip`, each row with its `score`) from
        a (kind, doc_id, score) subquery. It is first read from each word's best postings: the page is proven the
        one `matches` would give when it is full and its last score beats `bound` (one word: when it is full, its
        list being in the page's own order), or when a word's list was read whole; else deeper, up to MAX_DEPTH,
        then from `matches`. `filtered=False`: the caller keeps every document of the index (no condition of its
        own), so the page is found in the index alone and the caller reads only its rows."""
        if len(self.words) == 1 and self.words[0][1] is None:
            # one term: `matches` is its postings, scored by their weight, which the database walks in the page's
            # order on the (term, weight) index, through the caller's filter, until the page is full
            return read_page(self.matches, offset)
        depth = max(FIRST_DEPTH, 2 * (offset + limit))
        while self.words and depth <= MAX_DEPTH:
            best = self.best(depth)
            if filtered:
                rows = read_page(best, offset)
            else:
                ranked = sa.select(best).order_by(best.c.score.desc(), best.c.doc_id).limit(offset + limit)
                rows = session.execute(ranked).all()[offset:]
            full = len(rows) == limit
            bound = None if full and len(self.words) == 1 else self.bound(session, depth)
            if (full and len(self.words) == 1) or bound is None or (full and rows[-1].score > bound):
                return rows if filtered or not rows else read_page(_rows_as_subquery(rows), 0)
            depth *= DEPTH_GROWTH
        return read_page(self.matches, offset)

    def _with_phrases(self, statement, driver):
        if not self.patterns:
            return statement
        documents = _index()._DOCUMENTS
        statement = statement.join(documents, sa.and_(documents.c.kind == driver.c.kind,
                                                      documents.c.doc_id == driver.c.doc_id))
        return statement.where(*(sa.or_(*(documents.c.terms.contains(pattern, autoescape=True) for pattern in forms))
                                 for forms in self.patterns))


def _rows_as_subquery(rows: list) -> sa.Subquery:
    """(kind, doc_id, score) of a page found in the index, as given values: the caller reads these rows only."""
    return sa.union_all(*(
        sa.select(sa.literal(row.kind, sa.String).label("kind"), sa.literal(row.doc_id, sa.String).label("doc_id"),
                  sa.literal(row.score, sa.Float).label("score")) for row in rows)).subquery("text_page")


def _kinds_condition(postings, kinds):
    return (postings.c.kind.in_(list(kinds)),) if kinds is not None else ()


def _distinct_postings(alternatives: tuple, kinds) -> sa.Subquery:
    """(kind, doc_id) of the documents holding one of `alternatives`, each once, streamed from the term index: a
    document is read under its first alternative it holds."""
    postings = _index()._POSTINGS
    parts = []
    for number, term in enumerate(alternatives):
        part = sa.select(postings.c.kind, postings.c.doc_id).where(postings.c.term == term,
                                                                   *_kinds_condition(postings, kinds))
        if number:
            earlier = postings.alias()
            part = part.where(~sa.exists().where(earlier.c.term.in_(alternatives[:number]),
                                                 earlier.c.kind == postings.c.kind,
                                                 earlier.c.doc_id == postings.c.doc_id))
        parts.append(part)
    return (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("text_driver")


def _best_postings(alternatives: tuple, kinds, depth: int) -> sa.Subquery:
    """(kind, doc_id, weight): the `depth` best postings of a word (weight, then doc_id), all its alternatives
    merged; each alternative's read from the (term, weight, kind, doc_id) index, `depth` at most."""
    postings = _index()._POSTINGS
    parts = [sa.select(postings.c.kind, postings.c.doc_id, postings.c.weight)
             .where(postings.c.term == term, *_kinds_condition(postings, kinds))
             .order_by(postings.c.weight.desc(), postings.c.doc_id).limit(depth).subquery()
             for term in alternatives]
    if len(parts) == 1:
        return parts[0]
    merged = sa.union_all(*(sa.select(part.c.kind, part.c.doc_id, part.c.weight) for part in parts)).subquery()
    return (sa.select(merged.c.kind, merged.c.doc_id, merged.c.weight)
            .order_by(merged.c.weight.desc(), merged.c.doc_id).limit(depth).subquery())


def _word_weight(alternatives: tuple, document) -> sa.ScalarSelect:
    """The weight of a word in `document` (its best alternative), NULL when it holds none: one lookup by key."""
    postings = _index()._POSTINGS.alias()
    if len(alternatives) == 1:
        statement = sa.select(postings.c.weight).where(postings.c.term == alternatives[0])
    else:
        statement = sa.select(sa.func.max(postings.c.weight)).where(postings.c.term.in_(alternatives))
    return statement.where(postings.c.kind == document.c.kind, postings.c.doc_id == document.c.doc_id) \
        .scalar_subquery()

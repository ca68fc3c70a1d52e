"""An inverted text index kept in a service's own database: similar content while a citizen types, and search.

Three tables, the same on SQLite and PostgreSQL, written in the same transaction as the change they follow
(so a rolled-back submission leaves no trace in the index, and nothing is ever rebuilt):

- `text_index_terms`: each term's document frequency (how many documents hold it); the reserved row
  `#documents` holds the number of documents (a term is letters and digits only: it can never be `#...`);
- `text_index_documents`: each document's terms in order, title then ` | ` then body (to replace or remove it,
  to rerank candidates exactly, to check a phrase);
- `text_index_postings`: (term, kind, doc_id, weight), the weight `1 + ln(count)` divided by the document's
  norm over all its terms (a long text weighs each word less), read in weight order for the best documents
  of one term.

Writes are a few statements whatever the document's length (multi-row upserts); terms are upserted in sorted
order, so two transactions writing the same terms on PostgreSQL queue instead of deadlocking. A transaction
that indexes several documents should give them to ONE `put_many` (one sorted upsert). Every new document
updates the `#documents` row: concurrent submissions queue on it for the rest of their (short) transaction.

Queries (similar, search) are in hubkit.text_index_queries; terms come from hubkit.text_terms.
"""
import math
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from . import text_terms
from .text_index_queries import TextQuery, highlight, search, similar

__all__ = ["add_text_index_tables", "TextIndex", "TextQuery", "highlight", "text_index_tables"]

TERMS, DOCUMENTS, POSTINGS = "text_index_terms", "text_index_documents", "text_index_postings"
DOCUMENT_COUNT = "#documents"
TITLE_WEIGHT = 2  # the title's terms count twice, as in the ideas service's first similarity index
SEPARATOR = "|"
_CHUNK_DOCUMENTS = 500
_CHUNK_ROWS = 1000  # rows per multi-row INSERT: 4,000 parameters, under SQLite's limit of 32,766

# Byte order on PostgreSQL too, so that a prefix is a range of the primary key whatever the server's locale.
TERM_TYPE = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


def text_index_tables(metadata: sa.MetaData) -> tuple:
    """The three tables (terms, documents, postings), defined in `metadata`."""
    terms = sa.Table(
        TERMS, metadata,
        sa.Column("term", TERM_TYPE, primary_key=True),
        sa.Column("documents", sa.Integer, nullable=False),
    )
    documents = sa.Table(
        DOCUMENTS, metadata,
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("terms", sa.Text, nullable=False),
    )
    postings = sa.Table(
        POSTINGS, metadata,
        sa.Column("term", TERM_TYPE, primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Index("ix_text_index_postings_document", "kind", "doc_id"),
        # a term's best documents in order, read from the index alone (kind and doc_id in it: no table access)
        sa.Index("ix_text_index_postings_term_weight", "term", "weight", "kind", "doc_id"),
    )
    return terms, documents, postings


_TERMS, _DOCUMENTS, _POSTINGS = text_index_tables(sa.MetaData())


def add_text_index_tables(metadata: sa.MetaData) -> tuple:
    """Declare the index's tables in a service's metadata (models.py); the migration is
    hubkit.migrations.create_text_index_tables."""
    if TERMS in metadata.tables:
        return metadata.tables[TERMS], metadata.tables[DOCUMENTS], metadata.tables[POSTINGS]
    return text_index_tables(metadata)


def sequence_of(title: str, body: str = "") -> str:
    """A document's stored terms: ` title terms | body terms ` (one language guessed for the whole text)."""
    language = text_terms.language_of(text_terms.words(f"{title or ''} {body or ''}"))
    title_terms = text_terms.terms(title, language)
    body_terms = text_terms.terms(body, language)
    if not title_terms and not body_terms:
        return ""
    return " " + " ".join(title_terms + [SEPARATOR] + body_terms) + " "


def counts_of(sequence: str) -> Counter:
    """Term counts of a stored sequence, the title's counted TITLE_WEIGHT times."""
    counts, weight = Counter(), TITLE_WEIGHT
    for term in sequence.split():
        if term == SEPARATOR:
            weight = 1
        else:
            counts[term] += weight
    return counts


def query_counts(title: str, body: str = "") -> Counter:
    return counts_of(sequence_of(title, body))


def posting_weights(counts: Counter) -> dict:
    """Each term's `1 + ln(count)`, divided by the norm of them all."""
    raw = {term: 1 + math.log(count) for term, count in counts.items()}
    norm = math.sqrt(sum(value * value for value in raw.values())) or 1.0
    return {term: value / norm for term, value in raw.items()}


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class TextIndex:
    """The index in the database of `session` (the unit of work's session: writes join its transaction)."""

    def __init__(self, session):
        self.session = session
        self.postgresql = session.get_bind().dialect.name == "postgresql"

    def put(self, kind: str, doc_id, title: str, body: str = ""):
        """Add or replace one document; a document with no term left (only stop words) is removed."""
        self.put_many([(kind, doc_id, title, body)])

    def put_many(self, documents):
        """Add or replace documents: (kind, doc_id, title, body) each; the last of a repeated one wins."""
        prepared = {}
        for kind, doc_id, title, body in documents:
            prepared[(kind, str(doc_id))] = sequence_of(title, body)
        for chunk in _chunks(sorted(prepared.items()), _CHUNK_DOCUMENTS):
            self._write(dict(chunk))

    def remove(self, kind: str, doc_id):
        """Take a document out of the index; nothing happens if it is not there."""
        self._write({(kind, str(doc_id)): ""})

    def similar(self, title: str, body: str = "", kinds=None, limit: int = 5, threshold: float = 0.2,
                exclude=()) -> list:
        """[(kind, doc_id, score)]: the documents closest to a text being typed, best first (ties by doc_id),
        each with a TF-IDF cosine of at least `threshold`, none in `exclude` ({(kind, doc_id)})."""
        return similar(self, title, body, kinds, limit, threshold, exclude)

    def search(self, text: str, kinds=None):
        """A TextQuery whose `matches` subquery (kind, doc_id, score) holds the documents with every word of
        `text`; None when `text` has no searchable term (hubkit.text_index_queries.search)."""
        return search(self, text, kinds)

    # -- reading helpers shared with the queries

    def frequencies(self, terms) -> tuple:
        """({term: documents}, number of documents) for `terms` (one statement)."""
        wanted = sorted(set(terms) | {DOCUMENT_COUNT})
        frequency = {}
        for chunk in _chunks(wanted, _CHUNK_ROWS):
            statement = sa.select(_TERMS.c.term, _TERMS.c.documents).where(self.one_of(_TERMS.c.term, chunk))
            frequency.update(self.session.execute(statement).all())
        total = frequency.pop(DOCUMENT_COUNT, 0)
        return {term: count for term, count in frequency.items() if count > 0}, max(total, 0)

    def sequences(self, keys) -> dict:
        """{(kind, doc_id): stored sequence} of the documents among `keys` that are indexed."""
        found = {}
        keys = sorted(set(keys))
        for chunk in _chunks(keys, _CHUNK_ROWS // 2):
            if len(chunk) == 1:
                (kind, doc_id), = chunk
                condition = sa.and_(_DOCUMENTS.c.kind == kind, _DOCUMENTS.c.doc_id == doc_id)
            else:
                condition = sa.tuple_(_DOCUMENTS.c.kind, _DOCUMENTS.c.doc_id).in_(chunk)
            statement = sa.select(_DOCUMENTS.c.kind, _DOCUMENTS.c.doc_id, _DOCUMENTS.c.terms).where(condition)
            found.update(((kind, doc_id), terms) for kind, doc_id, terms in self.session.execute(statement))
        return found

    def one_of(self, column, values):
        if self.postgresql:
            from .sqllists import one_of
            return one_of(column, list(values), True)
        return column.in_(list(values))

    # -- writing

    def _write(self, wanted: dict):
        """Bring the documents of `wanted` ({(kind, doc_id): sequence, "" to remove}) to that state."""
        existing = self.sequences(wanted)
        changed = {key: sequence for key, sequence in wanted.items() if existing.get(key, "") != sequence}
        if not changed:
            return
        deltas = Counter()
        for key, sequence in changed.items():
            before, after = set(counts_of(existing.get(key, ""))), set(counts_of(sequence))
            deltas.update({term: 1 for term in after - before})
            deltas.update({term: -1 for term in before - after})
            deltas[DOCUMENT_COUNT] += bool(sequence) - (key in existing)
        replaced = [key for key in changed if key in existing]
        if replaced:
            self._delete(_POSTINGS, replaced)
        frequencies = [{"term": term, "documents": delta} for term, delta in sorted(deltas.items()) if delta]
        postings = [{"term": term, "kind": kind, "doc_id": doc_id, "weight": weight}
                    for (kind, doc_id), sequence in changed.items() if sequence
                    for term, weight in sorted(posting_weights(counts_of(sequence)).items())]
        kept = [{"kind": kind, "doc_id": doc_id, "terms": sequence}
                for (kind, doc_id), sequence in changed.items() if sequence]
        # the frequencies in term order, row after row: two writers lock the terms they share in the same order
        self._insert_all([
            (_TERMS, frequencies, ["term"], lambda excluded: {"documents": _TERMS.c.documents + excluded.documents}),
            (_POSTINGS, postings, None, None),
            (_DOCUMENTS, kept, ["kind", "doc_id"], lambda excluded: {"terms": excluded.terms})])
        emptied = [key for key, sequence in changed.items() if not sequence and key in existing]
        if emptied:
            self._delete(_DOCUMENTS, emptied)

    def _insert_all(self, inserts: list):
        """Run (table, rows, conflict, update) inserts: `rows` dicts with the same keys, inserted in their order;
        `conflict`: the key columns of an upsert, `update(excluded)` its SET. On PostgreSQL ONE statement of a
        fixed text whatever the number of rows (each `INSERT ... SELECT FROM unnest(arrays)`, one array
        parameter per column, the first ones as data-modifying CTEs of the last): one round trip for a whole
        put. On SQLite an executemany per table (in process)."""
        inserts = [(table, rows, conflict, update) for table, rows, conflict, update in inserts if rows]
        if not self.postgresql:
            for table, rows, conflict, update in inserts:
                insert = sqlite.insert(table)
                if conflict:
                    insert = insert.on_conflict_do_update(index_elements=conflict, set_=update(insert.excluded))
                self.session.execute(insert, rows)
            return
        statements = [self._unnest_insert(*insert) for insert in inserts]
        if statements:
            *first, last = statements
            for number, statement in enumerate(first):
                last = last.add_cte(statement.cte(f"written_{number}"))
            self.session.execute(last)

    @staticmethod
    def _unnest_insert(table, rows: list, conflict: list, update):
        from .sqllists import array_of
        names = list(rows[0])
        arrays = [array_of(f"{table.name}_{name}", sa.String() if isinstance(table.c[name].type, sa.String)
                           else table.c[name].type, [row[name] for row in rows]) for name in names]
        given = sa.func.unnest(*arrays).table_valued(*names).render_derived(name=f"{table.name}_given")
        insert = postgresql.insert(table).from_select(names, sa.select(*(given.c[name] for name in names)))
        if conflict:
            insert = insert.on_conflict_do_update(index_elements=conflict, set_=update(insert.excluded))
        return insert

    def _delete(self, table, keys: list):
        for chunk in _chunks(keys, _CHUNK_ROWS // 2):
            if len(chunk) == 1:
                (kind, doc_id), = chunk
                condition = sa.and_(table.c.kind == kind, table.c.doc_id == doc_id)
            else:
                condition = sa.tuple_(table.c.kind, table.c.doc_id).in_(chunk)
            self.session.execute(sa.delete(table).where(condition))


"""similar() of the shared text index at 100,000 ideas, alone (issue 17): where one request's time goes, and how far
its top-5 is from the exhaustive one, for several POSTINGS_BUDGET values.

    .venv/bin/python bench/scale_similar.py                          # seeds a scratch database, drops it at the end
    .venv/bin/python bench/scale_similar.py --keep                   # keeps it (its name is printed)
    .venv/bin/python bench/scale_similar.py --database <kept name>   # reuses it (no seeding)

Seeds hubkit's index alone (no service, no gateway) with bench/text_corpus.py's `city_documents` (the texts of
bench/scale_seed.py's ideas), VACUUM ANALYZE, then for `typed_ideas` (the texts typed in the form, kinds idea and
proposal as the ideas service asks): the statements' time (frequencies; candidates with their stored sequences), EXPLAIN
(ANALYZE, BUFFERS) of the candidates statement, and per budget (alternated, `--rounds` times) p50/p95 and the number
of queries whose top-5 (and top-1) is the exhaustive one: the exact cosine of every document holding a query term.
"""
import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_corpus import city_documents, typed_ideas  # noqa: E402

from hubkit import text_index as index_module  # noqa: E402
from hubkit import text_index_queries as queries  # noqa: E402
from hubkit.migrations import create_text_index_tables  # noqa: E402
from hubkit.text_index import TextIndex  # noqa: E402

SEED = 17
KINDS = ("idea", "proposal")
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def admin_execute(url: str, statement: str):
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def seed(engine, size: int):
    with engine.begin() as connection:
        create_text_index_tables(Operations(MigrationContext.configure(connection)))
    documents = list(city_documents(size, SEED))
    started = time.perf_counter()
    for offset in range(0, size, 1000):
        chunk = documents[offset:offset + 1000]
        with Session(engine) as session, session.begin():
            TextIndex(session).put_many([("idea", f"idea-{offset + number:07d}", title, description)
                                         for number, (title, description) in enumerate(chunk)])
    log(f"seeded {size:,} documents in {time.perf_counter() - started:.0f} s")


def percentiles(samples: list) -> dict:
    ordered = sorted(samples)
    return {"p50": round(1000 * statistics.median(ordered), 1),
            "p95": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)}


def exhaustive(index, title: str, body: str, limit: int = 5, threshold: float = 0.2) -> list:
    """The reference: similar()'s exact cosine over every document holding one of the query's terms."""
    counts = index_module.query_counts(title, body)
    frequency, total = index.frequencies(counts)
    query = queries._vector(counts, frequency, total)
    terms = [term for term in counts if term in frequency]
    if not terms:
        return []
    postings = index_module._POSTINGS
    keys = {tuple(row) for row in index.session.execute(sa.select(postings.c.kind, postings.c.doc_id).where(
        postings.c.term.in_(terms), postings.c.kind.in_(KINDS)))}
    stored = {key: index_module.counts_of(sequence) for key, sequence in index.sequences(keys).items()}
    more, _ = index.frequencies(set().union(*stored.values()) - set(frequency))
    frequency.update(more)
    idfs = {term: queries.idf(count, total) for term, count in frequency.items()}
    scored = [(kind, doc_id, score) for (kind, doc_id), doc_counts in stored.items()
              for score in [queries._cosine(query, doc_counts, idfs, queries.idf(0, total))]
              if score > 0 and score >= threshold]
    scored.sort(key=lambda found: (-found[2], found[1], found[0]))
    return scored[:limit]


def statements(engine, typed: list) -> dict:
    """Each statement of similar(), timed (mean ms), and EXPLAIN (ANALYZE, BUFFERS) of the first 3 candidates
    statements: total buffers, rows read, execution time."""
    timings, captured = {}, []
    execute = Session.execute

    def timed(self, statement, params=None, *args, **kwargs):
        started = time.perf_counter()
        rows = execute(self, statement, params, *args, **kwargs).all()
        text = str(statement)
        name = ("candidates" if "sum(" in text else "frequencies" if "text_index_terms" in text
                else "sequences" if "text_index_documents" in text else "other")
        timings.setdefault(name, []).append(time.perf_counter() - started)
        if name == "candidates":
            captured.append((statement, params))
        return _Rows(rows)
    Session.execute = timed
    try:
        for typed_idea in typed:
            with Session(engine) as session:
                TextIndex(session).similar(typed_idea.title, typed_idea.description, kinds=list(KINDS))
    finally:
        Session.execute = execute
    plans = []
    with engine.connect() as connection:
        for statement, params in captured[:3]:
            sql = str(statement.params(**params).compile(dialect=connection.dialect,
                                                         compile_kwargs={"literal_binds": True}))
            plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql)]
            depths = [value for key, value in params.items() if key.startswith("depth_")]
            terms = [key for key in params if key.startswith("term_")]
            plans.append({"terms": len(terms), "read whole": len(terms) - len(depths), "best of the others": sum(depths),
                          "buffers": next((line.strip() for line in plan if "Buffers" in line), ""),
                          "execution": plan[-1]})
    return {"mean_ms": {name: round(1000 * sum(values) / len(values), 1) for name, values in timings.items()},
            "calls_per_request": {name: round(len(values) / len(typed), 1) for name, values in timings.items()},
            "candidates_plans": plans}


class _Rows(list):
    def all(self):
        return list(self)

    def scalars(self):
        return [row[0] for row in self]


def budgets(engine, typed: list, values: list, rounds: int) -> dict:
    with Session(engine) as session:
        reference = [exhaustive(TextIndex(session), idea.title, idea.description) for idea in typed]
    kept, found = queries.POSTINGS_BUDGET, {value: [] for value in values}
    agreement = {}
    try:
        for _ in range(rounds):  # alternated: a change of the host's load touches every budget alike
            for value in values:
                queries.POSTINGS_BUDGET = value
                same = first = 0
                for typed_idea, expected in zip(typed, reference):
                    started = time.perf_counter()
                    with Session(engine) as session:
                        got = TextIndex(session).similar(typed_idea.title, typed_idea.description, kinds=list(KINDS))
                    found[value].append(time.perf_counter() - started)
                    same += [doc_id for _, doc_id, _ in got] == [doc_id for _, doc_id, _ in expected]
                    first += [doc_id for _, doc_id, _ in got[:1]] == [doc_id for _, doc_id, _ in expected[:1]]
                agreement[value] = {"top5_as_exhaustive": same, "top1_as_exhaustive": first, "queries": len(typed)}
    finally:
        queries.POSTINGS_BUDGET = kept
    return {str(value): {**percentiles(found[value]), **agreement[value]} for value in values}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--budgets", default="20000,5000,2000")
    parser.add_argument("--database", help="a database seeded by an earlier --keep run")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    name = args.database or f"bench_similar_{uuid.uuid4().hex[:8]}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    if not args.database:
        admin_execute(ADMIN_URL, f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(f"{base}/{name}", pool_size=2)
    try:
        if not args.database:
            seed(engine, args.size)
            admin_execute(f"{base}/{name}", "VACUUM ANALYZE")
        typed = [idea for idea in typed_ideas(args.queries, SEED)
                 if len((idea.title + " " + idea.description).split()) >= 8]
        document = {"database": name, "statements": statements(engine, typed),
                    "budgets": budgets(engine, typed, [int(value) for value in args.budgets.split(",")], args.rounds)}
    finally:
        engine.dispose()
        if not args.keep and not args.database:
            admin_execute(ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(document, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

"""The shared text index (hubkit.text_index) at city scale on PostgreSQL, against PostgreSQL's own full-text search.

    .venv/bin/python bench/text_index.py                       # 2,000 / 20,000 / 100,000 documents
    .venv/bin/python bench/text_index.py --sizes 2000,20000 --queries 40

In a scratch database (dropped at the end): a plain `ideas` table (id, status, arrondissement, title,
description) and the index, both fed with bench/text_corpus.py's `city_documents`, grown size after size (the
first documents stay the same). At each size, one request at a time, in a session of its own as a service's
unit of work has it:
- similar(): the typed ideas of `typed_ideas` (20-60 words; half re-type an existing idea: recall@5 reported);
- search(): a common word, a rare word, two words, a phrase, a word found nowhere, each joined to `ideas` with a
  filter (status) for a page of 20 by score then id, and the count up to 1,001, as a list API asks;
- put(): one new document in its own committed transaction, against the same transaction without the index;
- the alternatives: a French tsvector (unaccent, weights A/B) with a GIN index, for similar() (the typed
  words OR-ed, ts_rank) and one-word search; pg_trgm similarity on titles (GIN gin_trgm_ops) for similar().
Prints a JSON document and a markdown table (p50 / p95 in ms, and the growth ratio of each p95 over the smallest
size). Performance is reported, not asserted.
"""
import argparse
import json
import random
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

from hubkit import text_terms  # noqa: E402
from hubkit.migrations import create_text_index_tables  # noqa: E402
from hubkit.text_index import TextIndex  # noqa: E402

SEED = 17
STATUSES = ("published",) * 8 + ("forwarded", "hidden")
SCHEMA = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION bench_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT public.unaccent('public.unaccent', $1) $$;
CREATE TABLE ideas (id varchar(36) PRIMARY KEY, status varchar(16) NOT NULL, arrondissement smallint,
                    title text NOT NULL, description text NOT NULL, fts tsvector NOT NULL);
CREATE INDEX ix_ideas_status ON ideas (status);
CREATE INDEX ix_ideas_fts ON ideas USING gin (fts);
CREATE INDEX ix_ideas_title_trgm ON ideas USING gin (lower(bench_unaccent(title)) gin_trgm_ops);
"""
INSERT_IDEA = sa.text(
    "INSERT INTO ideas (id, status, arrondissement, title, description, fts) VALUES (:id, :status, :district, "
    ":title, :description, setweight(to_tsvector('french', bench_unaccent(:title)), 'A') || "
    "setweight(to_tsvector('french', bench_unaccent(:description)), 'B'))")
FTS_SIMILAR = sa.text(
    "SELECT id, ts_rank(fts, query) AS rank FROM ideas, to_tsquery('french', bench_unaccent(:words)) AS query "
    "WHERE fts @@ query ORDER BY rank DESC, id LIMIT 5")
FTS_SEARCH = sa.text(
    "SELECT id FROM ideas, plainto_tsquery('french', bench_unaccent(:text)) AS query WHERE fts @@ query "
    "AND status = 'published' ORDER BY ts_rank(fts, query) DESC, id LIMIT 20")
FTS_COUNT = sa.text(
    "SELECT count(*) FROM (SELECT 1 FROM ideas WHERE fts @@ plainto_tsquery('french', bench_unaccent(:text)) "
    "AND status = 'published' LIMIT 1001) AS counted")
TRGM_SIMILAR = sa.text(
    "SELECT id, similarity(lower(bench_unaccent(title)), lower(bench_unaccent(:title))) AS score FROM ideas "
    "WHERE lower(bench_unaccent(title)) % lower(bench_unaccent(:title)) ORDER BY score DESC, id LIMIT 5")
IDEAS = sa.table("ideas", sa.column("id"), sa.column("status"))


def admin_execute(admin_url: str, statement: str):
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def percentiles(samples: list) -> dict:
    ordered = sorted(samples)
    at = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return {"p50": round(1000 * statistics.median(ordered), 1), "p95": round(1000 * at(0.95), 1)}


def timed(engine, work, repeats) -> list:
    samples = []
    for argument in repeats:
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            work(session, argument)
        samples.append(time.perf_counter() - started)
    return samples


def seed(engine, documents, start: int) -> float:
    """Insert `documents` (ids from `start`) into ideas and the index, 1,000 per transaction; the seconds the
    index took (put_many), the rest being the plain rows and the tsvectors."""
    indexing = 0.0
    rng = random.Random(start)
    for offset in range(0, len(documents), 1000):
        chunk = documents[offset:offset + 1000]
        rows = [{"id": f"idea-{start + offset + n:07d}", "status": rng.choice(STATUSES),
                 "district": rng.randint(1, 20), "title": title, "description": description}
                for n, (title, description) in enumerate(chunk)]
        with Session(engine) as session, session.begin():
            session.execute(INSERT_IDEA, rows)
            began = time.perf_counter()
            TextIndex(session).put_many([("idea", row["id"], row["title"], row["description"]) for row in rows])
            indexing += time.perf_counter() - began
    return indexing


def search_page(session, text):
    """A list API's request: the page of 20 by relevance then id, and the count, among published ideas, counted
    up to 1,001 ("plus de 1 000"): an exact count of a common word's matches is linear in them, index or not."""
    query = TextIndex(session).search(text)
    if query is None:
        return
    matches = query.matches
    joined = sa.select(IDEAS.c.id).join(matches, matches.c.doc_id == IDEAS.c.id).where(
        IDEAS.c.status == "published", matches.c.kind == "idea")
    session.execute(joined.order_by(matches.c.score.desc(), IDEAS.c.id).limit(20)).all()
    session.execute(sa.select(sa.func.count()).select_from(joined.limit(1001).subquery())).scalar()


def fts_search_page(session, text):
    session.execute(FTS_SEARCH, {"text": text}).all()
    session.execute(FTS_COUNT, {"text": text}).scalar()


def or_query(title: str, description: str) -> str:
    """The typed words for to_tsquery, OR-ed (only letters: nothing for tsquery's syntax)."""
    words = {word for word in text_terms.words(f"{title} {description}") if text_terms.is_meaningful(word)}
    return " | ".join(sorted(words)[:60]) or "rien"


def search_words(documents) -> dict:
    """The searches: a common word, a rare one (in 1 of the first 2,000 documents), two words, a phrase, none."""
    frequency = {}
    for title, description in documents[:2000]:
        for word in set(text_terms.words(f"{title} {description}")):
            if text_terms.is_meaningful(word) and word.isalpha() and len(word) >= 7:
                frequency[word] = frequency.get(word, 0) + 1
    rare = sorted(word for word, count in frequency.items() if count == 1)
    common = max(frequency, key=lambda word: (frequency[word], word))
    return {"common word": common, "rare word": random.Random(SEED).choice(rare),
            "two words": "jardin partagé", "phrase": '"piste cyclable"', "no match": "xylophonique"}


def measure(engine, size: int, typed: list, searches: dict, queries: int, originals: list) -> dict:
    result = {"size": size}
    found = []

    def similar(session, typed_idea):
        found.append((typed_idea.duplicate_of, [doc_id for _, doc_id, _ in TextIndex(session).similar(
            typed_idea.title, typed_idea.description, kinds=["idea"])]))
    result["similar"] = percentiles(timed(engine, similar, typed))
    duplicates = [(index, ids) for index, ids in found if index is not None]
    result["similar"]["recall@5 of re-typed ideas"] = round(
        sum(f"idea-{index:07d}" in ids for index, ids in duplicates) / max(1, len(duplicates)), 3)
    for name, text in searches.items():
        result[f"search: {name}"] = percentiles(timed(engine, search_page, [text] * queries))
    result["fts similar (OR of words, ts_rank)"] = percentiles(timed(
        engine, lambda session, t: session.execute(FTS_SIMILAR, {"words": or_query(*t)}).all(), typed))
    result["fts search: common word"] = percentiles(timed(
        engine, fts_search_page, [searches["common word"]] * queries))
    result["fts search: rare word"] = percentiles(timed(engine, fts_search_page, [searches["rare word"]] * queries))
    result["trgm similar (titles)"] = percentiles(timed(
        engine, lambda session, t: session.execute(TRGM_SIMILAR, {"title": t.title}).all(), typed))
    result["put (one new idea, committed)"], result["same transaction without index"] = puts(engine, originals)
    return result


def puts(engine, originals: list) -> tuple:
    """ms of a committed transaction inserting one idea with its put(), and the same without the put()."""
    with_index, without = [], []
    for number, (title, description) in enumerate(originals):
        for samples, index in ((with_index, True), (without, False)):
            doc_id = f"put-{uuid.uuid4().hex[:12]}"
            started = time.perf_counter()
            with Session(engine) as session, session.begin():
                session.execute(INSERT_IDEA, {"id": doc_id, "status": "hidden", "district": 1, "title": title,
                                              "description": description})
                if index:
                    TextIndex(session).put("idea", doc_id, title, description)
            samples.append(time.perf_counter() - started)
    return percentiles(with_index), percentiles(without)


def table(results: list) -> str:
    names = [name for name in results[0] if name != "size"]
    head = "| measure | " + " | ".join(f"{r['size']:,}: p50 / p95" for r in results) + " | p95 growth |"
    lines = [head, "|" + "---|" * (len(results) + 2)]
    for name in names:
        cells = [f"{r[name]['p50']} / {r[name]['p95']}" for r in results]
        growth = results[-1][name]["p95"] / max(0.1, results[0][name]["p95"])
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth:.2f}x |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    documents = list(city_documents(sizes[-1], SEED))
    typed = [idea for idea in typed_ideas(args.queries, SEED) if len((idea.title + " " + idea.description).split())
             >= 8]
    searches = search_words(documents)
    name = f"bench_text_index_{uuid.uuid4().hex[:8]}"
    admin_execute(args.pg_admin_url, f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(args.pg_admin_url.rsplit("/", 1)[0] + "/" + name, pool_size=2)
    results = []
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(SCHEMA)
            create_text_index_tables(Operations(MigrationContext.configure(connection)))
        done = 0
        for size in sizes:
            started = time.perf_counter()
            indexing = seed(engine, documents[done:size], done)
            bulk = round(1000 * indexing / (size - done), 2)
            print(f"seeded {size:,}: {time.perf_counter() - started:.0f} s, put_many {bulk} ms per document",
                  file=sys.stderr, flush=True)
            done = size
            admin_execute(args.pg_admin_url.rsplit("/", 1)[0] + "/" + name, "VACUUM ANALYZE")
            results.append(measure(engine, size, typed, searches, args.queries, documents[:30]))
            results[-1]["put_many ms per document"] = bulk
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    finally:
        engine.dispose()
        admin_execute(args.pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps({"searches": searches, "results": results}, ensure_ascii=False, indent=1))
    print(table([{key: value for key, value in r.items() if isinstance(value, dict) or key == "size"}
                 for r in results]))


if __name__ == "__main__":
    main()

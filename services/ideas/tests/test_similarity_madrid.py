"""Similar ideas, measured on real proposals from Decide Madrid: each query is a near-duplicate of a
real proposal (reworded, truncated or shuffled); the original must come back first (precision@1) and
within the five suggestions the page shows (recall@5). Run with -s to read the figures."""
import csv
import random
import time

from ideas import domain

from .conftest import MADRID_CSV

QUERIES = 300
PRECISION_FLOOR, RECALL_FLOOR = 0.90, 0.97


def madrid_rows() -> list:
    with MADRID_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["id"], domain.one_line(row["title"]), domain.strip_html(row["description"]))
                for row in csv.DictReader(handle, delimiter=";")]


def truncated(rng, title, description):
    """The first half of the description, the title cut to its first words."""
    words = description.split()
    return " ".join(title.split()[:4]), " ".join(words[:max(8, len(words) // 2)])


def reworded(rng, title, description):
    """A third of the words dropped, some filler added: another citizen telling the same thing."""
    keep = [word for word in description.split() if rng.random() > 0.33]
    filler = "Me gustaría que el ayuntamiento pensara en esto porque es muy necesario para los vecinos".split()
    return " ".join(word for word in title.split() if rng.random() > 0.3), " ".join(filler + keep)


def shuffled(rng, title, description):
    """Same words, any order, and only 30 of them."""
    words = description.split()
    rng.shuffle(words)
    title_words = title.split()
    rng.shuffle(title_words)
    return " ".join(title_words), " ".join(words[:30])


def test_similar_ideas_find_near_duplicates_of_real_madrid_proposals():
    rows = madrid_rows()
    started = time.perf_counter()
    index = domain.SimilarityIndex(rows)
    built = time.perf_counter() - started
    rng = random.Random(2026)
    candidates = [row for row in rows if len(row[2].split()) >= 40]
    sample = rng.sample(candidates, QUERIES)
    transforms = (truncated, reworded, shuffled)
    first, within_five, per_transform = 0, 0, {t.__name__: [0, 0] for t in transforms}
    started = time.perf_counter()
    for number, (source_id, title, description) in enumerate(sample):
        transform = transforms[number % len(transforms)]
        found = [doc_id for doc_id, _ in index.similar(*transform(rng, title, description))]
        first += bool(found) and found[0] == source_id
        within_five += source_id in found
        per_transform[transform.__name__][0] += bool(found) and found[0] == source_id
        per_transform[transform.__name__][1] += source_id in found
    queried = time.perf_counter() - started
    precision, recall = first / QUERIES, within_five / QUERIES
    print(f"\nSimilar ideas on {len(rows)} Madrid proposals, {QUERIES} near-duplicate queries: "
          f"precision@1 {precision:.3f}, recall@5 {recall:.3f} "
          f"(index {built:.2f} s, {1000 * queried / QUERIES:.1f} ms per query)")
    for name, (top, five) in per_transform.items():
        print(f"  {name}: precision@1 {top / (QUERIES // 3):.3f}, recall@5 {five / (QUERIES // 3):.3f}")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def test_unrelated_text_finds_nothing_similar_in_madrid_proposals():
    """The other side of precision: a text about nothing in the corpus suggests nothing."""
    index = domain.SimilarityIndex(madrid_rows())
    assert index.similar("Quantum chromodynamics lattice", "Gluon propagators renormalisation xylophone") == []

"""bench/text_corpus.py: the scale scenario's ideas and the text index's test corpus must be deterministic, within the
idea box's limits, Zipf-like (a few very common words, mostly rare ones) and its typed near-duplicates recognisable."""
import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("text_corpus", Path(__file__).resolve().parents[2] / "bench" / "text_corpus.py")
text_corpus = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(text_corpus)

WORD = re.compile(r"\w+")


@pytest.fixture(scope="module")
def documents():
    return list(text_corpus.city_documents(5_000, seed=17))


def test_same_seed_same_documents_and_a_longer_run_starts_with_the_shorter(documents):
    assert list(text_corpus.city_documents(300, seed=17)) == documents[:300]
    assert list(text_corpus.city_documents(300, seed=18)) != documents[:300]


def test_documents_fit_the_idea_box(documents):
    for title, description in documents:
        assert 5 <= len(title) <= 140 and title == " ".join(title.split())
        assert 30 <= len(description.split()) <= 150


def test_mostly_french_with_some_spanish_and_no_template_slot_left(documents):
    spanish = sum(" los " in description or " para " in description for _, description in documents)
    assert 0.03 * len(documents) < spanish < 0.15 * len(documents)
    assert not any("{" in title + description or "de'" in description for title, description in documents)


def test_vocabulary_is_zipf_like(documents):
    frequency = Counter(word for title, description in documents
                        for word in set(WORD.findall(f"{title} {description}".lower())))
    counts = sorted(frequency.values(), reverse=True)
    assert counts[0] > 0.9 * len(documents)  # "de", "la": in nearly every document
    rare = sum(count <= 5 for count in counts)
    assert rare > 0.4 * len(counts)  # most words are rare
    assert len(counts) > 3_000


def test_typed_near_duplicates_share_most_of_their_title_with_the_original(documents):
    typed = list(text_corpus.typed_ideas(200, seed=17))
    assert typed == list(text_corpus.typed_ideas(200, seed=17))
    duplicates = [idea for idea in typed if idea.duplicate_of is not None]
    assert 60 < len(duplicates) < 140
    for idea in duplicates:
        title, _ = idea
        original = set(WORD.findall(documents[idea.duplicate_of][0].lower()))
        words = set(WORD.findall(idea.title.lower()))
        assert title == idea.title and idea.description
        assert len(words & original) >= 0.5 * len(words) or not original

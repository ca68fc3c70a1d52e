"""The baseline: the ideas service's similarity index before the shared text index (commit 387ae05,
services/ideas/ideas/domain/similarity.py, unchanged but for its search_key), kept here so the precision tests
compare the text index with what it replaced.

Similar ideas: TF-IDF over accent-folded, lower-cased words without French and Spanish stop words (the box is
Parisian; the realistic seed is Madrid's), a crude plural strip, the title counted twice; cosine
similarity between L2-normalised vectors. Measured on real Madrid proposals in
tests/test_similarity_madrid.py (precision@1, recall@5).
"""
import math
import re
import unicodedata


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


SIMILAR_LIMIT = 5
SIMILAR_THRESHOLD = 0.2  # below this cosine, an idea is not shown as similar
TITLE_WEIGHT = 2

STOP_WORDS = frozenset(search_key(" ".join("""
au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me meme
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos
votre vous c d j l m n s t y ete etre avoir ai as avons avez ont est sont etait fait faire plus tres tout tous
toute toutes aussi bien peu peut ainsi donc car comme si sans sous entre vers chez afin alors apres avant deja
encore ici la-bas leur quand quel quelle quels quelles dont cela ceci celle celui ceux autre autres chaque
nombreux beaucoup idee idees propose proposer proposition
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas
ellos en entre era eran es esa esas ese eso esos esta estaba estado estan estar este esto estos fue fueron ha
habia han hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otras otro
otros para pero poco por porque que quien se sea ser si sin sobre solo son su sus tambien tanto te tiene
tienen todo todos tu tus un una uno unos y ya puede pueden hacer hace cada mismo misma asi estas todas toda
muchos muchas mucha propuesta propuestas proponemos propongo solicitamos madrid ciudad calle zona barrio
""".split())).split())

_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    """A crude plural strip, enough for French and Spanish: "arboles"/"arbol", "ecoles"/"ecole"."""
    if len(word) > 4 and word.endswith("es") and not word.endswith("ees"):
        return word[:-2]
    if len(word) > 3 and word.endswith(("s", "x")):
        return word[:-1]
    return word


def terms(text: str) -> list:
    """The words of a text that carry meaning: folded, without stop words, digits or one-letter words."""
    words = _WORD.findall(search_key(text))
    return [_stem(word) for word in words if len(word) > 2 and not word.isdigit() and word not in STOP_WORDS]


def _term_counts(title: str, description: str) -> dict:
    counts = {}
    for term in terms(title) * TITLE_WEIGHT + terms(description):
        counts[term] = counts.get(term, 0) + 1
    return counts


class SimilarityIndex:
    """Ideas as TF-IDF vectors; `similar` ranks them by cosine similarity to a text being typed.

    `documents`: (id, title, description) triples. Built in memory per request: a few thousand ideas
    take well under a second (measured on the 2 738 Madrid proposals)."""

    def __init__(self, documents):
        counted = [(doc_id, _term_counts(title, description)) for doc_id, title, description in documents]
        frequency = {}
        for _, counts in counted:
            for term in counts:
                frequency[term] = frequency.get(term, 0) + 1
        total = len(counted)
        self.idf = {term: math.log((1 + total) / (1 + df)) + 1 for term, df in frequency.items()}
        self.unseen_idf = math.log(1 + total) + 1  # a word no idea uses: as rare as can be
        self.vectors = [(doc_id, self._vector(counts)) for doc_id, counts in counted]

    def _vector(self, counts: dict) -> dict:
        weights = {term: (1 + math.log(count)) * self.idf.get(term, self.unseen_idf) for term, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {term: w / norm for term, w in weights.items()} if norm else {}

    def similar(self, title: str, description: str = "", limit: int = SIMILAR_LIMIT,
                threshold: float = SIMILAR_THRESHOLD, exclude=()) -> list:
        """[(id, score)] best first: at most `limit`, each at least `threshold`, none in `exclude`."""
        query = self._vector(_term_counts(title, description))
        if not query:
            return []
        scored = []
        for doc_id, vector in self.vectors:
            if doc_id in exclude:
                continue
            small, large = (query, vector) if len(query) < len(vector) else (vector, query)
            score = sum(weight * large.get(term, 0.0) for term, weight in small.items())
            if score > 0 and score >= threshold:
                scored.append((doc_id, score))
        scored.sort(key=lambda pair: (-pair[1], str(pair[0])))
        return scored[:limit]


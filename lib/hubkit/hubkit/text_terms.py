"""Words to index terms, the same for indexing and for querying (hubkit.text_index).

A term is a word of letters or digits, lower-cased, stemmed by Snowball (French, or Spanish when the text
reads as Spanish: the box is Parisian, the realistic seed is Madrid's) and then stripped of its accents, so
"Végétaliser" and "végétalisation" meet on "vegetalis", "arbres" and "arbre" on "arbre", "árboles" and
"árbol" on "arbol". Stop words (French and Spanish, and the words every proposal uses: "idée",
"propuesta"), words of one or two letters and pure numbers are dropped, as the ideas service's first
similarity index did.

The stemmer needs the accents (French Snowball tells vowels by them), so it runs before the folding; a crude
plural strip runs before it because Snowball keeps the "s" after a vowel ("vélos" would stay apart from
"vélo").
"""
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

FRENCH, SPANISH = "french", "spanish"
MAX_WORDS = 5000  # a document's words past this many are not indexed (a 10 KB text has ~1,500)

# Letters that NFKD does not decompose but a French or Spanish reader takes as plain letters.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: "École" -> "ecole"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LIGATURES)


_fold_word = lru_cache(maxsize=200_000)(fold)  # the same few thousand words come again and again


def _folded_set(words: str) -> frozenset:
    return frozenset(fold(words).split())


FRENCH_STOP_WORDS = _folded_set("""
au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me meme
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos
votre vous c d j l m n s t y ete etre avoir ai as avons avez ont est sont etait fait faire plus tres tout tous
toute toutes aussi bien peu peut ainsi donc car comme si sans sous entre vers chez afin alors apres avant deja
encore ici la-bas leur quand quel quelle quels quelles dont cela ceci celle celui ceux autre autres chaque
nombreux beaucoup idee idees propose proposer proposition
""")
SPANISH_STOP_WORDS = _folded_set("""
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el ella ellas
ellos en entre era eran es esa esas ese eso esos esta estaba estado estan estar este esto estos fue fueron ha
habia han hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otras otro
otros para pero poco por porque que quien se sea ser si sin sobre solo son su sus tambien tanto te tiene
tienen todo todos tu tus un una uno unos y ya puede pueden hacer hace cada mismo misma asi estas todas toda
muchos muchas mucha propuesta propuestas proponemos propongo solicitamos madrid ciudad calle zona barrio
""")
STOP_WORDS = FRENCH_STOP_WORDS | SPANISH_STOP_WORDS
# The words that tell the two languages apart (those in both lists tell nothing).
_ONLY_FRENCH = FRENCH_STOP_WORDS - SPANISH_STOP_WORDS
_ONLY_SPANISH = SPANISH_STOP_WORDS - FRENCH_STOP_WORDS


def words(text: str) -> list:
    """The words of a text as written (lower case, accents kept), at most MAX_WORDS."""
    found = []
    for match in _WORD.finditer((text or "").casefold()):
        found.append(match.group())
        if len(found) >= MAX_WORDS:
            break
    return found


def language_of(lowered_words) -> str:
    """FRENCH unless the text has more Spanish-only than French-only stop words (a cheap, good enough guess:
    a proposal has dozens of them)."""
    french = spanish = 0
    for word in lowered_words:
        folded = _fold_word(word)
        french += folded in _ONLY_FRENCH
        spanish += folded in _ONLY_SPANISH
    return SPANISH if spanish > french else FRENCH


_stemmers = {}


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = FRENCH) -> str:
    """The folded term of one lower-case word: plural strip, Snowball stem, accents folded."""
    if len(word) > 4 and word.endswith("es") and not word.endswith(("ées", "ees")):
        word = word[:-2] if language == SPANISH else word[:-1]
    elif len(word) > 3 and word.endswith(("s", "x")):
        word = word[:-1]
    stemmer = _stemmers.get(language)
    if stemmer is None:
        stemmer = _stemmers[language] = snowballstemmer.stemmer(language)
    return fold(stemmer.stemWord(word))


def is_meaningful(word: str) -> bool:
    """A word worth indexing: three letters or more, not only digits, not a stop word (`word` lower case)."""
    if len(word) < 3 or word.isdigit():
        return False
    return _fold_word(word) not in STOP_WORDS


def terms(text: str, language: str = None) -> list:
    """The terms of a text in order (`language`: guessed from the text when None)."""
    lowered = words(text)
    language = language or language_of(lowered)
    return [stem(word, language) for word in lowered if is_meaningful(word)]


def word_terms(word: str) -> set:
    """The terms one query word may have been indexed as: its French and its Spanish stem (a query of two
    words tells no language; the document it should find was stemmed in its own)."""
    lowered = word.casefold()
    if not is_meaningful(lowered):
        return set()
    return {stem(lowered, FRENCH), stem(lowered, SPANISH)}

"""The first reading of an idea: the explainable suggestion of a scheme, and the pre-admissibility checklist."""
import re
import unicodedata
from dataclasses import dataclass

from .access import one_line
from .catalogue import BUDGET, DIRECT_ANSWER, GREENING_PERMIT, PETITION, STREET_REPORT
from .inbox import NO, UNKNOWN, YES

# Which direction answers an idea directly, by the idea's theme (ideas service theme codes).
THEME_DIRECTIONS = {
    "cadre_de_vie": "DU", "culture_patrimoine": "DAC", "attractivite_emploi": "DAE",
    "education_jeunesse": "DASCO", "environnement": "DEVE", "mobilites": "DVD", "prevention_securite": "DDCT",
    "proprete": "DPE", "sante": "DSOL", "solidarites": "DSOL", "sport": "DJS",
}
DEFAULT_DIRECTION = "DDCT"


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces, hyphens as spaces: « Nid-de-poule » matches « nid de poule »."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"[-'’_/]", " ", plain)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain).split())


# French endings removed before comparing words, longest first: « installons », « installer » and
# « installation » all read « install »; « arbres » reads « arbr » like « arbre ».
_ENDINGS = ("ations", "ation", "ements", "ement", "ions", "ons", "ees", "ez", "er", "es", "ee", "e", "s", "x")


def stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


def stems(text: str) -> str:
    """The normalised text with each word reduced to its stem (what keywords are looked for in)."""
    return " ".join(stem(word) for word in normalise(text).split())


def _words(text: str) -> list:
    """The text's words as `normalise` reads them, each with where it is written: [(word, start, end)]. Read
    character by character the way `normalise` reads the whole text, so both find the same words."""
    words, current, start, end = [], "", 0, 0
    for index, char in enumerate(text or ""):
        folded = "".join(part for part in unicodedata.normalize("NFKD", char.lower())
                         if not unicodedata.combining(part))
        if not folded:  # a combining accent: part of the letter before it
            end = index + 1 if current else end
            continue
        for part in folded:
            if "a" <= part <= "z" or "0" <= part <= "9":
                if not current:
                    start = index
                current, end = current + part, index + 1
            elif current:
                words.append((current, start, end))
                current = ""
    if current:
        words.append((current, start, end))
    return words


def as_written(text: str, keywords) -> list:
    """How each keyword found in `text` is written there (its first occurrence, with the text's accents,
    apostrophes and endings), once each: what an agent is shown. The keyword itself, normalised, only matches."""
    words = _words(text)
    stemmed = [stem(word) for word, _, _ in words]
    shown, seen = [], set()
    for keyword in keywords:
        needle = [stem(word) for word in normalise(keyword).split()]
        for first in range(len(words) - len(needle) + 1) if needle else ():
            if stemmed[first:first + len(needle)] == needle:
                written = one_line(text[words[first][1]:words[first + len(needle) - 1][2]])
                if written.lower() not in seen:
                    seen.add(written.lower())
                    shown.append(written)
                break
    return shown


def _contains(stemmed: str, keyword: str) -> bool:
    """`keyword` (one or several words) appears in the stemmed text as whole words, whatever their ending."""
    needle = stems(keyword)
    return bool(needle) and re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", stemmed) is not None


# Themes that point at a scheme when no keyword decides (one point, a keyword counts two).
THEME_HINTS = {"proprete": STREET_REPORT, "environnement": GREENING_PERMIT, "cadre_de_vie": BUDGET}

# On a tie the more specific scheme wins: a reported pothole is not a budget project.
PRIORITY = (STREET_REPORT, GREENING_PERMIT, PETITION, BUDGET)


@dataclass(frozen=True)
class Suggestion:
    scheme: str
    reason: str
    keywords: tuple
    direction: str


def suggest(title: str, description: str, theme: str | None, schemes: list) -> Suggestion:
    """The scheme an idea most likely belongs to, and why, in words an agent can check.

    `schemes`: active schemes as dicts with `code`, `name`, `direction`, `keywords`. Each keyword found in the
    idea's title or description counts two points, the idea's theme one point for the scheme it hints at.
    Nothing found: a direct answer by the direction of the idea's theme.
    """
    text = stems(f"{title} {description}")
    by_code = {scheme["code"]: scheme for scheme in schemes}
    scores, found = {}, {}
    for scheme in schemes:
        if scheme["code"] == DIRECT_ANSWER:
            continue
        hits = tuple(keyword for keyword in scheme.get("keywords") or () if _contains(text, keyword))
        if hits:
            scores[scheme["code"]], found[scheme["code"]] = 2 * len(hits), hits
    hinted = THEME_HINTS.get(theme)
    if hinted in scores:
        scores[hinted] += 1
    if scores:
        rank = {code: index for index, code in enumerate(PRIORITY)}
        best = max(scores, key=lambda code: (scores[code], -rank.get(code, len(PRIORITY))))
        scheme = by_code[best]
        words = ", ".join(f"« {word} »" for word in as_written(f"{title} {description}", found[best]))
        reason = f"Mots-clés repérés dans l'idée : {words} → {scheme['name']}."
        if hinted == best:
            reason += " La thématique de l'idée va dans le même sens."
        others = sorted((code for code in scores if code != best), key=lambda code: -scores[code])
        if others:
            reason += " Autres pistes : " + ", ".join(by_code[code]["name"] for code in others) + "."
        return Suggestion(best, reason, found[best], scheme["direction"])
    direction = THEME_DIRECTIONS.get(theme, DEFAULT_DIRECTION)
    name = by_code[DIRECT_ANSWER]["name"] if DIRECT_ANSWER in by_code else "Réponse directe"
    return Suggestion(DIRECT_ANSWER, f"Aucun mot-clé d'un dispositif n'apparaît dans l'idée : {name}, par la "
                                     f"direction de sa thématique ({direction}).", (), direction)


# --- the pre-admissibility checklist ------------------------------------------------------------------

_OUTSIDE_COMPETENCE = ("metro", "rer", "sncf", "ratp", "impot", "police nationale", "education nationale",
                       "autoroute", "peripherique", "hopital", "aeroport")
_PUBLIC_PLACES = ("rue", "place", "square", "parc", "jardin", "trottoir", "ecole", "quai", "boulevard", "avenue",
                  "pied d arbre", "espace public", "gymnase", "bibliotheque", "piscine", "canal", "marche")
_PRIVATE_PLACES = ("copropriete", "immeuble prive", "cour privee", "parking prive", "mon jardin", "chez moi")
_RUNNING_COSTS = ("entretien", "salaire", "subvention", "fonctionnement", "embaucher", "recruter", "gratuite",
                  "personnel", "nettoyage regulier")
_INVESTMENTS = ("amenager", "installer", "creer", "renover", "construire", "equiper", "planter", "vegetaliser",
                "reamenager", "transformer")


def checklist(title: str, description: str) -> dict:
    """A first reading of each check from the idea's words, for the agent to confirm or correct.

    Returns {code: {"value": yes/no/unknown, "why": text}}; `unknown` when the words say nothing.
    """
    written = f"{title} {description}"
    text = stems(written)

    def found(words):
        """The words of the list the idea holds, as the idea writes them (the lists are normalised)."""
        return as_written(written, [word for word in words if _contains(text, word)])

    result = {}
    outside = found(_OUTSIDE_COMPETENCE)
    result["city_competence"] = ({"value": NO, "why": "Mentionne : " + ", ".join(outside) + "."} if outside else
                                 {"value": UNKNOWN, "why": "Rien n'indique une compétence de l'État ou d'un "
                                                           "opérateur : à confirmer."})
    private, public = found(_PRIVATE_PLACES), found(_PUBLIC_PLACES)
    if private:
        result["public_land"] = {"value": NO, "why": "Mentionne : " + ", ".join(private) + "."}
    elif public:
        result["public_land"] = {"value": YES, "why": "Mentionne : " + ", ".join(public) + "."}
    else:
        result["public_land"] = {"value": UNKNOWN, "why": "Aucun lieu public nommé."}
    running, investing = found(_RUNNING_COSTS), found(_INVESTMENTS)
    if running:
        result["investment"] = {"value": NO, "why": "Mentionne : " + ", ".join(running) + "."}
    elif investing:
        result["investment"] = {"value": YES, "why": "Mentionne : " + ", ".join(investing) + "."}
    else:
        result["investment"] = {"value": UNKNOWN, "why": "Ni investissement ni dépense courante nommés."}
    result["general_interest"] = {"value": UNKNOWN, "why": "À apprécier par l'agent."}
    result["not_already_done"] = {"value": UNKNOWN, "why": "À vérifier dans les projets de la Ville."}
    return result

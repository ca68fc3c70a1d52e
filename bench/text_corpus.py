"""City-idea texts at any scale, for the `scale` scenario (bench/scale.py) and the text index's tests.

    from text_corpus import city_documents, typed_ideas
    for title, description in city_documents(100_000, seed=17): ...
    for typed in typed_ideas(200, seed=17): typed.title, typed.description, typed.duplicate_of

Built by recombining real material shipped in the repository: the titles and addresses of the 1,214 winning projects
of the Paris participatory budget (services/budget/budget/data/bp_projets_gagnants.csv) and the Decide Madrid
proposals (tests/data/ideas/decide_madrid_proposals.csv, Spanish, as the box holds them once imported), with French
sentence templates written here (themes, places, publics, reasons). Every choice is drawn with Zipf-like weights
(rank ** -1.1): a few words are in most documents ("rue", "quartier", "arbres"), most are rare (a street, a
surname, the words of one Paris title), as in a real idea box — a uniform corpus would make every word equally
discriminating and flatter any index.

Deterministic for a seed, and a prefix of the same stream whatever the count: the first 2,000 documents of
`city_documents(100_000, s)` are `city_documents(2_000, s)`, so the near-duplicates of `typed_ideas` exist at every
size. Only the standard library: the engine's tests can import it (`sys.path` + bench/). ~100,000 documents in a
few seconds.
"""
import csv
import html
import re
from bisect import bisect
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Iterator, NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
PARIS_WINNERS = REPO_ROOT / "services/budget/budget/data/bp_projets_gagnants.csv"
MADRID_PROPOSALS = REPO_ROOT / "tests/data/ideas/decide_madrid_proposals.csv"
TYPED_CORPUS_SIZE = 2_000  # typed near-duplicates copy one of the first documents, present at every size
MADRID_SHARE, PARIS_TITLE_SHARE = 0.08, 0.30  # the rest: titles from the templates
DESCRIPTION_WORDS = (30, 150)
TITLE_MAX = 140  # the idea box's limit (ideas.domain.box)


class Picker:
    """Draws from a list with Zipf-like weights: the first items often, the long tail rarely."""

    def __init__(self, items, exponent: float = 1.1):
        self.items = list(items)
        self.cumulative = list(accumulate((rank ** -exponent for rank in range(1, len(self.items) + 1))))
        self.total = self.cumulative[-1]

    def __call__(self, rng: Random):
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


# --- French material written for the bench ---------------------------------------------------------------------
# theme: (actions on its objects, objects, what it brings). Objects are "article + noun" phrases.
THEMES = {
    "végétalisation": (
        ["Végétaliser", "Planter", "Installer", "Créer", "Agrandir", "Protéger"],
        ["des arbres", "un jardin partagé", "des bacs à fleurs", "une forêt urbaine", "des pieds d'arbres fleuris",
         "une prairie fleurie", "des murs végétalisés", "un potager collectif", "des haies", "une cour oasis",
         "des jardinières", "un verger", "des plantes grimpantes", "une mare", "des nichoirs"],
        ["de l'ombre en été", "de la fraîcheur pendant les canicules", "la biodiversité", "un quartier plus vert",
         "des îlots de fraîcheur"]),
    "propreté": (
        ["Installer", "Ajouter", "Nettoyer", "Remplacer", "Multiplier"],
        ["des poubelles", "des corbeilles de tri", "des composteurs", "des cendriers de rue", "des sanisettes",
         "des toilettes publiques", "des bornes de collecte du verre", "des points de tri", "des canisites"],
        ["des trottoirs propres", "moins de dépôts sauvages", "un meilleur tri des déchets", "moins de mégots"]),
    "mobilité": (
        ["Créer", "Sécuriser", "Élargir", "Aménager", "Installer"],
        ["une piste cyclable", "des arceaux à vélos", "un parking vélo sécurisé", "une rue aux écoles",
         "des passages piétons", "une zone de rencontre", "des ralentisseurs", "des bancs le long des trottoirs",
         "une voie de bus", "des feux pour piétons", "un abri vélo", "une rampe d'accès"],
        ["des trajets plus sûrs", "moins de voitures", "des déplacements apaisés", "l'accès aux personnes à "
         "mobilité réduite", "des enfants qui vont seuls à l'école"]),
    "écoles": (
        ["Rénover", "Équiper", "Végétaliser", "Aménager", "Moderniser"],
        ["la cour de l'école", "la cantine", "les sanitaires de l'école", "le préau", "la bibliothèque scolaire",
         "les salles de classe", "le parvis du collège", "le gymnase du lycée", "un espace de jeux", "la crèche"],
        ["le bien-être des élèves", "des enfants au calme", "l'apprentissage", "la sécurité des enfants"]),
    "sport": (
        ["Créer", "Rénover", "Installer", "Ouvrir", "Couvrir"],
        ["un terrain de basket", "un skatepark", "des agrès de fitness", "une piscine", "un mur d'escalade",
         "une table de ping-pong", "un parcours sportif", "un terrain de foot", "un boulodrome", "un city-stade"],
        ["le sport pour tous", "des activités pour les jeunes", "la santé des habitants", "du lien entre voisins"]),
    "culture": (
        ["Créer", "Ouvrir", "Restaurer", "Animer", "Accueillir"],
        ["une fresque murale", "une boîte à livres", "un kiosque à musique", "une salle de répétition",
         "un cinéma en plein air", "une médiathèque", "des concerts", "un atelier d'artistes", "une exposition",
         "le patrimoine du quartier"],
        ["la culture pour tous", "des rencontres entre habitants", "la mémoire du quartier", "l'accès à la lecture"]),
    "solidarités": (
        ["Ouvrir", "Créer", "Soutenir", "Équiper", "Développer"],
        ["une bagagerie solidaire", "un lieu d'accueil de jour", "une épicerie solidaire", "des fontaines à eau",
         "des douches publiques", "un frigo solidaire", "une recyclerie", "un espace numérique"],
        ["l'aide aux plus démunis", "la solidarité entre voisins", "l'inclusion", "moins d'isolement"]),
    "sécurité": (
        ["Éclairer", "Sécuriser", "Améliorer", "Installer"],
        ["l'éclairage public", "le passage souterrain", "les abords du métro", "la sortie des écoles",
         "des caméras", "un poste de médiation"],
        ["un quartier plus sûr", "la tranquillité des habitants", "moins d'incivilités"]),
    "santé": (
        ["Ouvrir", "Installer", "Créer"],
        ["un centre de santé", "des défibrillateurs", "une maison de santé", "des bancs ombragés"],
        ["la santé de tous", "l'accès aux soins", "le repos des personnes âgées"]),
    "emploi": (
        ["Soutenir", "Créer", "Ouvrir"],
        ["les commerces de proximité", "un tiers-lieu", "un espace de coworking", "une halle alimentaire"],
        ["l'emploi local", "un quartier vivant", "les artisans"]),
}
PLACE_KINDS = ["rue", "place", "square", "boulevard", "avenue", "jardin", "quai", "passage", "parc", "impasse",
               "villa", "cité", "allée", "carrefour", "parvis", "cour"]
FIRST_NAMES = ["Jean", "Louis", "Marie", "Pierre", "Victor", "Jules", "Émile", "Georges", "Simone", "Louise",
               "Henri", "Paul", "Charles", "Anne", "Jacques", "André", "Camille", "Rosa", "Olympe", "Gustave",
               "Lucie", "Édith", "Marcel", "Frédéric", "Hélène", "Joséphine", "Aimé", "Léon", "Germaine", "Claude"]
SURNAMES = ["Hugo", "Zola", "Curie", "Moulin", "Jaurès", "Ferry", "Baker", "Gambetta", "Michel", "Piaf",
            "Renoir", "Daumier", "Pasteur", "Lamarck", "Voltaire", "Diderot", "Condorcet", "Blum", "Veil", "Sand",
            "Colette", "Balzac", "Rimbaud", "Verlaine", "Delacroix", "Monet", "Courbet", "Manet", "Rodin",
            "Chopin", "Debussy", "Ravel", "Berlioz", "Lafayette", "Danton", "Robespierre", "Marat", "Desmoulins",
            "Gouges", "Sévigné", "Molière", "Racine", "Corneille", "Pascal", "Descartes", "Fourier", "Laplace",
            "Arago", "Ampère", "Lavoisier", "Buffon", "Cuvier", "Niépce", "Daguerre", "Eiffel", "Haussmann",
            "Mansart", "Soufflot", "Viollet", "Garnier", "Guimard", "Lumière", "Méliès", "Truffaut", "Prévert",
            "Apollinaire", "Aragon", "Éluard", "Desnos", "Vian", "Brassens", "Barbara", "Gréco", "Montand",
            "Signoret", "Gabin", "Arletty", "Bourvil", "Fernandel", "Jouvet", "Dullin", "Vilar", "Copeau"]
PUBLICS = ["les habitants", "les enfants", "les familles", "les personnes âgées", "les riverains", "les commerçants",
           "les collégiens", "les cyclistes", "les piétons", "les associations du quartier", "les jeunes",
           "les parents d'élèves", "les personnes en situation de handicap", "les sans-abri", "les touristes"]
OPENINGS = ["Je propose de {action} {obj} {place}.", "Nous proposons de {action} {obj} {place}.",
            "Il faudrait {action} {obj} {place}.", "Pourquoi ne pas {action} {obj} {place} ?",
            "Notre idée : {action} {obj} {place}.", "Serait-il possible de {action} {obj} {place} ?"]
SENTENCES = [
    "Il manque {obj} {place} et {public} le demandent depuis longtemps.",
    "{Public} passent tous les jours {place} et n'y trouvent pas {obj}.",
    "Ce projet apporterait {benefit} à {public} du {arrondissement}.",
    "Aujourd'hui {the_place} est peu accueillant, bruyant et trop minéral.",
    "L'idée est simple : {action} {obj}, comme cela a été fait ailleurs à Paris.",
    "Le projet « {paris_title} » a montré que c'était possible.",
    "On pourrait s'inspirer de « {paris_title} », réalisé dans un autre quartier.",
    "Avec {obj}, {public} gagneraient {benefit}.",
    "Les conseils de quartier du {arrondissement} soutiennent cette idée.",
    "Le coût resterait modeste et l'entretien pourrait être confié aux services de la Ville.",
    "Une concertation avec {public} permettrait de choisir l'emplacement exact.",
    "Adresse proposée : {address}.",
    "C'est une demande ancienne des riverains de {the_place}.",
    "En été il fait très chaud {place} : il faut {benefit}.",
    "Les travaux pourraient commencer dès l'an prochain.",
    "Nous sommes plusieurs voisins prêts à nous investir dans ce projet.",
    "Cela profiterait aussi aux écoles et aux crèches voisines de {the_place}.",
    "Merci de prendre en compte cette proposition pour {benefit}.",
    "Le trottoir est étroit et encombré, ce qui gêne {public}.",
    "Les vélos et les trottinettes sont garés n'importe où près de {the_place}.",
]
TITLES = [
    "{Action} {obj} {place}",
    "{Obj} {place}",
    "Pour {benefit} {place}",
    "{Action} {obj} dans le {arrondissement}",
    "Plus de {noun} {place}",
    "{Obj} pour {public}",
]
TYPING_SLIPS = {"é": "e", "è": "e", "à": "a", "ç": "c", "ô": "o", "ê": "e"}


@lru_cache(maxsize=1)
def material() -> dict:
    """The real and written material, read once, with the pickers drawn from (each in a shuffled but fixed order,
    so that the common end of each Zipf list is not always its first lines)."""
    with open(PARIS_WINNERS, encoding="utf-8-sig", newline="") as stream:
        winners = [row for row in csv.DictReader(stream, delimiter=";") if row["Titre du projet lauréat"].strip()]
    paris_titles = sorted({" ".join(row["Titre du projet lauréat"].split()) for row in winners})
    addresses = sorted({" ".join(row["Adresse du projet lauréat"].split()) for row in winners
                        if row["Adresse du projet lauréat"].strip()})
    with open(MADRID_PROPOSALS, encoding="utf-8", newline="") as stream:
        madrid = [(" ".join(row["title"].split()), plain(row["description"]))
                  for row in csv.DictReader(stream, delimiter=";")]
    madrid = [(title, parts) for title, parts in ((title, sentences(text)) for title, text in madrid)
              if len(title) >= 5 and parts]
    order = Random(1)
    for listing in (paris_titles, addresses, madrid):
        order.shuffle(listing)
    streets = [f"{kind} {first} {last}" for last in SURNAMES for first in FIRST_NAMES for kind in PLACE_KINDS[:3]]
    order.shuffle(streets)
    places = [street for street in map(street_from, addresses) if street] + streets
    return {
        "theme": Picker(THEMES),
        "themes": {name: tuple(Picker(part) for part in parts) for name, parts in THEMES.items()},
        "paris_title": Picker(paris_titles, 0.9),
        "address": Picker(addresses, 0.9),
        "place": Picker(places, 1.05),
        "public": Picker(PUBLICS),
        "arrondissement": Picker([ordinal(number) for number in (11, 20, 18, 19, 15, 10, 12, 13, 14, 17, 9, 5, 16,
                                                                6, 3, 4, 7, 8, 2, 1)], 0.8),
        "sentence": Picker(SENTENCES, 0.6),
        "opening": Picker(OPENINGS, 1.0),
        "title": Picker(TITLES, 0.8),
        "madrid": madrid,
    }


def city_documents(count: int, seed: int) -> Iterator[tuple[str, str]]:
    """`count` (title, description) of ideas as citizens of a big French city file them: French from the templates
    and the Paris winners' titles, ~8 % Spanish recombined from Decide Madrid; descriptions of 30 to 150 words."""
    pick, rng = material(), Random(seed)
    for _ in range(count):
        yield document(pick, rng)


class TypedIdea(tuple):
    """(title, description) as typed in the submission form; `duplicate_of`: the index in `city_documents(n, seed)`
    of the document it re-types (a near-duplicate, present for every n ≥ 2,000), or None for a new idea."""
    duplicate_of: int | None

    def __new__(cls, title: str, description: str, duplicate_of: int | None):
        typed = super().__new__(cls, (title, description))
        typed.duplicate_of = duplicate_of
        return typed

    title = property(lambda self: self[0])
    description = property(lambda self: self[1])


def typed_ideas(count: int, seed: int, duplicate_share: float = 0.5) -> Iterator[TypedIdea]:
    """Texts a citizen types, to probe "similar ideas": about `duplicate_share` of them re-type one of the first
    2,000 documents of `city_documents(*, seed)` in their own way (a word dropped, accents forgotten, the
    description cut short or told differently), the others are new ideas (a stream the corpus never draws)."""
    pick = material()
    originals = list(city_documents(TYPED_CORPUS_SIZE, seed))
    rng, fresh = Random(seed * 7919 + 1), Random(seed * 7919 + 2)
    for _ in range(count):
        if rng.random() < duplicate_share:
            index = rng.randrange(TYPED_CORPUS_SIZE)
            title, description = retyped(*originals[index], rng)
            yield TypedIdea(title, description, index)
        else:
            title, description = document(pick, fresh)
            yield TypedIdea(title, " ".join(description.split()[:rng.randint(8, 40)]), None)


# --- generation ---------------------------------------------------------------------------------------------

def document(pick: dict, rng: Random) -> tuple[str, str]:
    if rng.random() < MADRID_SHARE:
        return madrid_document(pick["madrid"], rng)
    theme = pick["theme"](rng)
    slots = Slots(pick, theme, rng)
    if rng.random() < PARIS_TITLE_SHARE:
        title = pick["paris_title"](rng)
        if rng.random() < 0.5:
            title = f"{title} {slots['place']}"
    else:
        title = french(pick["title"](rng).format_map(slots))
    title = title[:1].upper() + title[1:]
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX].rsplit(" ", 1)[0]
    target, words, parts = rng.randint(*DESCRIPTION_WORDS), 0, []
    first = french(pick["opening"](rng).format_map(slots))
    parts.append(first)
    words += first.count(" ") + 1
    while words < target:
        slots = Slots(pick, theme if rng.random() < 0.8 else pick["theme"](rng), rng)
        sentence = french(pick["sentence"](rng).format_map(slots))
        if words + sentence.count(" ") + 1 > DESCRIPTION_WORDS[1]:
            break
        parts.append(sentence)
        words += sentence.count(" ") + 1
    return title, " ".join(parts)


class Slots(dict):
    """The values of one sentence's {slots}, drawn when first used (a capitalised slot name capitalises)."""

    def __init__(self, pick: dict, theme: str, rng: Random):
        super().__init__()
        self.pick, self.parts, self.rng = pick, pick["themes"][theme], rng

    def __missing__(self, key: str) -> str:
        name = key.lower()
        if name == "action":
            value = self.parts[0](self.rng).lower()
        elif name == "obj":
            value = self.parts[1](self.rng)
        elif name == "noun":
            value = self.parts[1](self.rng).split(" ", 1)[-1]
        elif name == "benefit":
            value = self.parts[2](self.rng)
        elif name in ("place", "the_place"):
            street = self.pick["place"](self.rng)
            self["place"], self["the_place"] = place_phrase(street), the_place(street)
            value = self[name]
        else:
            value = self.pick[name](self.rng)
        self[name] = value
        return value[:1].upper() + value[1:] if key != name else value


def madrid_document(madrid: list, rng: Random) -> tuple[str, str]:
    """A Decide Madrid proposal's title with sentences of two proposals (its own first), 30-150 words."""
    title, own = madrid[int(len(madrid) * rng.random() ** 1.6)]  # Zipf-like: some proposals far more often
    other = madrid[rng.randrange(len(madrid))][1]
    target, words, parts = rng.randint(*DESCRIPTION_WORDS), 0, []
    for sentence in [*own, *other, *madrid[rng.randrange(len(madrid))][1]]:
        length = sentence.count(" ") + 1
        if words >= target or (parts and words + length > DESCRIPTION_WORDS[1]):
            break
        parts.append(sentence)
        words += length
    while words < DESCRIPTION_WORDS[0]:  # short proposals: borrow more sentences
        sentence = rng.choice(madrid[rng.randrange(len(madrid))][1])
        parts.append(sentence)
        words += sentence.count(" ") + 1
    text = " ".join(parts)
    if words > DESCRIPTION_WORDS[1]:
        text = " ".join(text.split()[:DESCRIPTION_WORDS[1]])
    return title[:TITLE_MAX], text


def retyped(title: str, description: str, rng: Random) -> tuple[str, str]:
    """How a second citizen types the same idea: a title word dropped or reordered, accents sometimes forgotten,
    the description's start only, or its sentences in another order."""
    words = title.split()
    if len(words) > 3 and rng.random() < 0.6:
        del words[rng.randrange(1, len(words))]
    if len(words) > 2 and rng.random() < 0.3:
        words[0], words[1] = words[1], words[0].lower()
    title = " ".join(words)
    if rng.random() < 0.3:
        title = "".join(TYPING_SLIPS.get(character, character) for character in title)
    parts = sentences(description)
    if rng.random() < 0.5:
        rng.shuffle(parts)
    kept = parts[:rng.randint(1, max(1, len(parts) - 1))]
    return title[:1].upper() + title[1:], " ".join(kept)


FEMININE_PLACES = {"rue", "place", "avenue", "allée", "impasse", "villa", "cité", "cour"}
ON_PLACES = {"place", "avenue", "boulevard", "quai", "parvis", "carrefour"}
CONTRACTIONS = {"à les": "aux", "à le": "au", "de les": "des", "de le": "du"}
ELISION = re.compile(r"\b(?:([DdJj]e|[Qq]ue) (?=[aeiouyéèêâîôûhAEIOUÉ])|(à|de) (les?)\b)")


def elide(match: re.Match) -> str:
    if match.group(1):
        return match.group(1)[:-1] + "'"
    return CONTRACTIONS[f"{match.group(2)} {match.group(3)}"]


def french(sentence: str) -> str:
    """Elisions and contractions the templates cannot know in advance ('de installer', 'à les enfants');
    capitalised like a sentence."""
    sentence = ELISION.sub(elide, sentence)
    return sentence[:1].upper() + sentence[1:]


def the_place(street: str) -> str:
    """'rue Émile Zola' -> 'la rue Émile Zola', 'impasse X' -> "l'impasse X"."""
    kind = street.split(" ", 1)[0].lower()
    return ("l'" if kind[:1] in "aeiouéhy" else ("la " if kind in FEMININE_PLACES else "le ")) + street


def place_phrase(street: str) -> str:
    """'rue Émile Zola' -> 'dans la rue Émile Zola', 'quai de Jemmapes' -> 'sur le quai de Jemmapes'."""
    return ("sur " if street.split(" ", 1)[0].lower() in ON_PLACES else "dans ") + the_place(street)


def street_from(address: str) -> str:
    """'250 rue des Pyrénées' -> 'rue des Pyrénées'; None for an address without a street kind."""
    stripped = re.sub(r"^[\d\s,/-]*(?:bis|ter)?[\s,/-]*", "", address).strip() or address
    first = stripped.split(" ", 1)[0].lower()
    return first + stripped[len(first):] if first in PLACE_KINDS else None


def ordinal(number: int) -> str:
    return "1er" if number == 1 else f"{number}e"


def plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text) if part.count(" ") >= 2]

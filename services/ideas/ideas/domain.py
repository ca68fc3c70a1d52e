"""Rules of the permanent idea box, in plain Python (no database, no nameko, no Flask)."""
import html
import math
import re
import unicodedata
from datetime import datetime, timedelta

ANONYMOUS_PSEUDONYM = "Citoyen·ne anonyme"

# The themes of the Paris participatory budget, with the labels the City publishes them under
# (opendata.paris.fr, bp_projets_gagnants, column « Thématique »). Codes travel on the wire and in
# events; labels are what citizens read.
THEMES = {
    "cadre_de_vie": "Cadre de vie",
    "culture_patrimoine": "Culture et patrimoine",
    "attractivite_emploi": "Attractivité et emploi",
    "education_jeunesse": "Education et jeunesse",
    "environnement": "Environnement",
    "mobilites": "Mobilités",
    "prevention_securite": "Prévention et sécurité",
    "proprete": "Propreté",
    "sante": "Santé",
    "solidarites": "Solidarités",
    "sport": "Sport",
}

SUBMITTED, UNDER_REVIEW, FORWARDED = "submitted", "under_review", "forwarded"
ANSWERED, NOT_RETAINED, MERGED = "answered", "not_retained", "merged"
STATUSES = {
    SUBMITTED: "Déposée",
    UNDER_REVIEW: "À l'étude",
    FORWARDED: "Transmise",
    ANSWERED: "Réponse apportée",
    NOT_RETAINED: "Non retenue",
    MERGED: "Fusionnée",
}

# Where an idea can be forwarded: the City's other schemes of participation.
SCHEMES = {
    "budget": "Budget participatif",
    "greening_permit": "Permis de végétaliser",
    "street_report": "Signalement sur l'espace public (DansMaRue)",
    "petition": "Pétitions",
    "direct_answer": "Réponse directe d'une direction de la Ville",
}

# An idea is studied once, then leaves the box one way; the last four statuses are final.
TRANSITIONS = {
    SUBMITTED: (UNDER_REVIEW,),
    UNDER_REVIEW: (FORWARDED, ANSWERED, NOT_RETAINED, MERGED),
    FORWARDED: (),
    ANSWERED: (),
    NOT_RETAINED: (),
    MERGED: (),
}
OPEN_STATUSES = (SUBMITTED, UNDER_REVIEW)

# Who works on ideas: merging duplicates (the roles come from the gateway's principal; see docs/architecture.md).
# A direct status change is narrower: `may_change_status`.
STAFF_ROLES = ("agent", "moderator", "admin")
ROLES = ("citizen", *STAFF_ROLES)

TITLE_MIN, TITLE_MAX = 5, 140
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 5000
ADDRESS_MAX = 200
COMMENT_MAX = 2000
MESSAGE_MAX = 2000
PSEUDONYM_MAX = 40
ARRONDISSEMENTS = range(1, 21)
EXCERPT_LENGTH = 240


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any."""

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


# --- submitting ------------------------------------------------------------------------------

def one_line(text: str) -> str:
    """A title is one line: runs of spaces, tabs and line breaks become one space."""
    return " ".join((text or "").split())


def clean_text(text: str) -> str:
    """Plain text as typed, with Windows line breaks unified and blank margins dropped."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_title(title: str) -> str:
    title = one_line(title)
    if not title:
        raise RuleBroken("Donnez un titre à votre idée.", "title")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise RuleBroken(f"Entre {TITLE_MIN} et {TITLE_MAX} caractères.", "title")
    return title


def check_description(description: str) -> str:
    description = clean_text(description)
    if not description:
        raise RuleBroken("Décrivez votre idée.", "description")
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise RuleBroken(f"Entre {DESCRIPTION_MIN} et {DESCRIPTION_MAX} caractères.", "description")
    return description


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise RuleBroken("Choisissez une thématique de la liste.", "theme")
    return theme


def check_place(arrondissement: int | None, address_line: str | None) -> tuple:
    """Where the idea applies: an arrondissement, an address line, both, or neither (all of Paris)."""
    if arrondissement is not None and arrondissement not in ARRONDISSEMENTS:
        raise RuleBroken("Arrondissement de 1 à 20 attendu.", "arrondissement")
    address_line = one_line(address_line) or None
    if address_line and len(address_line) > ADDRESS_MAX:
        raise RuleBroken(f"Au plus {ADDRESS_MAX} caractères.", "address_line")
    return arrondissement, address_line


def check_comment(body: str) -> str:
    body = clean_text(body)
    if not body:
        raise RuleBroken("Le commentaire est vide.", "body")
    if len(body) > COMMENT_MAX:
        raise RuleBroken(f"Au plus {COMMENT_MAX} caractères.", "body")
    return body


def author_pseudonym(pseudonym: str | None) -> str:
    """The name shown with a contribution: the pseudonym at the time, else the anonymous one."""
    pseudonym = one_line(pseudonym)[:PSEUDONYM_MAX]
    return pseudonym or ANONYMOUS_PSEUDONYM


# --- status ----------------------------------------------------------------------------------

def is_staff(roles) -> bool:
    return bool(set(roles or ()) & set(STAFF_ROLES))


def may_change_status(roles) -> bool:
    """A direct status change in the idea box is for administrators only. An agent decides on an idea (forward,
    answer, not retain, duplicate) from routing's inbox, where only the agents of the idea's owning direction may
    act, and routing tells ideas by events; letting any agent or moderator move the status here would go around
    that direction rule (issue 12, section 3). Merging duplicates stays open to staff (`is_staff`)."""
    return "admin" in set(roles or ())


def acting_role(roles) -> str:
    """The role an actor acts under: the highest they hold (for the event's actor and the timeline)."""
    held = [role for role in ROLES if role in set(roles or ())]
    return held[-1] if held else "citizen"


def check_transition(current: str, target: str, message: str, scheme: str | None = None,
                     merged_into: str | None = None, idea_id: str | None = None) -> str:
    """Check that an idea in `current` may move to `target` with these details; returns the message."""
    if target not in STATUSES:
        raise RuleBroken("Statut inconnu.", "status")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(f"« {STATUSES[status]} »" for status in TRANSITIONS[current])
        reason = (f"Depuis « {STATUSES[current]} », l'idée peut seulement passer à : {allowed}." if allowed
                  else f"L'idée est close (« {STATUSES[current]} ») : son statut ne change plus.")
        raise RuleBroken(reason, "status", code="INVALID_TRANSITION")
    message = clean_text(message)
    if not message:
        raise RuleBroken(_MESSAGE_REQUIRED.get(target, "Un message public explique ce changement."), "message")
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    if target == FORWARDED and scheme not in SCHEMES:
        raise RuleBroken("Choisissez le dispositif auquel l'idée est transmise.", "scheme")
    if target != FORWARDED and scheme:
        raise RuleBroken("Seule une idée transmise a un dispositif.", "scheme")
    if target == MERGED and not merged_into:
        raise RuleBroken("Indiquez l'idée avec laquelle celle-ci est fusionnée.", "merged_into")
    if target == MERGED and merged_into == idea_id:
        raise RuleBroken("Une idée ne peut pas être fusionnée avec elle-même.", "merged_into")
    if target != MERGED and merged_into:
        raise RuleBroken("Seule une idée fusionnée indique une autre idée.", "merged_into")
    return message


_MESSAGE_REQUIRED = {
    ANSWERED: "Écrivez la réponse apportée à l'idée.",
    NOT_RETAINED: "Expliquez pourquoi l'idée n'est pas retenue.",
}


def check_merge_target(status: str):
    """An idea is merged into one that is still alive: not itself merged or set aside."""
    if status in (MERGED, NOT_RETAINED):
        raise RuleBroken("L'idée cible est elle-même fusionnée ou non retenue.", "merged_into")


def check_open_for_support(status: str):
    if status not in OPEN_STATUSES:
        raise RuleBroken(f"Cette idée est « {STATUSES[status]} » : elle ne recueille plus de soutiens.",
                         code="IDEA_CLOSED")


def check_open_for_comments(status: str):
    if status == MERGED:
        raise RuleBroken("Cette idée a été fusionnée : commentez l'idée qui la regroupe.", code="IDEA_CLOSED")


# --- listing ---------------------------------------------------------------------------------

def search_key(text: str) -> str:
    """Lower case without accents, so "ecole" finds "École" on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def searchable(title: str, description: str) -> str:
    return search_key(f"{title}\n{description}")


def excerpt(description: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a description for a listing, cut at a word boundary."""
    text = one_line(description)
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return re.sub(r"[\s,;:.!?-]+$", "", cut) + "…"


# --- similar ideas -----------------------------------------------------------------------------
# TF-IDF over accent-folded, lower-cased words without French and Spanish stop words (the box is
# Parisian; the realistic seed is Madrid's), a crude plural strip, the title counted twice; cosine
# similarity between L2-normalised vectors. Measured on real Madrid proposals in
# tests/test_similarity_madrid.py (precision@1, recall@5).

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


# --- merging ---------------------------------------------------------------------------------------

def check_merge(source_id: str, source_status: str, target_id: str, target_status: str, message: str) -> str:
    """An open idea is merged into another live one, with a public message; returns the message."""
    if source_id == target_id:
        raise RuleBroken("Une idée ne peut pas être fusionnée avec elle-même.", "into")
    if source_status not in OPEN_STATUSES:
        raise RuleBroken(f"L'idée est close (« {STATUSES[source_status]} ») : elle ne peut plus être fusionnée.",
                         code="INVALID_TRANSITION")
    if target_status in (MERGED, NOT_RETAINED):
        raise RuleBroken("L'idée cible est elle-même fusionnée ou non retenue.", "into")
    message = clean_text(message)
    if not message:
        raise RuleBroken("Un message public explique la fusion.", "message")
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    return message


# --- importing Decide Madrid proposals -----------------------------------------------------------

IMPORT_PSEUDONYM = "Decide Madrid (import)"
IMPORT_THEME = "cadre_de_vie"  # the source has no theme: agents re-file imported ideas
SPAM_TITLES = re.compile(r"\b(ssrf|xss|sql ?injection|pentest|test(ing)?|prueba|asdf|lorem ipsum)\b", re.IGNORECASE)
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_DROPPED_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>|<[^>]*$")


def strip_html(text: str) -> str:
    """Plain text from the HTML of a proposal: scripts and styles dropped with their content, other
    tags removed, entities decoded once (a decoded "&lt;script&gt;" stays text, escaped when shown)."""
    text = _DROPPED_BLOCKS.sub(" ", text or "")
    text = _BREAKS.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    text = _TAG.sub("", text)  # "&lt;script&gt;" decoded to a tag: removed too, nothing tag-like survives
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def spam_reason(title: str, description: str) -> str | None:
    """Why an imported proposal is not published (None: it is): the moderation rules of the import."""
    if SPAM_TITLES.search(title or ""):
        return "test_or_probe"
    words = _URL.sub(" ", description or "").split()
    if not (description or "").strip():
        return "empty_description"
    if not words or not _URL.sub(" ", title or "").split():
        return "urls_only"
    if len(description) < DESCRIPTION_MIN:
        return "too_short"
    return None


def imported_title(title: str) -> str:
    title = one_line(title)
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"


def imported_description(description: str) -> str:
    return description if len(description) <= DESCRIPTION_MAX else excerpt(description, DESCRIPTION_MAX - 1)


IMPORT_RETIRED_REVIEW = "Proposition importée de Decide Madrid."
IMPORT_RETIRED_MESSAGE = "Retirée par son auteur sur Decide Madrid avant l'import."


def merge_notice(source_title: str, target_title: str, target_url: str, message: str) -> str:
    """The e-mail telling the author and followers of a merged idea where it lives on (plain text)."""
    return (f"L'idée « {source_title} », que vous avez proposée ou suivez, a été fusionnée avec l'idée "
            f"« {target_title} » : ses soutiens et ses abonnés y ont été reportés.\n\n"
            f"Message de la Ville : {message}\n\nL'idée qui les regroupe : {target_url}\n")


# --- moderation ------------------------------------------------------------------------------------

IDEA, COMMENT = "idea", "comment"
PROPOSAL, PROPOSAL_COMMENT, ARGUMENT = "proposal", "proposal_comment", "argument"  # in consultations
CONTENT_KINDS = (IDEA, COMMENT, PROPOSAL, PROPOSAL_COMMENT, ARGUMENT)
REPORT_REASONS = {"spam": "Spam ou publicité", "offensive": "Propos injurieux ou haineux",
                  "off_topic": "Hors sujet"}
REPORTS_TO_HIDE = 3  # reports not yet reviewed that hide an item pending a moderator's review
HIDDEN_TEXT = "Masqué par la modération"
MODERATOR_ROLES = ("moderator", "admin")
MODERATION_REASON_MAX = 500
HIDDEN_BY_REPORTS = "Masqué automatiquement après {count} signalements, en attente de modération."


def is_moderator(roles) -> bool:
    return bool(set(roles or ()) & set(MODERATOR_ROLES))


def check_report_reason(reason: str) -> str:
    if reason not in REPORT_REASONS:
        raise RuleBroken("Choisissez un motif de la liste.", "reason")
    return reason


def hidden_by_reports(pending_reports: int, hidden: bool) -> bool:
    """Whether this report hides the item: the threshold is reached and it is still shown. `pending_reports`
    counts only the reports of established accounts (see established_since)."""
    return not hidden and pending_reports >= REPORTS_TO_HIDE


def established_since(now: datetime, min_account_age_days: int) -> datetime | None:
    """The latest registration date of an account whose reports count towards hiding an item: accounts made
    for the purpose cannot hide what others wrote. None: any account's report counts (no minimum age)."""
    return now - timedelta(days=min_account_age_days) if min_account_age_days > 0 else None


def check_moderation(action: str, hidden: bool, reason: str) -> str:
    """A moderator hides a shown item or restores a hidden one, with a reason (kept in the log)."""
    if action == "hide" and hidden:
        raise RuleBroken("Ce contenu est déjà masqué.", code="ALREADY_HIDDEN")
    if action == "restore" and not hidden:
        raise RuleBroken("Ce contenu n'est pas masqué.", code="NOT_HIDDEN")
    reason = clean_text(reason)
    if not reason:
        raise RuleBroken("Indiquez le motif de la décision.", "reason")
    if len(reason) > MODERATION_REASON_MAX:
        raise RuleBroken(f"Au plus {MODERATION_REASON_MAX} caractères.", "reason")
    return reason

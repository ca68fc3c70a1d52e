"""Rules of petitions, in plain Python (no database, no nameko, no Flask).

The life of a petition:

    draft ──(enough co-sponsors, submitted by its author)──> submitted
    submitted ──(moderator)──> open | rejected
    open ──(signatures reach the threshold)──> threshold_reached
    open ──(deadline passed below the threshold)──> closed
    threshold_reached ──(admin: Council session and agenda)──> scheduled_for_council
    scheduled_for_council ──(admin: official response and decision)──> answered
    answered ──(admin, or the deadline)──> closed

Signatures are taken while the petition is open, has reached its threshold or is scheduled for
the Council, and only before its deadline.
"""
import calendar
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

ANONYMOUS_PSEUDONYM = "Citoyen·ne anonyme"
HIDDEN_TITLE = "Pétition masquée pour raisons légales"

DRAFT, SUBMITTED, OPEN, REJECTED = "draft", "submitted", "open", "rejected"
THRESHOLD_REACHED, SCHEDULED, ANSWERED, CLOSED = "threshold_reached", "scheduled_for_council", "answered", "closed"

STATUSES = {
    DRAFT: "Brouillon",
    SUBMITTED: "En attente de modération",
    OPEN: "Ouverte aux signatures",
    REJECTED: "Refusée par la modération",
    THRESHOLD_REACHED: "Seuil atteint",
    SCHEDULED: "Inscrite au Conseil de Paris",
    ANSWERED: "Réponse de la Ville",
    CLOSED: "Close",
}
PUBLIC_STATUSES = (OPEN, REJECTED, THRESHOLD_REACHED, SCHEDULED, ANSWERED, CLOSED)
SIGNABLE_STATUSES = (OPEN, THRESHOLD_REACHED, SCHEDULED)

# The tabs of the public list: each shows one or more statuses.
LIST_GROUPS = {
    "open": (OPEN,),
    "threshold_reached": (THRESHOLD_REACHED, SCHEDULED),
    "answered": (ANSWERED,),
    "closed": (CLOSED,),
    "rejected": (REJECTED,),
}

REJECTION_CODES = {
    "duplicate": "Doublon d'une pétition existante",
    "not_city_competence": "Ne relève pas de la compétence de la Ville de Paris",
    "offensive": "Propos injurieux, diffamatoires ou discriminatoires",
    "advertising": "Publicité ou promotion commerciale",
    "personal_data": "Contient des données personnelles",
    "other": "Autre motif",
}

DECISIONS = {
    "accepted": "Demande acceptée",
    "partially_accepted": "Demande acceptée en partie",
    "refused": "Demande refusée",
    "under_study": "Mise à l'étude",
}

PARIS_RESIDENTS, LIVE_WORK_STUDY = "paris_residents", "live_work_study"
ELIGIBILITY = {
    PARIS_RESIDENTS: "Personnes qui habitent à Paris (selon leur profil)",
    LIVE_WORK_STUDY: "Personnes qui habitent, travaillent ou étudient à Paris (déclaré à la signature)",
}

CLOSED_AT_DEADLINE, CLOSED_AFTER_ANSWER = "deadline", "answered"

MODERATOR_ROLES = ("moderator", "admin")

TITLE_MIN, TITLE_MAX = 10, 150
ASKS_MIN, ASKS_MAX = 20, 3000
BACKGROUND_MIN, BACKGROUND_MAX = 20, 5000
REASON_MAX, RESPONSE_MAX = 2000, 10000
THRESHOLD_MAX = 10_000_000

# The count of a petition is the sum of a few counter rows, each signature adding one to a random
# row: concurrent signatures of one petition do not all queue on the same row lock.
COUNTER_SHARDS = 16


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any.

    `code` RULE_BROKEN is bad input (400); any other code is a conflict with the petition's
    state (409), named by the code.
    """

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


class NotAllowed(RuleBroken):
    """The caller may not do this (403), e.g. sign a petition they are not eligible for."""


# --- texts -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Trimmed, with Windows line ends and control characters removed (tabs and new lines stay)."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def check_length(text: str, field: str, minimum: int, maximum: int) -> str:
    if not text:
        raise RuleBroken("Ce champ ne peut pas être vide.", field)
    if len(text) < minimum:
        raise RuleBroken(f"Au moins {minimum} caractères.", field)
    if len(text) > maximum:
        raise RuleBroken(f"Au plus {maximum} caractères.", field)
    return text


def check_title(title: str) -> str:
    return check_length(" ".join(clean_text(title).split()), "title", TITLE_MIN, TITLE_MAX)


def check_asks(asks: str) -> str:
    return check_length(clean_text(asks), "asks", ASKS_MIN, ASKS_MAX)


def check_background(background: str) -> str:
    return check_length(clean_text(background), "background", BACKGROUND_MIN, BACKGROUND_MAX)


def check_arrondissement(arrondissement: int | None) -> int | None:
    if arrondissement is not None and not 1 <= arrondissement <= 20:
        raise RuleBroken("Arrondissement de 1 à 20, ou aucun pour tout Paris.", "arrondissement")
    return arrondissement


def check_reason(reason: str) -> str:
    return check_length(clean_text(reason), "reason", 10, REASON_MAX)


def check_response(response: str) -> str:
    return check_length(clean_text(response), "response", 20, RESPONSE_MAX)


def fold(text: str) -> str:
    """Lower case without accents: « Pétition » and « petition » are found by the same search."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def searchable(title: str, asks: str) -> str:
    return fold(f"{title}\n{asks}")


def author_pseudonym(pseudonym: str | None) -> str:
    return (pseudonym or "").strip()[:60] or ANONYMOUS_PSEUDONYM


def new_sponsor_token() -> str:
    """The private link's token: 256 random bits, unguessable."""
    return secrets.token_urlsafe(32)


def _fit(text: str, minimum: int, maximum: int, filler: str) -> str:
    text = text if len(text) >= minimum else f"{text} {filler}".strip()
    return text if len(text) <= maximum else text[:maximum - 1].rstrip() + "…"


def prefill_from_idea(title: str, description: str, arrondissement: int | None) -> dict:
    """The draft a forwarded idea becomes for its author: the idea's words, fitted to the petition's limits
    (the author reviews and completes them before looking for co-sponsors)."""
    title = " ".join(clean_text(title).split())
    return {
        "title": _fit(title, TITLE_MIN, TITLE_MAX, "(pétition)"),
        "asks": _fit(clean_text(description), ASKS_MIN, ASKS_MAX, "(à préciser par l'auteur)"),
        "background": f"Cette pétition reprend l'idée « {title[:100]} » déposée dans la boîte à idées du hub de la "
                      "participation. Complétez ce contexte avant de chercher vos co-parrains.",
        "arrondissement": arrondissement if arrondissement is not None and 1 <= arrondissement <= 20 else None,
    }


# --- roles -----------------------------------------------------------------------------------

def is_moderator(roles) -> bool:
    return bool(set(roles or ()) & set(MODERATOR_ROLES))


def is_admin(roles) -> bool:
    return "admin" in (roles or ())


def top_role(roles) -> str:
    for role in ("admin", "moderator", "agent"):
        if role in (roles or ()):
            return role
    return "citizen"


# --- the life of a petition -----------------------------------------------------------------------

def check_editable(status: str, sponsors: int):
    if status != DRAFT:
        raise RuleBroken("Seul un brouillon peut être modifié.", code="NOT_A_DRAFT")
    if sponsors:
        raise RuleBroken("Le texte ne peut plus être modifié : des co-parrains l'ont déjà soutenu tel quel.",
                         code="DRAFT_LOCKED")


def check_can_sponsor(status: str, is_author: bool, already: bool):
    if is_author:
        raise RuleBroken("Vous ne pouvez pas parrainer votre propre pétition : partagez le lien avec d'autres "
                         "personnes.", code="OWN_PETITION")
    if status != DRAFT:
        raise RuleBroken("Cette pétition a déjà été soumise à la modération : elle ne recueille plus de "
                         "co-parrains.", code="NOT_A_DRAFT")
    if already:
        raise RuleBroken("Vous parrainez déjà cette pétition.", code="ALREADY_SPONSORED")


def check_can_submit(status: str, sponsors: int, required: int):
    if status != DRAFT:
        raise RuleBroken("Cette pétition a déjà été soumise.", code="NOT_A_DRAFT")
    if sponsors < required:
        missing = required - sponsors
        raise RuleBroken(f"Il manque encore {missing} co-parrain{'s' if missing > 1 else ''} sur {required} "
                         "avant de pouvoir soumettre la pétition.", code="NOT_ENOUGH_SPONSORS")


def check_awaiting_moderation(status: str):
    if status != SUBMITTED:
        raise RuleBroken("Cette pétition n'est pas en attente de modération.", code="NOT_AWAITING_MODERATION")


def check_rejection(code: str, hidden: bool):
    if code not in REJECTION_CODES:
        raise RuleBroken("Motif de refus inconnu.", "code")
    if hidden and code not in ("offensive", "personal_data", "other"):
        raise RuleBroken("Seule une pétition injurieuse, contenant des données personnelles ou refusée pour un "
                         "autre motif légal peut être masquée.", "hidden")


def check_can_sign(status: str, closes_at: datetime | None, now: datetime):
    if status in (DRAFT, SUBMITTED):
        raise RuleBroken("Cette pétition n'est pas publiée : elle ne peut pas encore être signée.",
                         code="PETITION_NOT_PUBLISHED")
    if status == REJECTED:
        raise RuleBroken("Cette pétition a été refusée par la modération : elle ne peut pas être signée.",
                         code="PETITION_REJECTED")
    if status not in SIGNABLE_STATUSES or closes_at is None or now >= closes_at:
        raise RuleBroken("Cette pétition est close : elle ne peut plus être signée.", code="PETITION_CLOSED")


@dataclass(frozen=True)
class SignatureBasis:
    """Why this person may sign, as stored with the signature (the arrondissement only, never an address)."""
    lives_in_paris: bool
    works_in_paris: bool
    studies_in_paris: bool
    arrondissement: int | None


def signature_basis(eligibility: str, attributes: dict, declared: dict) -> SignatureBasis:
    """`attributes`: accounts' eligibility attributes of the signer; `declared`: the boxes they ticked.

    Paris residents: the profile must say so. Live, work or study: declared at signing; someone
    whose profile says they live in Paris need not tick anything.
    """
    if not attributes.get("email_verified"):
        raise NotAllowed("Confirmez d'abord votre adresse e-mail pour signer.", code="EMAIL_NOT_VERIFIED")
    profile_lives = attributes.get("lives_in_paris") is True
    arrondissement = attributes.get("arrondissement") if profile_lives else None
    if eligibility == PARIS_RESIDENTS:
        if not profile_lives:
            raise NotAllowed("Cette pétition est réservée aux personnes qui habitent à Paris. Si c'est votre cas, "
                             "indiquez votre adresse parisienne dans « Mon compte ».", code="NOT_ELIGIBLE")
        return SignatureBasis(True, bool(declared.get("works")), bool(declared.get("studies")), arrondissement)
    lives = bool(declared.get("lives")) or profile_lives
    works, studies = bool(declared.get("works")), bool(declared.get("studies"))
    if not (lives or works or studies):
        raise RuleBroken("Cochez au moins une case : vous habitez, travaillez ou étudiez à Paris.", "connection")
    return SignatureBasis(lives, works, studies, arrondissement)


def check_threshold(threshold: int, default: int, actor_is_admin: bool) -> int:
    if not 1 <= threshold <= THRESHOLD_MAX:
        raise RuleBroken(f"Seuil de 1 à {THRESHOLD_MAX} signatures.", "threshold")
    if threshold != default and not actor_is_admin:
        raise NotAllowed(f"Seul un administrateur peut fixer un autre seuil que celui de la Ville ({default}).",
                         code="THRESHOLD_ADMIN_ONLY")
    return threshold


def check_can_schedule(status: str):
    if status not in (THRESHOLD_REACHED, SCHEDULED):
        raise RuleBroken("Seule une pétition qui a atteint son seuil peut être inscrite au Conseil de Paris.",
                         code="THRESHOLD_NOT_REACHED")


def check_council_date(session_date: date, opened_at: date):
    if session_date < opened_at:
        raise RuleBroken("La séance du Conseil ne peut pas précéder la publication de la pétition.", "session_date")


def check_can_answer(status: str):
    if status != SCHEDULED:
        raise RuleBroken("Inscrivez d'abord la pétition à une séance du Conseil de Paris.", code="NOT_SCHEDULED")


def check_decision(decision: str):
    if decision not in DECISIONS:
        raise RuleBroken("Décision inconnue.", "decision")


def check_can_close(status: str):
    if status != ANSWERED:
        raise RuleBroken("Seule une pétition qui a reçu la réponse de la Ville peut être close à la main.",
                         code="NOT_ANSWERED")


def reached(count: int, threshold: int | None) -> bool:
    return threshold is not None and count >= threshold


def progress_percent(count: int, threshold: int | None) -> int:
    if not threshold:
        return 0
    return min(100, count * 100 // threshold)


def due_for_closing(status: str, closes_at: datetime | None, now: datetime) -> str | None:
    """The reason an open or answered petition closes now, or None."""
    if closes_at is None or now < closes_at:
        return None
    return {OPEN: CLOSED_AT_DEADLINE, ANSWERED: CLOSED_AFTER_ANSWER}.get(status)


# --- dates -----------------------------------------------------------------------------------

def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the last day of the month when it is shorter: 31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def moderation_due(submitted_at: datetime, days: int) -> datetime:
    return submitted_at + timedelta(days=days)


def overdue(due_at: datetime | None, now: datetime) -> bool:
    return due_at is not None and now > due_at

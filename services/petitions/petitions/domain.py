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


@dataclass(frozen=True)
class Settings:
    """What the City configures (environment variables PETITIONS_*, read by the service)."""
    sponsors_required: int = 5
    moderation_days: int = 7
    open_months: int = 12
    threshold: int = 5000
    eligibility: str = LIVE_WORK_STUDY
    # signatures per client address and per account: a burst window (one minute) and a sustained one (one hour)
    sign_ip_burst: int = 30
    sign_ip_per_hour: int = 300
    sign_account_burst: int = 5
    sign_account_per_hour: int = 60
    drafts_per_hour: int = 5
    # views and acceptances of co-sponsorship links per account: a few petitions a day sponsored, not link guessing
    sponsor_requests_per_hour: int = 30
    # how long a petition's chart by arrondissement is kept in a petitions process (0: always recounted)
    chart_cache_seconds: int = 0
    # a signer's client address is erased this many days after signing: the fraud view looks back 30 days at
    # most, the rest leaves moderators time to act on a report (docs/security/abuse.md)
    signer_ip_retention_days: int = 90

    def __post_init__(self):
        for name in ("sponsors_required", "moderation_days", "open_months", "threshold", "sign_ip_burst",
                     "sign_ip_per_hour", "sign_account_burst", "sign_account_per_hour", "drafts_per_hour",
                     "signer_ip_retention_days", "sponsor_requests_per_hour"):
            if getattr(self, name) < (0 if name == "sponsors_required" else 1):
                raise ValueError(f"petitions setting {name} is out of range: {getattr(self, name)}")
        if self.eligibility not in ELIGIBILITY:
            raise ValueError(f"petitions eligibility must be one of {sorted(ELIGIBILITY)}")


# --- texts -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Trimmed, with Windows line ends and control characters removed (tabs and new lines stay)."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _check_length(text: str, field: str, minimum: int, maximum: int) -> str:
    if not text:
        raise RuleBroken("Ce champ ne peut pas être vide.", field)
    if len(text) < minimum:
        raise RuleBroken(f"Au moins {minimum} caractères.", field)
    if len(text) > maximum:
        raise RuleBroken(f"Au plus {maximum} caractères.", field)
    return text


def check_title(title: str) -> str:
    return _check_length(" ".join(clean_text(title).split()), "title", TITLE_MIN, TITLE_MAX)


def check_asks(asks: str) -> str:
    return _check_length(clean_text(asks), "asks", ASKS_MIN, ASKS_MAX)


def check_background(background: str) -> str:
    return _check_length(clean_text(background), "background", BACKGROUND_MIN, BACKGROUND_MAX)


def check_arrondissement(arrondissement: int | None) -> int | None:
    if arrondissement is not None and not 1 <= arrondissement <= 20:
        raise RuleBroken("Arrondissement de 1 à 20, ou aucun pour tout Paris.", "arrondissement")
    return arrondissement


def check_reason(reason: str) -> str:
    return _check_length(clean_text(reason), "reason", 10, REASON_MAX)


def check_response(response: str) -> str:
    return _check_length(clean_text(response), "response", 20, RESPONSE_MAX)


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


# --- anti-fraud ------------------------------------------------------------------------------------

INVALIDATION_REASON_MIN, INVALIDATION_REASON_MAX = 10, 300
TRENDS_HOURS_DEFAULT, TRENDS_HOURS_MAX = 24, 24 * 30
INVALIDATION_IDS_MAX = 1000
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_IP_LIKE = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b|\b[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){3,7}\b")


def check_invalidation_reason(reason: str) -> str:
    """The reason is public (shown on the petition page, next to the count it removed): it must not name anyone,
    so an e-mail address or an IP address in it is refused."""
    reason = _check_length(clean_text(reason), "reason", INVALIDATION_REASON_MIN, INVALIDATION_REASON_MAX)
    if _EMAIL_LIKE.search(reason) or _IP_LIKE.search(reason):
        raise RuleBroken("Le motif est public : pas d'adresse e-mail ni d'adresse IP.", "reason")
    return reason


def check_can_invalidate(opened_at: datetime | None):
    """Only a published petition has signatures to invalidate."""
    if opened_at is None:
        raise RuleBroken("Cette pétition n'a jamais été ouverte aux signatures.", code="PETITION_NOT_PUBLISHED")


# E-mail domains: accounts gives petitions the domain of a signer's address (never the address) and when the
# account was created. A domain whose signers mostly created their account just before signing, or a
# disposable-address service, is a sign of a signature farm; moderators decide.
NEW_ACCOUNT_DAYS = 2
DISPOSABLE_DOMAINS = frozenset({
    "yopmail.com", "yopmail.fr", "yopmail.net", "jetable.org", "jetable.fr.nf", "mailinator.com",
    "guerrillamail.com", "guerrillamail.net", "guerrillamailblock.com", "sharklasers.com", "grr.la",
    "10minutemail.com", "10minutemail.net", "temp-mail.org", "tempmail.com", "tempmail.net", "throwawaymail.com",
    "trashmail.com", "trashmail.de", "trashmail.net", "getnada.com", "nada.email", "dispostable.com",
    "maildrop.cc", "mailnesia.com", "mintemail.com", "mohmal.com", "emailondeck.com", "fakeinbox.com",
    "spamgourmet.com", "mytemp.email", "tempail.com", "moakt.com", "mailcatch.com", "spambox.us",
    "cool.fr.nf", "courriel.fr.nf", "moncourrier.fr.nf", "monemail.fr.nf", "monmail.fr.nf", "speed.1s.fr",
})
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{3,253}}$){_LABEL}(?:\.{_LABEL})+$")


@dataclass(frozen=True)
class SignerDomain:
    """One signature, as far as the domain view reads it."""
    domain: str
    signed_at: datetime
    invalidated: bool
    registered_at: datetime | None


def parse_moment(value) -> datetime | None:
    """An ISO 8601 date-time from the wire (or a datetime already), None if absent."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def is_disposable(email_domain: str) -> bool:
    """A known disposable-address service, or a subdomain of one."""
    parts = email_domain.split(".")
    return any(".".join(parts[start:]) in DISPOSABLE_DOMAINS for start in range(len(parts) - 1))


def domain_trends(signatures: list, top: int) -> list:
    """The domains that signed most, with their share of the signatures looked at, first and last time, how
    many were invalidated, how many came from accounts created less than NEW_ACCOUNT_DAYS before signing,
    and whether the domain is a disposable-address service."""
    total = len(signatures)
    by_domain = {}
    for signature in signatures:
        by_domain.setdefault(signature.domain, []).append(signature)
    fresh = timedelta(days=NEW_ACCOUNT_DAYS)
    trends = [{
        "domain": name, "signatures": len(rows), "share_percent": round(100 * len(rows) / total, 1),
        "invalidated": sum(row.invalidated for row in rows),
        "first_at": min(row.signed_at for row in rows), "last_at": max(row.signed_at for row in rows),
        "new_accounts": sum(row.registered_at is not None and row.signed_at - row.registered_at < fresh
                            for row in rows),
        "disposable": is_disposable(name),
    } for name, rows in by_domain.items()]
    trends.sort(key=lambda trend: (-trend["signatures"], trend["domain"]))
    return trends[:top]


def check_email_domain(email_domain: str) -> str:
    """"@Yopmail.com " -> "yopmail.com"; anything that is not a domain name is refused."""
    cleaned = (email_domain or "").strip().lower().lstrip("@")
    if not _DOMAIN.match(cleaned):
        raise RuleBroken("Nom de domaine attendu, par exemple « exemple.fr » (sans adresse e-mail).", "email_domain")
    return cleaned


# --- e-mails to the author and opted-in signers ------------------------------------------------------

NOTIFIED_EVENTS = ("petition_drafted", "petition_threshold_reached", "petition_scheduled_for_council",
                   "petition_answered")


def notification_message(event_type: str, title: str, url: str, payload: dict) -> dict | None:
    """Subject and body of the e-mail a step of the petition sends (accounts adds the greeting); None: no e-mail."""
    quoted = f"« {title} »"
    if event_type == "petition_drafted":
        subject = "Votre idée devient un brouillon de pétition"
        text = (f"La Ville de Paris propose que votre idée devienne une pétition. Un brouillon {quoted} a été "
                f"préparé à partir de votre idée : relisez-le, complétez-le, puis partagez son lien de parrainage "
                f"avec vos co-parrains avant de le soumettre à la modération. Rien n'est publié sans vous.")
    elif event_type == "petition_threshold_reached":
        subject = "Votre pétition a atteint son seuil"
        text = (f"La pétition {quoted} a atteint {payload.get('signatures_count', '')} signatures, son seuil de "
                f"{payload.get('threshold', '')}. La Ville de Paris va l'inscrire à l'ordre du jour du Conseil "
                f"de Paris.")
    elif event_type == "petition_scheduled_for_council":
        subject = "Pétition inscrite au Conseil de Paris"
        text = (f"La pétition {quoted} est inscrite à la séance du Conseil de Paris du "
                f"{_date_fr(payload.get('session_date', ''))}.")
    elif event_type == "petition_answered":
        subject = "La Ville de Paris a répondu à la pétition"
        text = f"La Ville de Paris a publié sa réponse officielle à la pétition {quoted}."
    else:
        return None
    return {"subject": subject,
            "body": f"{text}\n\nVoir la pétition : {url}\n\nVous recevez ce message parce que vous en êtes l'auteur "
                    f"ou l'autrice, ou parce que vous avez demandé à être tenu·e informé·e en la signant."}


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _date_fr(iso: str) -> str:
    """"2027-02-09" -> "9 février 2027" (anything else is returned as it came)."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"

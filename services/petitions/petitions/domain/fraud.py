"""Anti-fraud rules of petitions: public invalidation reasons, e-mail domains and what their signers look like."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from .petition import RuleBroken, check_length, clean_text

INVALIDATION_REASON_MIN, INVALIDATION_REASON_MAX = 10, 300
TRENDS_HOURS_DEFAULT, TRENDS_HOURS_MAX = 24, 24 * 30
INVALIDATION_IDS_MAX = 1000
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_IP_LIKE = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b|\b[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){3,7}\b")


def check_invalidation_reason(reason: str) -> str:
    """The reason is public (shown on the petition page, next to the count it removed): it must not name anyone,
    so an e-mail address or an IP address in it is refused."""
    reason = check_length(clean_text(reason), "reason", INVALIDATION_REASON_MIN, INVALIDATION_REASON_MAX)
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

"""The scheme catalogue's rules: kinds, deliveries, and the checks on a scheme's fields."""
import re
from urllib.parse import urlparse

from .access import RuleBroken, clean_text, one_line

INTERNAL, EXTERNAL = "internal", "external"
KINDS = {INTERNAL: "Dispositif du hub", EXTERNAL: "Dispositif extérieur au hub"}
EVENT, WEBHOOK, EMAIL = "event", "webhook", "email"
DELIVERIES = {EVENT: "Événement du hub", WEBHOOK: "Appel HTTPS signé (webhook)", EMAIL: "Courriel"}

BUDGET, PETITION, GREENING_PERMIT, STREET_REPORT, DIRECT_ANSWER = (
    "budget", "petition", "greening_permit", "street_report", "direct_answer")

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")
NAME_MAX, DESCRIPTION_MAX, KEYWORD_MAX, KEYWORDS_MAX = 120, 2000, 60, 60
DEADLINE_DAYS_MAX = 365


def check_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        raise RuleBroken("Code en minuscules, chiffres et « _ », 2 à 40 caractères, commençant par une lettre.",
                         "code")
    return code


def check_name(name: str) -> str:
    name = one_line(name)
    if not name:
        raise RuleBroken("Donnez un nom au dispositif.", "name")
    if len(name) > NAME_MAX:
        raise RuleBroken(f"Au plus {NAME_MAX} caractères.", "name")
    return name


def check_description(description: str) -> str:
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise RuleBroken(f"Au plus {DESCRIPTION_MAX} caractères.", "description")
    return description


def check_direction(direction: str, known: list) -> str:
    """One of the City's directions (`known`: their codes, from accounts), with the message a form shows."""
    if direction not in known:
        raise RuleBroken(f"Doit être l'une des valeurs : {', '.join(known)}.", "direction")
    return direction


def check_deadline_days(days: int) -> int:
    if not isinstance(days, int) or not 1 <= days <= DEADLINE_DAYS_MAX:
        raise RuleBroken(f"Un délai de réponse de 1 à {DEADLINE_DAYS_MAX} jours.", "deadline_days")
    return days


def check_keywords(keywords) -> list:
    """Keywords one by one (trimmed, lower-case, without duplicates)."""
    cleaned = []
    for keyword in keywords or []:
        keyword = one_line(keyword).lower()
        if not keyword:
            continue
        if len(keyword) > KEYWORD_MAX:
            raise RuleBroken(f"Chaque mot-clé fait au plus {KEYWORD_MAX} caractères.", "keywords")
        if keyword not in cleaned:
            cleaned.append(keyword)
    if len(cleaned) > KEYWORDS_MAX:
        raise RuleBroken(f"Au plus {KEYWORDS_MAX} mots-clés.", "keywords")
    return cleaned


def check_delivery(kind: str, delivery: str, webhook_url: str | None, email: str | None,
                   allow_plain_http: bool = False) -> tuple:
    """How a scheme receives forwarded ideas: returns (delivery, webhook_url, email).

    An internal scheme is told by the hub's own event; an external one by a signed HTTPS webhook or by e-mail.
    `allow_plain_http`: local runs and tests deliver to http://127.0.0.1 receivers.
    """
    if kind not in KINDS:
        raise RuleBroken("Dispositif interne ou externe.", "kind")
    if delivery not in DELIVERIES:
        raise RuleBroken("Choisissez un mode de transmission.", "delivery")
    if kind == INTERNAL and delivery != EVENT:
        raise RuleBroken("Un dispositif interne reçoit les idées par un événement du hub.", "delivery")
    if kind == EXTERNAL and delivery == EVENT:
        raise RuleBroken("Un dispositif externe reçoit les idées par webhook ou par courriel.", "delivery")
    webhook_url, email = (webhook_url or "").strip() or None, (email or "").strip() or None
    if delivery == WEBHOOK:
        parsed = urlparse(webhook_url or "")
        allowed = ("https", "http") if allow_plain_http else ("https",)
        if parsed.scheme not in allowed or not parsed.hostname:
            raise RuleBroken("Adresse HTTPS du webhook attendue (https://…).", "webhook_url")
        return delivery, webhook_url, None
    if delivery == EMAIL:
        if not email or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise RuleBroken("Adresse électronique du dispositif attendue.", "email")
        return delivery, None, email
    return delivery, None, None

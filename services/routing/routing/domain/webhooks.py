"""The rules of webhooks, in plain Python: how the hub signs a dossier and backs off, where it may call a scheme
(no loopback, private, link-local or metadata address unless an allowed network says so), and how a scheme's answer
is signed and kept from replay.

No sockets here: adapters/webhooks.py resolves names and connects; these rules judge the addresses it found.
"""
import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta, timezone

from .access import NotAllowed, RuleBroken, clean_text, one_line

SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
DELIVERY_HEADER = "X-Hub-Delivery"
EVENT_HEADER = "X-Hub-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>") on a dossier the hub sends: the timestamp is
    signed too, so the scheme can refuse a captured call played later. (A scheme's answer is signed otherwise,
    over its method and path too: sign_answer.)"""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int, base_seconds: float, cap_seconds: float = 6 * 3600) -> timedelta:
    """Wait before the next try after `attempts` failed ones: base, 2×base, 4×base... at most `cap_seconds`."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


# --- a delivery as people see it --------------------------------------------------------------------------

PENDING_DELIVERY, DELAYED, GIVEN_UP, DELIVERED = "pending", "delayed", "given_up", "delivered"
DELIVERY_STATE_LABELS = {
    PENDING_DELIVERY: "En cours de transmission", DELIVERED: "Transmis",
    DELAYED: "Transmission retardée : le dispositif ne répond pas, le hub réessaie automatiquement",
    GIVEN_UP: "Transmission en échec : les agents de la Ville sont prévenus et relanceront le dossier"}
# What a failed call's error says, by its class: the class only (its message may name hosts or addresses).
ERROR_CLASS_LABELS = {
    "ConnectionRefusedError": "connexion refusée", "ConnectionResetError": "connexion interrompue",
    "TimeoutError": "délai dépassé", "timeout": "délai dépassé", "gaierror": "nom inconnu (DNS)",
    "ForbiddenWebhookTarget": "adresse interdite au hub", "SSLCertVerificationError": "certificat TLS refusé",
    "SSLError": "erreur TLS", "RemoteDisconnected": "connexion fermée sans réponse"}


def delivery_state(delivered: bool, attempts: int, max_attempts: int) -> str:
    """Where a webhook delivery stands: not tried yet, failing and retried, given up, or delivered."""
    if delivered:
        return DELIVERED
    if attempts >= max_attempts:
        return GIVEN_UP
    return DELAYED if attempts > 0 else PENDING_DELIVERY


def error_class(last_error: str | None) -> str | None:
    """A failed call's error in a few French words, from its class or HTTP status alone (never its message)."""
    if not last_error:
        return None
    head = last_error.split(":", 1)[0].strip()
    if head.startswith("HTTP ") and head[5:].isdigit():
        return f"réponse {head}"
    return ERROR_CLASS_LABELS.get(head, f"erreur réseau ({head})" if head.isidentifier() else "erreur réseau")


ANSWER_MAX = 4000


def check_scheme_answer(answer: str, status: str | None) -> tuple:
    answer = clean_text(answer)
    if not answer:
        raise RuleBroken("La réponse du dispositif est vide.", "answer")
    if len(answer) > ANSWER_MAX:
        raise RuleBroken(f"Au plus {ANSWER_MAX} caractères.", "answer")
    status = one_line(status)[:40] or "answered"
    return answer, status


# --- where the hub may call -------------------------------------------------------------------------------

ALLOWED_NETWORKS_SETTING = "ROUTING_WEBHOOK_ALLOWED_NETWORKS"

# Cloud instance metadata: refused even inside an allowed network (they hand out the host's credentials).
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                            "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(address) for address in (
    "169.254.169.254", "169.254.170.2", "169.254.170.23",  # AWS, GCP, Azure, OpenStack; ECS and EKS agents
    "fd00:ec2::254", "fd00:ec2::23",  # AWS over IPv6
    "100.100.100.200",  # Alibaba Cloud
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_allowed_networks(text: str) -> tuple:
    """`ROUTING_WEBHOOK_ALLOWED_NETWORKS`: CIDRs separated by commas or spaces (empty: none)."""
    networks = []
    for item in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{ALLOWED_NETWORKS_SETTING}: {item!r} is not a network (CIDR such as 10.20.0.0/16)") \
                from None
    return tuple(networks)


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 one carries (mapped ::ffff:a.b.c.d, 6to4, Teredo, NAT64), which is the one
    really reached."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _why_not_public(address) -> str | None:
    if address.is_unspecified:
        return "adresse non spécifiée"
    if address.is_loopback:
        return "boucle locale (loopback)"
    if address.is_link_local:
        return "adresse lien-local"
    if address.is_multicast:
        return "adresse de multidiffusion"
    if address.is_reserved:
        return "adresse réservée"
    if address.is_private:
        return "réseau privé"
    if not address.is_global:
        return "adresse non publique"
    return None


def forbidden_address_reason(address: str, allowed_networks: tuple = ()) -> str | None:
    """Why the hub may not call this resolved address, in French; None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scoped IPv6 address (fe80::1%eth0) without its zone
    embedded = _embedded_ipv4(ip)
    reached = [ip] if embedded is None else [embedded, ip]  # the IPv4 address reached is judged first
    if any(candidate in METADATA_ADDRESSES for candidate in reached):
        return "service de métadonnées du cloud"
    if any(candidate in network for candidate in reached for network in allowed_networks):
        return None
    for candidate in reached:
        reason = _why_not_public(candidate)
        if reason:
            return reason
    return None


def check_webhook_host(host: str) -> None:
    """A cloud metadata name is refused before it is even resolved."""
    if host.lower().rstrip(".") in METADATA_HOSTS:
        raise RuleBroken(f"« {host} » est un service de métadonnées du cloud : un webhook ne peut pas l'appeler.",
                         "webhook_url")


def check_webhook_addresses(host: str, addresses: list, allowed_networks: tuple = ()) -> None:
    """Every address the webhook's host resolves to must be public or in an allowed network; a broken rule
    names the host (the resolved address stays out of the message: it would map the internal network)."""
    check_webhook_host(host)
    if not addresses:
        raise RuleBroken(f"« {host} » ne correspond à aucune adresse (DNS).", "webhook_url")
    for address in addresses:
        reason = forbidden_address_reason(address, allowed_networks)
        if reason:
            raise RuleBroken(f"« {host} » mène à une adresse interdite pour un webhook ({reason}). Seuls les "
                             f"réseaux de {ALLOWED_NETWORKS_SETTING} font exception.", "webhook_url")


# --- a scheme's signed answer ---------------------------------------------------------------------------

ANSWER_METHOD = "POST"
ANSWER_MAX_AGE_SECONDS = 300  # older answers are refused: a captured one cannot be played later
ANSWER_MAX_AHEAD_SECONDS = 60  # the scheme's clock may run a little ahead; further is refused


def answer_path(reference: str) -> str:
    """The hub's path a scheme posts its answer to (signed: an answer cannot be moved to another dossier)."""
    return f"/api/v1/routing/dossiers/{reference}/answer"


def answer_signing_string(method: str, path: str, timestamp: int, body: bytes) -> bytes:
    """`<METHOD>\\n<path>\\n<timestamp>\\n<body>`: none of the first three can hold a line break, so the parts
    cannot be shifted into one another; it never equals what the hub signs for a dossier (`<timestamp>.<body>`)."""
    return f"{method}\n{path}\n{timestamp}\n".encode() + body


def sign_answer(secret: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, signing string)>`."""
    digest = hmac.new(secret.encode(), answer_signing_string(method, path, timestamp, body), hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def answer_timestamp(value, now: float) -> int | None:
    """The answer's timestamp if it is recent: at most ANSWER_MAX_AGE_SECONDS old, not from the future beyond a
    small clock difference; None otherwise (or when it is not whole Unix seconds)."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    timestamp = int(text)
    if timestamp < now - ANSWER_MAX_AGE_SECONDS or timestamp > now + ANSWER_MAX_AHEAD_SECONDS:
        return None
    return timestamp


def verify_answer(secret: str, method: str, path: str, timestamp, body: bytes, signature: str,
                  now: float) -> bool:
    """A recent answer signed with the scheme's secret over this method, path, timestamp and body."""
    moment = answer_timestamp(timestamp, now)
    if not secret or moment is None:
        return False
    return hmac.compare_digest(sign_answer(secret, method, path, moment, body), str(signature or ""))


def replay_key(signature: str) -> str:
    """What is remembered of an accepted answer to refuse it again: a digest of its signature (which is unique to
    the dossier, timestamp and body)."""
    return hashlib.sha256(signature.encode()).hexdigest()


def replay_memory_until(timestamp: int) -> datetime:
    """Until when an accepted answer is remembered: past that, its timestamp is refused as too old anyway."""
    return datetime.fromtimestamp(timestamp, timezone.utc) + timedelta(seconds=ANSWER_MAX_AGE_SECONDS)


def watching_direction(actor: dict) -> str | None:
    """Whose failing deliveries a caller watches: an admin every scheme's (None), an agent those of the schemes
    of their direction; anyone else (a moderator, a citizen, an agent of no direction) is refused."""
    roles = set(actor.get("roles") or ())
    if "admin" in roles:
        return None
    if "agent" in roles and actor.get("direction"):
        return actor["direction"]
    raise NotAllowed("Réservé aux agents d'une direction de la Ville et aux administrateurs.")

"""Rules of the one account, in plain Python (no database, no nameko, no Flask)."""
import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

ANONYMOUS_PSEUDONYM = "Citoyen·ne anonyme"

ROLES = ("citizen", "agent", "moderator", "admin")
GRANTABLE_ROLES = ("agent", "moderator", "admin")

# The City of Paris directions an agent can belong to (code -> name).
DIRECTIONS = {
    "DDCT": "Direction de la démocratie, des citoyen·ne·s et des territoires",
    "DEVE": "Direction des espaces verts et de l'environnement",
    "DVD": "Direction de la voirie et des déplacements",
    "DU": "Direction de l'urbanisme",
    "DPE": "Direction de la propreté et de l'eau",
    "DAC": "Direction des affaires culturelles",
    "DASCO": "Direction des affaires scolaires",
    "DJS": "Direction de la jeunesse et des sports",
    "DFPE": "Direction des familles et de la petite enfance",
    "DLH": "Direction du logement et de l'habitat",
    "DAE": "Direction de l'attractivité et de l'emploi",
    "DCPA": "Direction des constructions publiques et de l'architecture",
    "DSOL": "Direction des solidarités",
    "DICOM": "Direction de l'information et de la communication",
    "DSIN": "Direction des systèmes d'information et du numérique",
}

DECLARED, VERIFIED = "declared", "verified"

VERIFY_EMAIL_TTL = timedelta(hours=48)
RESET_PASSWORD_TTL = timedelta(hours=1)
CHANGE_EMAIL_TTL = timedelta(hours=24)

PASSWORD_MIN, PASSWORD_MAX = 10, 128
PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 40
_PSEUDONYM_CHARS = re.compile(r"^[\w .'’-]+\Z")
_RESERVED_PSEUDONYMS = {"admin", "administrateur", "moderateur", "moderation", "ville de paris",
                        "mairie de paris", "citoyen·ne anonyme", "citoyenne anonyme", "citoyen anonyme"}
_COMMON_PASSWORDS = {"motdepasse", "motdepasse1", "motdepasse123", "azertyuiop", "password123",
                     "1234567890", "0123456789", "azerty1234", "qwertyuiop", "paris75000", "jetaime1234"}


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any."""

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_whole_address(query: str) -> bool:
    """The account search reveals e-mail addresses only for a whole address (an exact, audited lookup): a
    fragment (« @gmail », « dupont ») matches pseudonyms only and shows no address."""
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", query.strip()) is not None


def email_domain(email: str) -> str:
    """"Camille@Exemple.FR" -> "exemple.fr": the part other services may see (never the address)."""
    local, at, domain = normalise_email(email).rpartition("@")
    return domain if at else ""  # a malformed value never comes back whole


def pseudonym_key(pseudonym: str) -> str:
    """Two pseudonyms that look alike to a reader are the same pseudonym."""
    folded = unicodedata.normalize("NFKD", pseudonym).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[\s.'’_-]+", "", folded)


def check_pseudonym(pseudonym: str) -> str:
    pseudonym = " ".join(pseudonym.split())
    if not PSEUDONYM_MIN <= len(pseudonym) <= PSEUDONYM_MAX:
        raise RuleBroken(f"Entre {PSEUDONYM_MIN} et {PSEUDONYM_MAX} caractères.", "pseudonym")
    if not _PSEUDONYM_CHARS.match(pseudonym):
        raise RuleBroken("Lettres, chiffres, espaces, points, tirets et apostrophes seulement.", "pseudonym")
    if pseudonym.casefold() in _RESERVED_PSEUDONYMS or pseudonym_key(pseudonym) in {
            pseudonym_key(p) for p in _RESERVED_PSEUDONYMS}:
        raise RuleBroken("Ce pseudonyme est réservé.", "pseudonym")
    return pseudonym


def check_password(password: str, email: str = "", pseudonym: str = ""):
    if len(password) < PASSWORD_MIN:
        raise RuleBroken(f"Au moins {PASSWORD_MIN} caractères.", "password")
    if len(password) > PASSWORD_MAX:
        raise RuleBroken(f"Au plus {PASSWORD_MAX} caractères.", "password")
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(password)) < 4:
        raise RuleBroken("Ce mot de passe est trop courant ou trop simple.", "password")
    if (email and lowered == email.lower()) or (pseudonym and lowered == pseudonym.lower()):
        raise RuleBroken("Le mot de passe ne doit pas reprendre votre e-mail ou votre pseudonyme.", "password")


# --- residence -------------------------------------------------------------------------------

PARIS_CENTRE = (1, 2, 3, 4)


# The residential postcodes of Paris and their arrondissement: 75001..75020, and 75116 for the north of the 16e.
# The hub's one copy: other services read it from `reference_data` (budget's paper ballots check a postcode).
PARIS_POSTCODES = {**{f"750{number:02d}": number for number in range(1, 21)}, "75116": 16}


def arrondissement_for_postcode(postcode: str) -> int:
    """75001..75020 -> 1..20; 75116 is the 16e. Anything else is not a Paris residential postcode."""
    arrondissement = PARIS_POSTCODES.get((postcode or "").strip())
    if arrondissement is None:
        raise RuleBroken("Code postal parisien attendu (75001 à 75020, ou 75116).", "postcode")
    return arrondissement


def arrondissement_name(number: int) -> str:
    return "1er arrondissement" if number == 1 else f"{number}e arrondissement"


def arrondissements() -> list:
    """Each arrondissement with its name and postcodes, as `reference_data` serves them."""
    return [{"number": number, "name": arrondissement_name(number),
             "postcodes": sorted(code for code, of in PARIS_POSTCODES.items() if of == number)}
            for number in sorted(set(PARIS_POSTCODES.values()))]


@dataclass(frozen=True)
class Sector:
    """The territory an arrondissement votes in: Paris Centre groups the 1er to 4e since 2020."""
    code: str
    label: str
    insee: str


@functools.lru_cache(maxsize=32)  # 20 arrondissements; a Sector is immutable
def sector_of(arrondissement: int) -> Sector:
    if arrondissement in PARIS_CENTRE:
        return Sector("paris-centre", "Paris Centre", "75123")
    if not 5 <= arrondissement <= 20:
        raise RuleBroken("Arrondissement inconnu.", "arrondissement")
    return Sector(f"paris-{arrondissement}", arrondissement_label(arrondissement), f"751{arrondissement:02d}")


def arrondissement_label(arrondissement: int) -> str:
    return "1er arrondissement" if arrondissement == 1 else f"{arrondissement}e arrondissement"


def check_birth_date(birth_date: date, today: date) -> date:
    if birth_date > today:
        raise RuleBroken("La date de naissance ne peut pas être dans le futur.", "birth_date")
    if birth_date.year < 1900:
        raise RuleBroken("Date de naissance invalide.", "birth_date")
    return birth_date


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class Residence:
    lives_in_paris: bool
    address_line: str | None = None
    postcode: str | None = None
    arrondissement: int | None = None


def residence(lives_in_paris: bool, address_line: str | None, postcode: str | None) -> Residence:
    """Only a Paris address is kept: it is what eligibility needs, and nothing more (data minimisation)."""
    address_line = (address_line or "").strip() or None
    postcode = (postcode or "").strip() or None
    if not lives_in_paris:
        if address_line or postcode:
            raise RuleBroken("Ne renseignez une adresse que si vous habitez à Paris.", "address_line")
        return Residence(False)
    if not address_line:
        raise RuleBroken("Indiquez votre adresse de résidence.", "address_line")
    if not postcode:
        raise RuleBroken("Indiquez votre code postal.", "postcode")
    return Residence(True, address_line, postcode, arrondissement_for_postcode(postcode))


def certification_after_change(current: str, attributes_changed: bool) -> str:
    """An agent verified the attributes as they were: changing them makes them declared again."""
    return DECLARED if attributes_changed else current


# --- roles -----------------------------------------------------------------------------------

def check_grant(role: str, direction: str | None):
    if role not in GRANTABLE_ROLES:
        raise RuleBroken("Rôle inconnu ou non attribuable.", "role")
    if role == "agent" and direction not in DIRECTIONS:
        raise RuleBroken("Un agent est rattaché à une direction de la Ville.", "direction")
    if role != "agent" and direction:
        raise RuleBroken("Seul un agent est rattaché à une direction.", "direction")


def check_revoke(role: str, is_last_admin: bool):
    if role == "citizen":
        raise RuleBroken("Tout compte est citoyen : ce rôle ne se retire pas.", "role")
    if role == "admin" and is_last_admin:
        raise RuleBroken("Impossible de retirer le dernier administrateur.", "role", code="LAST_ADMIN")


# --- sessions --------------------------------------------------------------------------------

STAFF_ROLES = frozenset({"agent", "moderator", "admin"})


@dataclass(frozen=True)
class SessionTimeouts:
    idle: timedelta  # without a request
    absolute: timedelta  # since the login, whatever the activity


def session_timeouts(roles, citizens: SessionTimeouts, staff: SessionTimeouts) -> SessionTimeouts:
    """Staff sessions act on other people's content and data: they end sooner."""
    return staff if STAFF_ROLES & set(roles) else citizens


def session_ends_at(created_at: datetime, last_seen_at: datetime, timeouts: SessionTimeouts) -> datetime:
    return min(created_at + timeouts.absolute, last_seen_at + timeouts.idle)


# --- secrets ---------------------------------------------------------------------------------

def new_secret() -> str:
    """A random, unguessable token (256 bits) for links and sessions."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """Only digests of tokens are stored: a database leak gives no usable link or session."""
    return hashlib.sha256(secret.encode()).hexdigest()

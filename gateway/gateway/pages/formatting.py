"""French wording of what the services return: dates, roles, arrondissements, certification."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    PARIS = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # pragma: no cover - no time zone database on this system
    PARIS = timezone.utc

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")

ROLE_LABELS = {"citizen": "Citoyen·ne", "agent": "Agent·e de la Ville", "moderator": "Modérateur·rice",
               "admin": "Administrateur·rice"}

SESSION_KINDS = {"browser": "Navigateur", "api": "Application (API)"}


def _parse(value):
    if isinstance(value, (date, datetime)) or not value:
        return value
    try:
        return datetime.fromisoformat(str(value)) if "T" in str(value) else date.fromisoformat(str(value))
    except ValueError:
        return None


def date_fr(value) -> str:
    """"1990-05-14" -> "14 mai 1990" (the 1st of a month is "1er")."""
    moment = _parse(value)
    if not moment:
        return ""
    if isinstance(moment, datetime):
        moment = _in_paris(moment).date()
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def datetime_fr(value) -> str:
    """An ISO date and time, in Paris time: "3 mars 2026 à 14 h 05"."""
    moment = _parse(value)
    if not moment:
        return ""
    if not isinstance(moment, datetime):
        return date_fr(moment)
    moment = _in_paris(moment)
    return f"{date_fr(moment.date())} à {moment.hour} h {moment.minute:02d}"


def _in_paris(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS)


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def arrondissement_label(number) -> str:
    if number in (None, ""):
        return ""
    number = int(number)
    return "1er arrondissement" if number == 1 else f"{number}e arrondissement"


def certification_label(certification: dict | None) -> str:
    certification = certification or {}
    if certification.get("level") == "verified":
        when = date_fr(certification.get("verified_at"))
        return f"Vérifié par un agent le {when}" if when else "Vérifié par un agent"
    return "Déclaré par vous"


def role_choice(role: str) -> tuple:
    """A role as a (value, label) choice of a select."""
    return role, role_label(role)


def session_kind_label(kind: str) -> str:
    return SESSION_KINDS.get(kind, kind or "")


def yes_no(value) -> str:
    if value is None:
        return "Non renseigné"
    return "Oui" if value else "Non"


FILTERS = {"date_fr": date_fr, "datetime_fr": datetime_fr, "role_label": role_label, "role_choice": role_choice,
           "arrondissement_label": arrondissement_label, "certification_label": certification_label,
           "session_kind_label": session_kind_label, "yes_no": yes_no}

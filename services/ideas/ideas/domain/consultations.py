"""Rules of consultations (like idee.paris), in plain Python: no database, no nameko, no Flask.

A consultation has dates, context, resources (links), an agenda (meetings) and sections; each section
has one participation mode. Its state comes from its dates (lazy: no job has to run for a citizen to be
refused after the closing date); a timer only announces the openings and closings as events.
"""
import hashlib
import secrets
from datetime import date, datetime
from urllib.parse import urlsplit

from .questionnaires import (ANSWER_TEXT_MAX, CHOICE_MAX, CHOICES_MAX, FREE_TEXT, LABEL_MAX,  # noqa: F401 (cd.*)
                             QUESTION_KINDS, QUESTIONNAIRE, QUESTIONS_MAX, AnswersBroken, check_answers,
                             check_questions, questionnaire_results)
from .text import RuleBroken, clean_text, one_line

PROPOSALS, ARGUED_VOTE, AMENDABLE_TEXT = "proposals", "argued_vote", "amendable_text"
MODES = {
    PROPOSALS: "Propositions",
    ARGUED_VOTE: "Vote argumenté",
    QUESTIONNAIRE: "Questionnaire",
    AMENDABLE_TEXT: "Texte amendable",
}
PROPOSING_MODES = (PROPOSALS, AMENDABLE_TEXT)  # where citizens post proposals (and argue on them)

UPCOMING, OPEN, CLOSED = "upcoming", "open", "closed"
STATES = {UPCOMING: "À venir", OPEN: "En cours", CLOSED: "Terminée"}

AGREE, DISAGREE = "agree", "disagree"
POSITIONS = {AGREE: "D'accord", DISAGREE: "Pas d'accord"}

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
AMENDMENT_STATUSES = {PENDING: "En attente", ACCEPTED: "Accepté", REJECTED: "Rejeté"}
DECISIONS = {"accept": ACCEPTED, "reject": REJECTED}

SORTS = ("random", "most_supported", "newest")
SHUFFLE_MODULUS = 2_147_483_647  # a prime; every key and rank is below it, so (key × a) fits in 62 bits
PROPOSALS_PAGE_SIZE, PROPOSALS_PAGE_MAX = 20, 100
AGENT_ROLES = ("agent", "admin")

TITLE_MIN, TITLE_MAX = 5, 140
CONTEXT_MAX = 20_000
SECTION_TEXT_MAX = 20_000
PROPOSAL_MIN, PROPOSAL_MAX = 10, 5000
ARGUMENT_MIN, ARGUMENT_MAX = 5, 2000
URL_MAX, PLACE_MAX = 500, 200
RESOURCES_MAX, AGENDA_MAX, SECTIONS_MAX = 30, 30, 20
SYNTHESIS_MAX, DECISION_MAX, BODY_NAME_MAX = 20_000, 10_000, 200


def is_agent(roles) -> bool:
    return bool(set(roles or ()) & set(AGENT_ROLES))


# --- who runs a consultation: the direction that owns it ----------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"
DIRECTION_CODE = r"^[A-Z]{2,8}\Z"  # the form of a direction's code (accounts': "DVD", "DEVE"…)
# A consultation is owned by the direction of the agent who created it (or the one an administrator names). The
# City's directions are the accounts service's: the use cases pass them in, {code: name}, as accounts answers.


class OutsideDirection(RuleBroken):
    """The caller does not run this consultation (403); `direction` names its owning direction."""

    def __init__(self, message: str, direction: str | None, code: str = OUTSIDE_DIRECTION):
        super().__init__(message, "direction", code)
        self.direction = direction


def direction_label(direction: str | None, directions: dict) -> str:
    return f"{direction} ({directions[direction]})" if direction in directions else "(aucune)"


def runs(actor: dict | None, owner_direction: str | None) -> bool:
    """Admins run every consultation; an agent those of their direction (one without a direction: admins only)."""
    roles = set((actor or {}).get("roles") or ())
    return "admin" in roles or ("agent" in roles and bool(owner_direction)
                                and (actor or {}).get("direction") == owner_direction)


def outside_direction(actor: dict, owner_direction: str | None, directions: dict) -> OutsideDirection:
    """Why someone who does not `run` a consultation is refused, naming the directions (their labels)."""
    owner = direction_label(owner_direction, directions)
    if "agent" not in set(actor.get("roles") or ()):
        return OutsideDirection(f"Réservé aux agents de la direction {owner} et aux administrateurs.",
                                owner_direction, code="FORBIDDEN")
    mine = actor.get("direction")
    yours = (f"vous êtes agent de la direction {direction_label(mine, directions)}" if mine
             else "votre compte d'agent n'est rattaché à aucune direction")
    if not owner_direction:
        return OutsideDirection(f"Aucune direction ne pilote cette consultation : réservé aux administrateurs "
                                f"({yours}).", owner_direction)
    return OutsideDirection(f"Cette consultation relève de la direction {owner} : {yours}.", owner_direction)


def check_runs(actor: dict, owner_direction: str | None, directions: dict) -> None:
    """Editing, closing, the synthesis and the agents' word on amendments: admins, and the agents of the owning
    direction; moderators never (they moderate contributions). An agent of another direction: OUTSIDE_DIRECTION."""
    if not runs(actor, owner_direction):
        raise outside_direction(actor, owner_direction, directions)


def may_name_direction(actor: dict) -> bool:
    """Only an administrator names (or changes) the direction that owns a consultation."""
    return "admin" in set(actor.get("roles") or ())


def check_direction(code: str, directions: dict) -> str:
    if code not in directions:
        raise RuleBroken("Choisissez une direction de la Ville.", "direction")
    return code


def owner_at_creation(actor: dict, named: str | None, directions: dict) -> str | None:
    """The owning direction of a new consultation: the creating agent's own; an administrator may name one (else
    only administrators run it)."""
    if may_name_direction(actor):
        return None if named is None else check_direction(named, directions)
    return actor.get("direction")


def state(opens_at: datetime, closes_at: datetime, now: datetime) -> str:
    if now < opens_at:
        return UPCOMING
    return OPEN if now < closes_at else CLOSED


def check_accepts_input(current: str):
    """Nothing is added to a consultation before it opens or after it closes."""
    if current == UPCOMING:
        raise RuleBroken("Cette consultation n'est pas encore ouverte : revenez à partir de sa date d'ouverture.",
                         code="CONSULTATION_NOT_OPEN")
    if current == CLOSED:
        raise RuleBroken("Cette consultation est close : on peut tout relire, mais plus rien y ajouter.",
                         code="CONSULTATION_CLOSED")


# --- what agents write ---------------------------------------------------------------------------

def check_title(title: str, field: str = "title") -> str:
    title = one_line(title)
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise RuleBroken(f"Un titre de {TITLE_MIN} à {TITLE_MAX} caractères.", field)
    return title


def check_text(text: str, field: str, maximum: int, required: bool = True, minimum: int = 1) -> str | None:
    text = clean_text(text)
    if not text:
        if required:
            raise RuleBroken("Ce champ est obligatoire.", field)
        return None
    if not minimum <= len(text) <= maximum:
        raise RuleBroken(f"Entre {minimum} et {maximum} caractères.", field)
    return text


def check_url(url: str, field: str) -> str:
    """Only web links: a `javascript:` or `data:` URL would run in the reader's page."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX or any(c.isspace() for c in url):
        raise RuleBroken("Une adresse web complète est attendue (https://…).", field)
    return url


def check_dates(opens_at: datetime, closes_at: datetime):
    if closes_at <= opens_at:
        raise RuleBroken("La clôture doit suivre l'ouverture.", "closes_at")


def check_resources(resources: list) -> list:
    if len(resources) > RESOURCES_MAX:
        raise RuleBroken(f"Au plus {RESOURCES_MAX} ressources.", "resources")
    checked = []
    for resource in resources:
        label = one_line(resource.get("label"))
        if not label or len(label) > LABEL_MAX:
            raise RuleBroken(f"Chaque ressource a un intitulé de 1 à {LABEL_MAX} caractères.", "resources")
        checked.append({"label": label, "url": check_url(resource.get("url"), "resources")})
    return checked


def check_agenda(meetings: list) -> list:
    if len(meetings) > AGENDA_MAX:
        raise RuleBroken(f"Au plus {AGENDA_MAX} rendez-vous.", "agenda")
    checked = []
    for meeting in meetings:
        title, place = one_line(meeting.get("title")), one_line(meeting.get("place"))
        if not title or len(title) > LABEL_MAX or len(place) > PLACE_MAX:
            raise RuleBroken(f"Chaque rendez-vous a un intitulé de 1 à {LABEL_MAX} caractères.", "agenda")
        if not isinstance(meeting.get("starts_at"), datetime):
            raise RuleBroken("Chaque rendez-vous a une date et une heure.", "agenda")
        checked.append({"title": title, "place": place or None, "starts_at": meeting["starts_at"].isoformat()})
    return sorted(checked, key=lambda meeting: meeting["starts_at"])


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise RuleBroken("Choisissez un mode de participation de la liste.", "mode")
    return mode


def check_section_text(mode: str, text: str | None) -> str | None:
    """The question of an argued vote and the text of an amendable text are required."""
    required = mode in (ARGUED_VOTE, AMENDABLE_TEXT)
    text = check_text(text, "body", SECTION_TEXT_MAX, required=required)
    return text


def check_section_change(has_contributions: bool, old_mode: str, new_mode: str, old_questions, new_questions):
    """Once citizens took part in a section, its mode and questions stay as they answered them."""
    if has_contributions and (old_mode != new_mode or old_questions != new_questions):
        raise RuleBroken("Des citoyen·nes ont déjà participé à cette section : son mode et ses questions ne "
                         "changent plus.", code="SECTION_IN_USE")


# --- what citizens write -------------------------------------------------------------------------

def check_proposing_section(mode: str):
    if mode not in PROPOSING_MODES:
        raise RuleBroken("Cette section ne reçoit pas de propositions.", code="WRONG_SECTION_MODE")


def check_amendable(mode: str, amends_id: str | None):
    if mode != AMENDABLE_TEXT:
        raise RuleBroken("Les propositions de cette section ne s'amendent pas.", code="NOT_AMENDABLE")
    if amends_id is not None:
        raise RuleBroken("Un amendement ne s'amende pas : amendez la proposition elle-même.", code="NOT_AMENDABLE")


def check_argument(position: str, body: str) -> str:
    if position not in POSITIONS:
        raise RuleBroken("Choisissez « D'accord » ou « Pas d'accord ».", "position")
    return check_text(body, "body", ARGUMENT_MAX, minimum=ARGUMENT_MIN)


def check_decision(decision: str, note: str | None) -> tuple:
    if decision not in DECISIONS:
        raise RuleBroken("Acceptez ou rejetez l'amendement.", "decision")
    return DECISIONS[decision], check_text(note, "note", ARGUMENT_MAX, required=False)


def check_amendment_pending(status: str):
    if status != PENDING:
        raise RuleBroken(f"Cet amendement est déjà « {AMENDMENT_STATUSES[status]} ».", code="ALREADY_DECIDED")


def check_synthesis(current: str, synthesis: str, decision: str, deciding_body: str, decided_on: date | None,
                    deliberation_url: str | None) -> dict:
    if current != CLOSED:
        raise RuleBroken("La synthèse se publie une fois la consultation close.", code="CONSULTATION_NOT_CLOSED")
    return {"synthesis": check_text(synthesis, "synthesis", SYNTHESIS_MAX),
            "decision": check_text(decision, "decision", DECISION_MAX),
            "decision_body": check_text(deciding_body, "decision_body", BODY_NAME_MAX),
            "decision_date": decided_on,
            "deliberation_url": check_url(deliberation_url, "deliberation_url") if deliberation_url else None}


# --- reading ---------------------------------------------------------------------------------------

def plural(count: int, word: str, plural_word: str = None) -> str:
    return f"{count} {word if count <= 1 else (plural_word or word + 's')}"


def counters_label(votes: int, amendments: int, arguments: int) -> str:
    """As idee.paris shows them: « 7 votes - 3 amendements - 4 arguments »."""
    return f"{plural(votes, 'vote')} - {plural(amendments, 'amendement')} - {plural(arguments, 'argument')}"


def new_shuffle_key() -> int:
    """A proposal's random number, drawn once when it is posted."""
    return secrets.randbelow(SHUFFLE_MODULUS)


def shuffle_factors(seed: str) -> tuple[int, int]:
    """(a, b) of one visitor's order: proposals are ranked by (key × a + b) mod SHUFFLE_MODULUS, a
    permutation of the keys (the modulus is prime, a is not 0) that SQL computes and pages, and that
    stays the same for one visitor (one seed) during their visit."""
    digest = hashlib.sha256(seed.encode()).digest()
    multiplier = int.from_bytes(digest[:8], "big") % (SHUFFLE_MODULUS - 1) + 1
    return multiplier, int.from_bytes(digest[8:16], "big") % SHUFFLE_MODULUS


def shuffle_rank(key: int, seed: str) -> int:
    multiplier, offset = shuffle_factors(seed)
    return (key * multiplier + offset) % SHUFFLE_MODULUS


# --- e-mails (plain text) ------------------------------------------------------------------------

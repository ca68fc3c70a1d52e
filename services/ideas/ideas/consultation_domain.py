"""Rules of consultations (like idee.paris), in plain Python: no database, no nameko, no Flask.

A consultation has dates, context, resources (links), an agenda (meetings) and sections; each section
has one participation mode. Its state comes from its dates (lazy: no job has to run for a citizen to be
refused after the closing date); a timer only announces the openings and closings as events.
"""
import hashlib
import secrets
from datetime import date, datetime
from urllib.parse import urlsplit

from .domain import RuleBroken, clean_text, one_line

PROPOSALS, ARGUED_VOTE, QUESTIONNAIRE, AMENDABLE_TEXT = "proposals", "argued_vote", "questionnaire", "amendable_text"
MODES = {
    PROPOSALS: "Propositions",
    ARGUED_VOTE: "Vote argumenté",
    QUESTIONNAIRE: "Questionnaire",
    AMENDABLE_TEXT: "Texte amendable",
}
PROPOSING_MODES = (PROPOSALS, AMENDABLE_TEXT)  # where citizens post proposals (and argue on them)

SINGLE, MULTIPLE, FREE_TEXT = "single", "multiple", "text"
QUESTION_KINDS = {SINGLE: "Choix unique", MULTIPLE: "Choix multiples", FREE_TEXT: "Texte libre"}

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
LABEL_MAX, URL_MAX, PLACE_MAX = 200, 500, 200
RESOURCES_MAX, AGENDA_MAX, SECTIONS_MAX = 30, 30, 20
QUESTIONS_MAX, CHOICES_MAX, CHOICE_MAX, ANSWER_TEXT_MAX = 30, 20, 200, 2000
SYNTHESIS_MAX, DECISION_MAX, BODY_NAME_MAX = 20_000, 10_000, 200


def is_agent(roles) -> bool:
    return bool(set(roles or ()) & set(AGENT_ROLES))


# --- who runs a consultation: the direction that owns it ----------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"
# The City's directions (the same codes as the accounts service's); a consultation is owned by the direction of
# the agent who created it (or the one an administrator names).
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


class OutsideDirection(RuleBroken):
    """The caller does not run this consultation (403); `direction` names its owning direction."""

    def __init__(self, message: str, direction: str | None, code: str = OUTSIDE_DIRECTION):
        super().__init__(message, "direction", code)
        self.direction = direction


def direction_label(direction: str | None) -> str:
    return f"{direction} ({DIRECTIONS[direction]})" if direction in DIRECTIONS else "(aucune)"


def runs(actor: dict | None, owner_direction: str | None) -> bool:
    """Admins run every consultation; an agent those of their direction (one without a direction: admins only)."""
    roles = set((actor or {}).get("roles") or ())
    return "admin" in roles or ("agent" in roles and bool(owner_direction)
                                and (actor or {}).get("direction") == owner_direction)


def check_runs(actor: dict, owner_direction: str | None) -> None:
    """Editing, closing, the synthesis and the agents' word on amendments: admins, and the agents of the owning
    direction; moderators never (they moderate contributions). An agent of another direction: OUTSIDE_DIRECTION."""
    if runs(actor, owner_direction):
        return
    owner = direction_label(owner_direction)
    if "agent" not in set(actor.get("roles") or ()):
        raise OutsideDirection(f"Réservé aux agents de la direction {owner} et aux administrateurs.",
                               owner_direction, code="FORBIDDEN")
    mine = actor.get("direction")
    yours = (f"vous êtes agent de la direction {direction_label(mine)}" if mine
             else "votre compte d'agent n'est rattaché à aucune direction")
    if not owner_direction:
        raise OutsideDirection(f"Aucune direction ne pilote cette consultation : réservé aux administrateurs "
                               f"({yours}).", owner_direction)
    raise OutsideDirection(f"Cette consultation relève de la direction {owner} : {yours}.", owner_direction)


def owner_at_creation(actor: dict, named: str | None) -> str | None:
    """The owning direction of a new consultation: the creating agent's own; an administrator may name one (else
    only administrators run it)."""
    if "admin" in set(actor.get("roles") or ()):
        if named is not None and named not in DIRECTIONS:
            raise RuleBroken("Choisissez une direction de la Ville.", "direction")
        return named
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


def check_questions(mode: str, questions: list) -> list:
    """A questionnaire's questions, each with a stable id (`q1`, `q2`…) its answers refer to."""
    if mode != QUESTIONNAIRE:
        if questions:
            raise RuleBroken("Seul un questionnaire a des questions.", "questions")
        return []
    if not questions:
        raise RuleBroken("Un questionnaire a au moins une question.", "questions")
    if len(questions) > QUESTIONS_MAX:
        raise RuleBroken(f"Au plus {QUESTIONS_MAX} questions.", "questions")
    checked = []
    for number, question in enumerate(questions, start=1):
        label = one_line(question.get("label"))
        kind = question.get("kind")
        if not label or len(label) > LABEL_MAX:
            raise RuleBroken(f"Question {number} : un libellé de 1 à {LABEL_MAX} caractères.", "questions")
        if kind not in QUESTION_KINDS:
            raise RuleBroken(f"Question {number} : type inconnu.", "questions")
        choices = [one_line(choice) for choice in question.get("choices") or () if one_line(choice)]
        if kind == FREE_TEXT and choices:
            raise RuleBroken(f"Question {number} : une question à texte libre n'a pas de choix.", "questions")
        if kind != FREE_TEXT and not 2 <= len(choices) <= CHOICES_MAX:
            raise RuleBroken(f"Question {number} : de 2 à {CHOICES_MAX} choix.", "questions")
        if len(set(choices)) != len(choices) or any(len(choice) > CHOICE_MAX for choice in choices):
            raise RuleBroken(f"Question {number} : des choix distincts de {CHOICE_MAX} caractères au plus.",
                             "questions")
        checked.append({"id": f"q{number}", "kind": kind, "label": label, "choices": choices,
                        "required": bool(question.get("required", kind != FREE_TEXT))})
    return checked


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


def check_answers(questions: list, answers: dict) -> dict:
    """The answers to a questionnaire, keyed by question id; every broken answer is named."""
    checked, broken = {}, {}
    known = {question["id"] for question in questions}
    for key in answers:
        if key not in known:
            broken[key] = "Question inconnue."
    for question in questions:
        value = answers.get(question["id"])
        if question["kind"] == FREE_TEXT:
            text = clean_text(value if isinstance(value, str) else "")
            if len(text) > ANSWER_TEXT_MAX:
                broken[question["id"]] = f"Au plus {ANSWER_TEXT_MAX} caractères."
            elif text:
                checked[question["id"]] = text
            elif question["required"]:
                broken[question["id"]] = "Répondez à cette question."
            continue
        chosen = [value] if isinstance(value, str) else list(value or ())
        chosen = [choice for choice in chosen if choice]
        if any(choice not in question["choices"] for choice in chosen):
            broken[question["id"]] = "Choisissez parmi les réponses proposées."
        elif question["kind"] == SINGLE and len(chosen) > 1:
            broken[question["id"]] = "Une seule réponse."
        elif not chosen and question["required"]:
            broken[question["id"]] = "Répondez à cette question."
        elif chosen:
            checked[question["id"]] = chosen[0] if question["kind"] == SINGLE else sorted(
                set(chosen), key=question["choices"].index)
    if broken:
        raise AnswersBroken(broken)
    if not checked:
        raise AnswersBroken({"_schema": "Le questionnaire est vide."})
    return checked


class AnswersBroken(Exception):
    def __init__(self, details: dict):
        super().__init__("answers")
        self.details = details


def questionnaire_results(questions: list, answer_sets: list, free_text_shown: int = 20) -> list:
    """Counts and shares per choice (a multiple choice's shares are of respondents, so they may add up
    past 100 %), and the latest free-text answers."""
    respondents = len(answer_sets)
    results = []
    for question in questions:
        answered = [answers[question["id"]] for answers in answer_sets if question["id"] in answers]
        result = {"id": question["id"], "kind": question["kind"], "label": question["label"],
                  "respondents": len(answered), "choices": [], "texts": []}
        if question["kind"] == FREE_TEXT:
            result["texts"] = answered[-free_text_shown:][::-1]
        else:
            for choice in question["choices"]:
                count = sum(1 for value in answered if (value == choice if isinstance(value, str) else choice in value))
                result["choices"].append({"label": choice, "count": count,
                                          "percent": round(100 * count / respondents) if respondents else 0})
        results.append(result)
    return results


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

def amendment_notice(proposal_title: str, amendment_title: str, url: str) -> str:
    """To a proposal's author: someone amended it, and they decide."""
    return (f"Votre proposition « {proposal_title} » a reçu un amendement : « {amendment_title} ».\n\n"
            f"Vous pouvez l'accepter ou le rejeter tant que la consultation est ouverte : {url}\n")


def decision_notice(amendment_title: str, status: str, note: str | None, url: str) -> str:
    """To an amendment's author: what was decided."""
    verdict = "accepté" if status == ACCEPTED else "rejeté"
    reason = f"\nMotif : {note}\n" if note else ""
    return f"Votre amendement « {amendment_title} » a été {verdict}.\n{reason}\nLa proposition : {url}\n"

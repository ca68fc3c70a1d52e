"""The rules of routing, in plain Python: the scheme catalogue, the explainable suggestion, the
pre-admissibility checklist, deadlines, the undo window, dossier references, webhook signatures and backoff.

No nameko, Flask or database here: handlers.py applies these rules in transactions.
"""
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlparse

# --- the catalogue -----------------------------------------------------------------------------------

INTERNAL, EXTERNAL = "internal", "external"
KINDS = {INTERNAL: "Dispositif du hub", EXTERNAL: "Dispositif extérieur au hub"}
EVENT, WEBHOOK, EMAIL = "event", "webhook", "email"
DELIVERIES = {EVENT: "Événement du hub", WEBHOOK: "Appel HTTPS signé (webhook)", EMAIL: "Courriel"}

BUDGET, PETITION, GREENING_PERMIT, STREET_REPORT, DIRECT_ANSWER = (
    "budget", "petition", "greening_permit", "street_report", "direct_answer")

# The City's directions (the same codes as the accounts service's; an agent belongs to one).
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

# Which direction answers an idea directly, by the idea's theme (ideas service theme codes).
THEME_DIRECTIONS = {
    "cadre_de_vie": "DU", "culture_patrimoine": "DAC", "attractivite_emploi": "DAE",
    "education_jeunesse": "DASCO", "environnement": "DEVE", "mobilites": "DVD", "prevention_securite": "DDCT",
    "proprete": "DPE", "sante": "DSOL", "solidarites": "DSOL", "sport": "DJS",
}
DEFAULT_DIRECTION = "DDCT"

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}\Z")
NAME_MAX, DESCRIPTION_MAX, KEYWORD_MAX, KEYWORDS_MAX = 120, 2000, 60, 60
DEADLINE_DAYS_MAX = 365
MESSAGE_MAX, REASON_MAX = 4000, 2000

# Why an idea is not retained (the code is in the event; the text explains it to the citizen).
NOT_RETAINED_REASONS = {
    "not_city_competence": "Hors des compétences de la Ville",
    "already_done": "Déjà réalisé ou programmé",
    "not_feasible": "Techniquement irréalisable",
    "private_land": "Sur un terrain privé",
    "running_cost": "Dépense de fonctionnement, pas d'investissement",
    "contrary_to_law": "Contraire à la loi ou à un règlement",
    "other": "Autre motif",
}

# Statuses of an inbox item.
WAITING, PENDING, FORWARDED, ANSWERED, NOT_RETAINED, MERGED = (
    "waiting", "pending", "forwarded", "answered", "not_retained", "merged")
STATUSES = {WAITING: "À traiter", PENDING: "Décision en cours (annulable)", FORWARDED: "Transmise",
            ANSWERED: "Réponse apportée", NOT_RETAINED: "Non retenue", MERGED: "Fusionnée (doublon)"}
OPEN_STATUSES = (WAITING, PENDING)

# What an agent decides.
FORWARD, ANSWER, NOT_RETAIN, DUPLICATE = "forward", "answer", "not_retain", "duplicate"
ACTIONS = {FORWARD: "Transmettre à un dispositif", ANSWER: "Répondre directement",
           NOT_RETAIN: "Ne pas retenir", DUPLICATE: "Marquer comme doublon"}
OUTCOME_OF = {FORWARD: FORWARDED, ANSWER: ANSWERED, NOT_RETAIN: NOT_RETAINED, DUPLICATE: MERGED}

STAFF_ROLES = ("agent", "moderator", "admin")


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any.

    `code` RULE_BROKEN is bad input (400); any other code is a conflict with the current state (409).
    """

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


class NotAllowed(RuleBroken):
    """The caller may not do this (403)."""

    def __init__(self, message: str, field: str = None, code: str = "FORBIDDEN"):
        super().__init__(message, field, code)


def is_staff(roles) -> bool:
    return bool(set(roles or ()) & set(STAFF_ROLES))


def acting_role(roles) -> str:
    for role in ("admin", "moderator", "agent"):
        if role in (roles or ()):
            return role
    return "citizen"


def check_staff(roles):
    if not is_staff(roles):
        raise NotAllowed("Réservé aux agents, modérateurs et administrateurs de la Ville.", code="FORBIDDEN")


def check_admin(roles):
    if "admin" not in (roles or ()):
        raise NotAllowed("Seuls les administrateurs gèrent le catalogue des dispositifs.", code="FORBIDDEN")


# --- who acts on an idea: the direction that owns it ----------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"


class OutsideDirection(NotAllowed):
    """The caller is not an agent of the direction that owns the idea (403); `direction` names the owner."""

    def __init__(self, message: str, direction: str | None, code: str = OUTSIDE_DIRECTION):
        super().__init__(message, "direction", code)
        self.direction = direction


def direction_label(direction: str | None) -> str:
    return f"{direction} ({DIRECTIONS[direction]})" if direction in DIRECTIONS else str(direction or "inconnue")


def check_owning_direction(actor: dict, owner_direction: str | None) -> None:
    """Deciding, answering, assigning, ticking the checklist of an idea: admins on every idea, agents on the
    ideas their direction owns (the inbox item's `direction`); moderators and citizens never (they moderate,
    they do not route). An agent of another direction gets OUTSIDE_DIRECTION, anyone else FORBIDDEN."""
    roles = set(actor.get("roles") or ())
    if "admin" in roles:
        return
    owner = direction_label(owner_direction)
    if "agent" not in roles:
        raise OutsideDirection(f"Réservé aux agents de la direction {owner} et aux administrateurs.",
                               owner_direction, code="FORBIDDEN")
    mine = actor.get("direction")
    if not owner_direction or mine != owner_direction:
        yours = (f"vous êtes agent de la direction {direction_label(mine)}" if mine
                 else "votre compte d'agent n'est rattaché à aucune direction")
        raise OutsideDirection(f"Cette idée relève de la direction {owner} : {yours}.", owner_direction)


def clean_text(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


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


def check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise RuleBroken("Choisissez une direction de la Ville.", "direction")
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


# --- the suggestion ------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents, single spaces, hyphens as spaces: « Nid-de-poule » matches « nid de poule »."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"[-'’_/]", " ", plain)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", plain).split())


# French endings removed before comparing words, longest first: « installons », « installer » and
# « installation » all read « install »; « arbres » reads « arbr » like « arbre ».
_ENDINGS = ("ations", "ation", "ements", "ement", "ions", "ons", "ees", "ez", "er", "es", "ee", "e", "s", "x")


def stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[:-len(ending)]
    return word


def stems(text: str) -> str:
    """The normalised text with each word reduced to its stem (what keywords are looked for in)."""
    return " ".join(stem(word) for word in normalise(text).split())


def _contains(stemmed: str, keyword: str) -> bool:
    """`keyword` (one or several words) appears in the stemmed text as whole words, whatever their ending."""
    needle = stems(keyword)
    return bool(needle) and re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", stemmed) is not None


# Themes that point at a scheme when no keyword decides (one point, a keyword counts two).
THEME_HINTS = {"proprete": STREET_REPORT, "environnement": GREENING_PERMIT, "cadre_de_vie": BUDGET}

# On a tie the more specific scheme wins: a reported pothole is not a budget project.
PRIORITY = (STREET_REPORT, GREENING_PERMIT, PETITION, BUDGET)


@dataclass(frozen=True)
class Suggestion:
    scheme: str
    reason: str
    keywords: tuple
    direction: str


def suggest(title: str, description: str, theme: str | None, schemes: list) -> Suggestion:
    """The scheme an idea most likely belongs to, and why, in words an agent can check.

    `schemes`: active schemes as dicts with `code`, `name`, `direction`, `keywords`. Each keyword found in the
    idea's title or description counts two points, the idea's theme one point for the scheme it hints at.
    Nothing found: a direct answer by the direction of the idea's theme.
    """
    text = stems(f"{title} {description}")
    by_code = {scheme["code"]: scheme for scheme in schemes}
    scores, found = {}, {}
    for scheme in schemes:
        if scheme["code"] == DIRECT_ANSWER:
            continue
        hits = tuple(keyword for keyword in scheme.get("keywords") or () if _contains(text, keyword))
        if hits:
            scores[scheme["code"]], found[scheme["code"]] = 2 * len(hits), hits
    hinted = THEME_HINTS.get(theme)
    if hinted in scores:
        scores[hinted] += 1
    if scores:
        rank = {code: index for index, code in enumerate(PRIORITY)}
        best = max(scores, key=lambda code: (scores[code], -rank.get(code, len(PRIORITY))))
        scheme = by_code[best]
        words = ", ".join(f"« {keyword} »" for keyword in found[best])
        reason = f"Mots-clés repérés dans l'idée : {words} → {scheme['name']}."
        if hinted == best:
            reason += " La thématique de l'idée va dans le même sens."
        others = sorted((code for code in scores if code != best), key=lambda code: -scores[code])
        if others:
            reason += " Autres pistes : " + ", ".join(by_code[code]["name"] for code in others) + "."
        return Suggestion(best, reason, found[best], scheme["direction"])
    direction = THEME_DIRECTIONS.get(theme, DEFAULT_DIRECTION)
    name = by_code[DIRECT_ANSWER]["name"] if DIRECT_ANSWER in by_code else "Réponse directe"
    return Suggestion(DIRECT_ANSWER, f"Aucun mot-clé d'un dispositif n'apparaît dans l'idée : {name}, par la "
                                     f"direction de sa thématique ({direction}).", (), direction)


# --- the pre-admissibility checklist ------------------------------------------------------------------

YES, NO, UNKNOWN = "yes", "no", "unknown"
CHECK_VALUES = {YES: "Oui", NO: "Non", UNKNOWN: "À vérifier"}

CHECKS = {
    "city_competence": "Relève des compétences de la Ville de Paris",
    "public_land": "Concerne l'espace public ou un équipement municipal",
    "investment": "Investissement (pas une dépense de fonctionnement)",
    "general_interest": "D'intérêt général (pas un intérêt privé)",
    "not_already_done": "Pas déjà réalisé ni programmé",
}

_OUTSIDE_COMPETENCE = ("metro", "rer", "sncf", "ratp", "impot", "police nationale", "education nationale",
                       "autoroute", "peripherique", "hopital", "aeroport")
_PUBLIC_PLACES = ("rue", "place", "square", "parc", "jardin", "trottoir", "ecole", "quai", "boulevard", "avenue",
                  "pied d arbre", "espace public", "gymnase", "bibliotheque", "piscine", "canal", "marche")
_PRIVATE_PLACES = ("copropriete", "immeuble prive", "cour privee", "parking prive", "mon jardin", "chez moi")
_RUNNING_COSTS = ("entretien", "salaire", "subvention", "fonctionnement", "embaucher", "recruter", "gratuite",
                  "personnel", "nettoyage regulier")
_INVESTMENTS = ("amenager", "installer", "creer", "renover", "construire", "equiper", "planter", "vegetaliser",
                "reamenager", "transformer")


def checklist(title: str, description: str) -> dict:
    """A first reading of each check from the idea's words, for the agent to confirm or correct.

    Returns {code: {"value": yes/no/unknown, "why": text}}; `unknown` when the words say nothing.
    """
    text = stems(f"{title} {description}")

    def found(words):
        return [word for word in words if _contains(text, word)]

    result = {}
    outside = found(_OUTSIDE_COMPETENCE)
    result["city_competence"] = ({"value": NO, "why": "Mentionne : " + ", ".join(outside) + "."} if outside else
                                 {"value": UNKNOWN, "why": "Rien n'indique une compétence de l'État ou d'un "
                                                           "opérateur : à confirmer."})
    private, public = found(_PRIVATE_PLACES), found(_PUBLIC_PLACES)
    if private:
        result["public_land"] = {"value": NO, "why": "Mentionne : " + ", ".join(private) + "."}
    elif public:
        result["public_land"] = {"value": YES, "why": "Mentionne : " + ", ".join(public) + "."}
    else:
        result["public_land"] = {"value": UNKNOWN, "why": "Aucun lieu public nommé."}
    running, investing = found(_RUNNING_COSTS), found(_INVESTMENTS)
    if running:
        result["investment"] = {"value": NO, "why": "Mentionne : " + ", ".join(running) + "."}
    elif investing:
        result["investment"] = {"value": YES, "why": "Mentionne : " + ", ".join(investing) + "."}
    else:
        result["investment"] = {"value": UNKNOWN, "why": "Ni investissement ni dépense courante nommés."}
    result["general_interest"] = {"value": UNKNOWN, "why": "À apprécier par l'agent."}
    result["not_already_done"] = {"value": UNKNOWN, "why": "À vérifier dans les projets de la Ville."}
    return result


def check_checklist(values: dict, current: dict) -> dict:
    """The agent's ticks: known checks only, each yes/no/unknown; the explanation of a changed value is theirs."""
    updated = {code: dict(entry) for code, entry in current.items()}
    for code, value in values.items():
        if code not in CHECKS:
            raise RuleBroken("Critère inconnu.", code)
        if value not in CHECK_VALUES:
            raise RuleBroken("Oui, non ou à vérifier.", code)
        entry = updated.setdefault(code, {"value": UNKNOWN, "why": ""})
        if entry["value"] != value:
            entry["value"], entry["why"] = value, "Coché par un agent."
    return updated


# --- deadlines, undo, decisions ------------------------------------------------------------------------

def deadline(received_at: datetime, days: int) -> datetime:
    return received_at + timedelta(days=days)


def is_overdue(deadline_at: datetime | None, status: str, now: datetime) -> bool:
    return deadline_at is not None and status in OPEN_STATUSES and now > deadline_at


def countdown(deadline_at: datetime | None, now: datetime) -> dict | None:
    """Days (rounded down) and hours left before the deadline; negative once it passed."""
    if deadline_at is None:
        return None
    seconds = int((deadline_at - now).total_seconds())
    return {"seconds": seconds, "days": int(seconds / 86400), "overdue": seconds < 0}


def check_decision(action: str, command: dict, scheme: dict | None, idea_id: str) -> dict:
    """What an agent decided, checked: returns the decision's fields (message, answer, reason...)."""
    if action not in ACTIONS:
        raise RuleBroken("Action inconnue.", "action")
    message = clean_text(command.get("message"))
    if len(message) > MESSAGE_MAX:
        raise RuleBroken(f"Au plus {MESSAGE_MAX} caractères.", "message")
    decided = {"action": action, "message": message, "scheme": None, "reason_code": None, "duplicate_of": None}
    if action == FORWARD:
        if scheme is None:
            raise RuleBroken("Choisissez un dispositif du catalogue.", "scheme")
        if not scheme["active"]:
            raise RuleBroken("Ce dispositif est désactivé.", "scheme")
        if scheme["code"] == DIRECT_ANSWER:
            raise RuleBroken("Pour une réponse directe, utilisez « Répondre directement ».", "scheme")
        decided["scheme"] = scheme["code"]
    elif action == ANSWER:
        if not message:
            raise RuleBroken("Écrivez la réponse adressée à l'auteur.", "message")
    elif action == NOT_RETAIN:
        if command.get("reason_code") not in NOT_RETAINED_REASONS:
            raise RuleBroken("Choisissez un motif.", "reason_code")
        if not message:
            raise RuleBroken("Expliquez le motif à l'auteur.", "message")
        decided["reason_code"] = command["reason_code"]
    elif action == DUPLICATE:
        target = str(command.get("duplicate_of") or "")
        if not target:
            raise RuleBroken("Indiquez l'idée dont celle-ci est le doublon.", "duplicate_of")
        if target == idea_id:
            raise RuleBroken("Une idée ne peut pas être le doublon d'elle-même.", "duplicate_of")
        if not message:
            message = "Cette idée rejoint une idée semblable déjà déposée : vos soutiens y sont reportés."
            decided["message"] = message
        decided["duplicate_of"] = target
    return decided


def check_can_decide(status: str, action: str):
    """A waiting idea takes any decision; a forwarded one may be re-routed to another scheme."""
    if status == PENDING:
        raise RuleBroken("Une décision est déjà en cours pour cette idée : annulez-la ou attendez qu'elle prenne "
                         "effet.", code="DECISION_PENDING")
    if status == FORWARDED and action == FORWARD:
        return
    if status not in OPEN_STATUSES:
        raise RuleBroken(f"Cette idée est déjà traitée (« {STATUSES[status]} ») : seule une réorientation vers un "
                         f"autre dispositif est possible.", code="ALREADY_DECIDED")


def check_undo(effective: bool, cancelled: bool, window_seconds: int):
    if cancelled:
        raise RuleBroken("Cette décision est déjà annulée.", code="ALREADY_UNDONE")
    if effective:
        raise RuleBroken(f"Trop tard pour annuler : la décision a pris effet (délai d'annulation de "
                         f"{window_seconds} secondes dépassé). Réorientez l'idée si besoin.", code="UNDO_TOO_LATE")


def check_undo_by(decided_by: str | None, actor_id: str, roles) -> None:
    """A decision is undone by the agent who took it, or by an administrator."""
    if decided_by != actor_id and "admin" not in (roles or ()):
        raise NotAllowed("Seul l'agent qui a pris la décision, ou un administrateur, peut l'annuler.")


def dossier_reference(direction: str, year: int, number: int) -> str:
    """« DEVE-2026-000123 »: the owner direction, the year, a number unique in the hub."""
    return f"{direction}-{year}-{number:06d}"


# --- webhooks ------------------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
DELIVERY_HEADER = "X-Hub-Delivery"
EVENT_HEADER = "X-Hub-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>") on a dossier the hub sends: the timestamp is
    signed too, so the scheme can refuse a captured call played later. (A scheme's answer is signed otherwise,
    over its method and path too: webhook_rules.sign_answer.)"""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int, base_seconds: float, cap_seconds: float = 6 * 3600) -> timedelta:
    """Wait before the next try after `attempts` failed ones: base, 2×base, 4×base... at most `cap_seconds`."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


ANSWER_MAX = 4000


def check_scheme_answer(answer: str, status: str | None) -> tuple:
    answer = clean_text(answer)
    if not answer:
        raise RuleBroken("La réponse du dispositif est vide.", "answer")
    if len(answer) > ANSWER_MAX:
        raise RuleBroken(f"Au plus {ANSWER_MAX} caractères.", "answer")
    status = one_line(status)[:40] or "answered"
    return answer, status


# --- the one history ---------------------------------------------------------------------------------

IDEA_STATUS_LABELS = {"submitted": "Déposée", "under_review": "À l'étude", "forwarded": "Transmise",
                      "answered": "Réponse apportée", "not_retained": "Non retenue", "merged": "Fusionnée"}

# What each event of another service means on an idea's timeline (French, public-safe: no name, no note).
TRACE_SUMMARIES = {
    "idea_submitted": "Idée déposée dans la boîte à idées.",
    "idea_status_changed": "Statut de l'idée : « {status_label} ».",
    "idea_merged": "Idée fusionnée avec une idée semblable.",
    "project_drafted": "Projet pré-rempli au budget participatif : l'auteur est invité à le compléter et le "
                       "confirmer.",
    "project_submitted": "Projet déposé au budget participatif.",
    "project_study_decided": "Étude du projet par la Ville : {study}.",
    "projects_merged": "Projet regroupé avec d'autres projets proches.",
    "project_selected": "Projet soumis au vote du budget participatif.",
    "results_published": "Projet lauréat du vote du budget participatif.",
    "project_status_changed": "Avancement du projet : « {status} ».",
    "petition_drafted": "Pétition pré-remplie pour l'auteur de l'idée.",
    "petition_submitted": "Pétition soumise à la modération.",
    "petition_published": "Pétition ouverte aux signatures.",
    "petition_rejected": "Pétition refusée par la modération.",
    "petition_threshold_reached": "La pétition a atteint le seuil de signatures.",
    "petition_scheduled_for_council": "Pétition inscrite à une séance du Conseil de Paris.",
    "petition_answered": "Réponse de la Ville à la pétition.",
    "petition_closed": "Pétition close.",
}

TRACED_EVENTS = {
    "ideas": ("idea_status_changed", "idea_merged"),
    "budget": ("project_drafted", "project_submitted", "project_study_decided", "projects_merged",
               "project_selected", "results_published", "project_status_changed"),
    "petitions": ("petition_drafted", "petition_submitted", "petition_published", "petition_rejected",
                  "petition_threshold_reached", "petition_scheduled_for_council", "petition_answered",
                  "petition_closed"),
}


def trace_summary(event_type: str, payload: dict) -> str:
    template = TRACE_SUMMARIES.get(event_type, "Événement « " + event_type + " ».")
    status = payload.get("status") or ""
    if payload.get("admissible") is False:
        study = "non recevable"
    elif payload.get("feasible") is False:
        study = "non réalisable"
    elif payload.get("admissible"):
        study = "recevable" + (" et réalisable" if payload.get("feasible") else "")
    else:
        study = "en cours"
    return template.format(status_label=IDEA_STATUS_LABELS.get(status, status), status=str(status)[:60],
                           study=study)

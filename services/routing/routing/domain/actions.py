"""The action door « Agir »: a citizen asks one of the City's external schemes directly (greening permit, street
report, volunteering…), and routing opens a dossier for the request as it does for an idea an agent forwarded.

A scheme takes direct requests when it is external, active and has a request form (its `request_form`: the fields
its own form needs besides the common ones: title, description, arrondissement, location). Who may ask is its
`eligibility`: anyone signed in with a verified e-mail, or only people who declared they live in Paris.
Plain Python: the handlers apply these rules in a transaction."""
from .access import NotAllowed, RuleBroken, clean_text, one_line
from .catalogue import EXTERNAL

IDEA, DIRECT_REQUEST = "idea", "direct_request"  # what a dossier was opened for (its `subject_kind`)
ANYONE, PARIS_RESIDENTS = "anyone", "paris_residents"
ELIGIBILITY = {ANYONE: "Toute personne inscrite sur le hub (adresse électronique vérifiée)",
               PARIS_RESIDENTS: "Les personnes qui habitent à Paris (déclaré dans « Mon compte »)"}
TEXT, CHOICE, CONSENT = "text", "choice", "consent"  # the kinds of a scheme's own fields

TITLE_MIN, TITLE_MAX, DESCRIPTION_MIN, DESCRIPTION_MAX, LOCATION_MAX, ANSWER_TEXT_MAX = 5, 140, 20, 4000, 200, 500
NOT_ELIGIBLE, EMAIL_NOT_VERIFIED, NOT_AN_ACTION = "NOT_ELIGIBLE", "EMAIL_NOT_VERIFIED", "NOT_AN_ACTION_SCHEME"


def takes_requests(kind: str, active: bool, request_form) -> bool:
    """An action scheme: one a citizen may ask directly through « Agir »."""
    return kind == EXTERNAL and bool(active) and request_form is not None


def check_may_ask(eligibility: str, attributes: dict) -> None:
    """`attributes`: the asker's eligibility attributes as accounts answers them (email_verified, lives_in_paris).
    A refusal is a 403 whose code the page turns into the step to take (verify, declare living in Paris)."""
    if not attributes.get("email_verified"):
        raise NotAllowed("Vérifiez d'abord votre adresse électronique pour faire une demande.",
                         code=EMAIL_NOT_VERIFIED)
    if eligibility == PARIS_RESIDENTS and not attributes.get("lives_in_paris"):
        raise NotAllowed("Ce dispositif est réservé aux personnes qui habitent à Paris : déclarez votre adresse "
                         "parisienne dans « Mon compte » pour faire cette demande.", code=NOT_ELIGIBLE)


def check_title(title: str) -> str:
    title = one_line(title)
    if len(title) < TITLE_MIN:
        raise RuleBroken(f"Donnez un titre d'au moins {TITLE_MIN} caractères.", "title")
    if len(title) > TITLE_MAX:
        raise RuleBroken(f"Au plus {TITLE_MAX} caractères.", "title")
    return title


def check_description(description: str) -> str:
    description = clean_text(description)
    if len(description) < DESCRIPTION_MIN:
        raise RuleBroken(f"Décrivez votre demande en au moins {DESCRIPTION_MIN} caractères.", "description")
    if len(description) > DESCRIPTION_MAX:
        raise RuleBroken(f"Au plus {DESCRIPTION_MAX} caractères.", "description")
    return description


def check_arrondissement(number) -> int:
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 20:
        raise RuleBroken("Choisissez l'arrondissement concerné (1 à 20).", "arrondissement")
    return number


def check_location(location: str | None) -> str | None:
    """Where on the public space (« devant l'école, angle de la rue… »): never the asker's own address."""
    location = one_line(location)
    if len(location) > LOCATION_MAX:
        raise RuleBroken(f"Au plus {LOCATION_MAX} caractères.", "location")
    return location or None


def field_key(code: str) -> str:
    """The key a scheme's own field has in a request's details (and in the form)."""
    return f"fields.{code}"


def check_answers(form: list, answers: dict) -> dict:
    """The scheme's own fields as the citizen filled them: {code: value}, in the form's order; every broken one is
    raised at once by the caller's FieldChecks through `check_answer`. Fields the form does not have are refused."""
    known = {field["code"] for field in form}
    unknown = sorted(set(answers or {}) - known)
    if unknown:
        raise RuleBroken(f"Champs inconnus pour ce dispositif : {', '.join(unknown)[:200]}.", "fields")
    return {field["code"]: (answers or {}).get(field["code"]) for field in form}


def check_answer(field: dict, value):
    """One of the scheme's own fields: a text (a line, at most ANSWER_TEXT_MAX), a choice among its codes, or a
    consent that must be given when required."""
    key, required = field_key(field["code"]), field.get("required", False)
    if field["kind"] == CONSENT:
        if value not in (None, True, False):
            raise RuleBroken("Cochez la case ou laissez-la vide.", key)
        if required and value is not True:
            raise RuleBroken("Cet engagement est nécessaire pour faire la demande.", key)
        return bool(value)
    if value is not None and not isinstance(value, str):
        raise RuleBroken("Texte attendu.", key)
    value = one_line(value) or None
    if value is None:
        if required:
            raise RuleBroken("Ce champ est obligatoire.", key)
        return None
    if field["kind"] == CHOICE:
        codes = [choice["code"] for choice in field.get("choices", [])]
        if value not in codes:
            raise RuleBroken(f"Choisissez l'une des propositions : {', '.join(codes)}.", key)
        return value
    if len(value) > ANSWER_TEXT_MAX:
        raise RuleBroken(f"Au plus {ANSWER_TEXT_MAX} caractères.", key)
    return value


def answer_label(field: dict, value) -> str:
    """How an answer reads in the dossier sent to the scheme and on the citizen's confirmation."""
    if field["kind"] == CONSENT:
        return "oui" if value else "non"
    if field["kind"] == CHOICE:
        return next((choice["label"] for choice in field.get("choices", []) if choice["code"] == value), value or "")
    return value or ""

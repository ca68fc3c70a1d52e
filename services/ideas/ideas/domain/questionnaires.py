"""Questionnaires of consultations: their questions, one account's answers, and the results everyone reads."""
from .text import RuleBroken, clean_text, one_line

QUESTIONNAIRE = "questionnaire"  # the section mode whose sections ask these questions
SINGLE, MULTIPLE, FREE_TEXT = "single", "multiple", "text"
QUESTION_KINDS = {SINGLE: "Choix unique", MULTIPLE: "Choix multiples", FREE_TEXT: "Texte libre"}
LABEL_MAX = 200
QUESTIONS_MAX, CHOICES_MAX, CHOICE_MAX, ANSWER_TEXT_MAX = 30, 20, 200, 2000


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


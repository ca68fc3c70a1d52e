"""Rules of consultations, without a database."""
from datetime import datetime, timedelta, timezone

import pytest

from ideas.domain import consultations as cd
from ideas.domain import RuleBroken

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
QUESTIONS = cd.check_questions("questionnaire", [
    {"label": "Fréquence", "kind": "single", "choices": ["Souvent", "Jamais"]},
    {"label": "Usages", "kind": "multiple", "choices": ["Marcher", "Jouer", "Lire"]},
    {"label": "Remarque", "kind": "text"}])


def test_state_comes_from_the_dates():
    opens, closes = NOW, NOW + timedelta(days=1)
    assert [cd.state(opens, closes, moment) for moment in (NOW - timedelta(seconds=1), NOW, closes)] == [
        "upcoming", "open", "closed"]


@pytest.mark.parametrize("current, code", [("upcoming", "CONSULTATION_NOT_OPEN"), ("closed", "CONSULTATION_CLOSED")])
def test_nothing_is_added_outside_the_dates(current, code):
    with pytest.raises(RuleBroken) as refused:
        cd.check_accepts_input(current)
    assert refused.value.code == code
    cd.check_accepts_input("open")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>", "//evil.example", "https://a b.fr",
                                 "ftp://paris.fr"])
def test_only_web_links(url):
    with pytest.raises(RuleBroken):
        cd.check_url(url, "resources")


def test_counters_read_like_idee_paris():
    assert cd.counters_label(7, 3, 4) == "7 votes - 3 amendements - 4 arguments"
    assert cd.counters_label(0, 1, 0) == "0 vote - 1 amendement - 0 argument"


def test_random_order_is_stable_per_seed_differs_between_seeds_and_never_ties():
    keys = [cd.new_shuffle_key() for _ in range(200)] + [0, 1, cd.SHUFFLE_MODULUS - 1]
    keys = sorted(set(keys))

    def order(seed):
        return sorted(keys, key=lambda key: cd.shuffle_rank(key, seed))
    assert order("a") == order("a") and order("a") != order("b") and order("a") != keys
    assert len({cd.shuffle_rank(key, "a") for key in keys}) == len(keys)  # a permutation: no two keys tie
    assert all(0 <= cd.shuffle_rank(key, "") < cd.SHUFFLE_MODULUS for key in keys)


def test_questions_get_ids_and_answers_are_checked():
    assert [q["id"] for q in QUESTIONS] == ["q1", "q2", "q3"] and QUESTIONS[2]["required"] is False
    assert cd.check_answers(QUESTIONS, {"q1": "Souvent", "q2": ["Lire", "Marcher"]}) == {
        "q1": "Souvent", "q2": ["Marcher", "Lire"]}
    with pytest.raises(cd.AnswersBroken) as broken:
        cd.check_answers(QUESTIONS, {"q1": ["Souvent", "Jamais"], "q2": ["Nager"], "q3": "x" * 2001})
    assert set(broken.value.details) == {"q1", "q2", "q3"}


def test_questions_need_choices_and_only_questionnaires_have_them():
    with pytest.raises(RuleBroken):
        cd.check_questions("questionnaire", [{"label": "Seul choix", "kind": "single", "choices": ["Oui"]}])
    with pytest.raises(RuleBroken):
        cd.check_questions("proposals", [{"label": "Question", "kind": "text"}])
    with pytest.raises(RuleBroken):
        cd.check_questions("questionnaire", [])


def test_results_share_of_respondents():
    results = cd.questionnaire_results(QUESTIONS, [{"q1": "Souvent", "q2": ["Lire"]},
                                                   {"q1": "Jamais", "q2": ["Lire", "Jouer"], "q3": "Bien"}])
    assert [(c["count"], c["percent"]) for c in results[1]["choices"]] == [(0, 0), (1, 50), (2, 100)]
    assert results[2]["texts"] == ["Bien"]


def test_amendments_only_in_amendable_texts_and_not_of_amendments():
    cd.check_amendable("amendable_text", None)
    for mode, amends in (("proposals", None), ("amendable_text", "an-amendment")):
        with pytest.raises(RuleBroken) as refused:
            cd.check_amendable(mode, amends)
        assert refused.value.code == "NOT_AMENDABLE"


# --- who runs a consultation: its owning direction ----------------------------------------------------------

DVD_AGENT = {"account_id": "a", "roles": ["citizen", "agent"], "direction": "DVD"}
ADMIN = {"account_id": "b", "roles": ["citizen", "admin"]}
# the City's directions as accounts.reference_data gives them (ideas keeps no copy)
DIRECTIONS = {"DVD": "Direction de la voirie et des déplacements",
              "DEVE": "Direction des espaces verts et de l'environnement"}


def test_the_owning_agent_and_admins_run_the_consultation():
    cd.check_runs(DVD_AGENT, "DVD", DIRECTIONS)
    cd.check_runs(ADMIN, "DVD", DIRECTIONS)
    cd.check_runs(ADMIN, None, DIRECTIONS)
    assert cd.runs(DVD_AGENT, "DVD") and not cd.runs(DVD_AGENT, "DEVE") and not cd.runs(None, "DVD")


@pytest.mark.parametrize("actor, owner, code, words", [
    ({**DVD_AGENT, "direction": "DEVE"}, "DVD", "OUTSIDE_DIRECTION", "direction DVD (Direction de la voirie"),
    ({**DVD_AGENT, "direction": None}, "DVD", "OUTSIDE_DIRECTION", "rattaché à aucune direction"),
    (DVD_AGENT, None, "OUTSIDE_DIRECTION", "réservé aux administrateurs"),
    ({"account_id": "m", "roles": ["citizen", "moderator"]}, "DVD", "FORBIDDEN", "Réservé aux agents"),
])
def test_anyone_else_is_refused_with_the_reason(actor, owner, code, words):
    with pytest.raises(cd.OutsideDirection) as refused:
        cd.check_runs(actor, owner, DIRECTIONS)
    assert refused.value.code == code and refused.value.direction == owner and words in refused.value.message


def test_a_new_consultation_belongs_to_its_agents_direction_or_the_one_an_admin_names():
    assert cd.owner_at_creation(DVD_AGENT, "DEVE", {}) == "DVD"  # an agent cannot make one for another direction
    assert cd.owner_at_creation(ADMIN, "DEVE", DIRECTIONS) == "DEVE"
    assert cd.owner_at_creation(ADMIN, None, DIRECTIONS) is None
    with pytest.raises(RuleBroken):
        cd.owner_at_creation(ADMIN, "XYZ", DIRECTIONS)

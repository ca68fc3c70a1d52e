"""Rules of the idea box (unit tests: no database, no broker)."""
import csv

import pytest

from ideas import domain
from ideas.domain import RuleBroken

from .conftest import PARIS_BUDGET_PROJECTS


def broken(rule, *args) -> RuleBroken:
    with pytest.raises(RuleBroken) as refused:
        rule(*args)
    return refused.value


def test_the_themes_are_those_of_the_paris_participatory_budget():
    with PARIS_BUDGET_PROJECTS.open(encoding="utf-8-sig") as data:
        published = {row["Thématique"] for row in csv.DictReader(data, delimiter=";")}
    assert set(domain.THEMES.values()) == published


def test_theme_codes_are_wire_safe():
    for code in domain.THEMES:
        assert code.isascii() and code == code.lower() and " " not in code


def test_a_title_is_one_trimmed_line_of_5_to_140_characters():
    assert domain.check_title("  Des bancs\n\tau  square  ") == "Des bancs au square"
    assert domain.check_title("x" * 140) == "x" * 140
    assert broken(domain.check_title, "x" * 141).field == "title"
    assert broken(domain.check_title, "   Abc  ").field == "title"
    assert broken(domain.check_title, " \n ").message == "Donnez un titre à votre idée."


def test_a_description_keeps_its_paragraphs():
    assert domain.check_description("  Premier paragraphe.\r\n\r\nSecond.  ") == "Premier paragraphe.\n\nSecond."
    assert broken(domain.check_description, "court").field == "description"
    assert broken(domain.check_description, "").message == "Décrivez votre idée."
    assert broken(domain.check_description, "x" * 5001).field == "description"


def test_an_unknown_theme_is_refused():
    assert domain.check_theme("environnement") == "environnement"
    assert broken(domain.check_theme, "Environnement").field == "theme"


def test_the_place_is_optional_but_an_arrondissement_is_1_to_20():
    assert domain.check_place(None, None) == (None, None)
    assert domain.check_place(11, "  12 rue   Oberkampf ") == (11, "12 rue Oberkampf")
    assert domain.check_place(None, "   ") == (None, None)
    assert broken(domain.check_place, 21, None).field == "arrondissement"
    assert broken(domain.check_place, 0, None).field == "arrondissement"
    assert broken(domain.check_place, None, "x" * 201).field == "address_line"


def test_comments_are_not_empty_and_at_most_2000_characters():
    assert domain.check_comment(" Bravo !\n") == "Bravo !"
    assert broken(domain.check_comment, " \n ").field == "body"
    assert broken(domain.check_comment, "x" * 2001).field == "body"


def test_a_contribution_without_pseudonym_is_anonymous():
    assert domain.author_pseudonym("  Camille  du 11e ") == "Camille du 11e"
    assert domain.author_pseudonym("") == domain.ANONYMOUS_PSEUDONYM == "Citoyen·ne anonyme"


# --- status ---------------------------------------------------------------------------------------

def test_a_submitted_idea_is_studied_before_anything_else():
    assert domain.check_transition("submitted", "under_review", " On regarde. ") == "On regarde."
    for target in ("forwarded", "answered", "not_retained", "merged"):
        refused = broken(domain.check_transition, "submitted", target, "Message", "budget", "x")
        assert refused.code == "INVALID_TRANSITION" and refused.field == "status"
        assert "« À l'étude »" in refused.message


@pytest.mark.parametrize("final", ["forwarded", "answered", "not_retained", "merged"])
def test_the_four_outcomes_are_final(final):
    assert domain.TRANSITIONS[final] == ()
    refused = broken(domain.check_transition, final, "under_review", "Message")
    assert refused.code == "INVALID_TRANSITION" and "close" in refused.message


def test_every_change_has_a_public_message():
    assert broken(domain.check_transition, "submitted", "under_review", "  ").field == "message"
    assert "réponse" in broken(domain.check_transition, "under_review", "answered", "").message
    assert "pourquoi" in broken(domain.check_transition, "under_review", "not_retained", None).message
    assert broken(domain.check_transition, "submitted", "under_review", "x" * 2001).field == "message"


def test_forwarding_names_a_scheme_and_only_forwarding_does():
    assert domain.check_transition("under_review", "forwarded", "Vers le budget.", "budget") == "Vers le budget."
    assert broken(domain.check_transition, "under_review", "forwarded", "Message", None).field == "scheme"
    assert broken(domain.check_transition, "under_review", "forwarded", "Message", "nowhere").field == "scheme"
    assert broken(domain.check_transition, "under_review", "answered", "Réponse", "budget").field == "scheme"


def test_merging_names_another_idea():
    assert domain.check_transition("under_review", "merged", "Doublon.", None, "other-id", "this-id")
    assert broken(domain.check_transition, "under_review", "merged", "Doublon.", None, None).field == "merged_into"
    assert broken(domain.check_transition, "under_review", "merged", "Doublon.", None, "same", "same").field \
        == "merged_into"
    assert broken(domain.check_transition, "under_review", "answered", "Oui.", None, "other").field == "merged_into"
    assert broken(domain.check_merge_target, "merged").field == "merged_into"
    domain.check_merge_target("under_review")


def test_an_unknown_status_is_refused():
    assert broken(domain.check_transition, "submitted", "archived", "Message").field == "status"


def test_only_staff_merge_only_admins_change_statuses_and_they_act_under_their_highest_role():
    assert not domain.is_staff(["citizen"]) and not domain.is_staff([]) and not domain.is_staff(None)
    assert domain.is_staff(["citizen", "agent"]) and domain.is_staff(["moderator"])
    # agents decide from routing's inbox (their direction's items); moderators moderate
    assert domain.may_change_status(["citizen", "admin"])
    for roles in (["citizen", "agent"], ["citizen", "moderator"], ["citizen"], [], None):
        assert not domain.may_change_status(roles)
    assert domain.acting_role(["citizen", "agent", "admin"]) == "admin"
    assert domain.acting_role(["moderator", "citizen"]) == "moderator"
    assert domain.acting_role(["superuser"]) == "citizen"


def test_open_ideas_take_supports_and_only_merged_ones_refuse_comments():
    for status in ("submitted", "under_review"):
        domain.check_open_for_support(status)
    for status in ("forwarded", "answered", "not_retained", "merged"):
        assert broken(domain.check_open_for_support, status).code == "IDEA_CLOSED"
    for status in ("submitted", "under_review", "forwarded", "answered", "not_retained"):
        domain.check_open_for_comments(status)
    assert broken(domain.check_open_for_comments, "merged").code == "IDEA_CLOSED"


# --- listing --------------------------------------------------------------------------------------

def test_search_ignores_case_and_accents():
    assert domain.search_key("  École   ÉLÉMENTAIRE Œuf ") == "ecole elementaire œuf"
    assert domain.search_key("ecole") in domain.searchable("Cour d'École", "")


def test_excerpts_cut_between_words():
    assert domain.excerpt("Court.") == "Court."
    text = "Des arbres " * 40
    cut = domain.excerpt(text, 50)
    assert cut.endswith("…") and len(cut) <= 51 and not cut[:-1].endswith(" ")
    assert cut[:-1] in text


# --- similar ideas, merging, import rules, moderation -----------------------------------------------

def test_what_may_be_found_by_its_words_or_suggested_as_similar():
    assert domain.idea_findable("submitted", False) and domain.idea_findable("forwarded", False)
    assert domain.idea_findable("not_retained", False)  # suggested, with what became of it
    assert not domain.idea_findable("merged", False)  # the idea it joined is found instead
    assert not domain.idea_findable("under_review", True)  # hidden by moderation
    assert domain.proposal_findable(False, None)
    assert not domain.proposal_findable(True, None) and not domain.proposal_findable(False, "an-amended-proposal")


def test_the_list_is_ordered_by_relevance_only_when_words_are_searched():
    assert domain.list_order(None, True) == domain.list_order("relevance", True) == "relevance"
    assert domain.list_order(None, False) == domain.list_order("relevance", False) == "newest"
    assert domain.list_order("recent", True) == domain.list_order("newest", True) == "newest"
    assert domain.list_order("most_supported", True) == domain.list_order("most_supported", False) == "most_supported"


def test_merging_needs_an_open_source_a_live_other_target_and_a_message():
    assert domain.check_merge("a", "submitted", "b", "under_review", "  Même demande. ") == "Même demande."
    with pytest.raises(domain.RuleBroken) as same:
        domain.check_merge("a", "submitted", "a", "submitted", "x")
    assert same.value.field == "into"
    with pytest.raises(domain.RuleBroken) as closed:
        domain.check_merge("a", "answered", "b", "submitted", "x")
    assert closed.value.code == "INVALID_TRANSITION"
    for target_status in ("merged", "not_retained"):
        with pytest.raises(domain.RuleBroken):
            domain.check_merge("a", "submitted", "b", target_status, "x")
    with pytest.raises(domain.RuleBroken) as empty:
        domain.check_merge("a", "submitted", "b", "submitted", " \n ")
    assert empty.value.field == "message"


def test_html_is_stripped_safely_and_entities_decoded():
    assert domain.strip_html("<p>Árboles &amp; bancos&nbsp;ya</p><p>Segundo</p>") == "Árboles & bancos ya\nSegundo"
    dirty = ('<script>alert(1)</script><style>p{}</style>Texto <b onclick="x()">visible</b> '
             '&lt;script&gt;alert(2)&lt;/script&gt; <img src=x onerror=alert(3)> fin <a href="x')
    clean = domain.strip_html(dirty)
    assert "<" not in clean and ">" not in clean and "alert(1)" not in clean and "onerror" not in clean
    assert clean.startswith("Texto visible") and "fin" in clean


def test_import_spam_rules():
    assert domain.spam_reason("SSRF Test 3 - a455b0", "http://169.254.169.254") == "test_or_probe"
    assert domain.spam_reason("YouTube Test - 1741417871", "This is a test") == "test_or_probe"
    assert domain.spam_reason("Parque", "") == "empty_description"
    assert domain.spam_reason("Enlaces", "https://a.example www.b.example") == "urls_only"
    assert domain.spam_reason("https://www.comunidad.madrid/salud", "Texto largo de verdad.") == "urls_only"
    assert domain.spam_reason("Parque", "Corto") == "too_short"
    assert domain.spam_reason("Prueba de sonido en el parque", "Una propuesta real y bastante larga.") == \
        "test_or_probe"
    assert domain.spam_reason("Más árboles en la plaza", "Plantar árboles en la plaza del barrio.") is None
    assert len(domain.imported_title("palabra " * 40)) <= domain.TITLE_MAX


def test_three_pending_reports_hide_and_moderators_decide_with_a_reason():
    assert not domain.hidden_by_reports(2, False) and domain.hidden_by_reports(3, False)
    assert not domain.hidden_by_reports(5, True)
    assert domain.check_report_reason("off_topic") == "off_topic"
    with pytest.raises(domain.RuleBroken):
        domain.check_report_reason("boring")
    assert domain.check_moderation("hide", False, " Spam. ") == "Spam."
    for action, hidden, code in (("hide", True, "ALREADY_HIDDEN"), ("restore", False, "NOT_HIDDEN")):
        with pytest.raises(domain.RuleBroken) as refused:
            domain.check_moderation(action, hidden, "x")
        assert refused.value.code == code
    with pytest.raises(domain.RuleBroken) as empty:
        domain.check_moderation("hide", False, "")
    assert empty.value.field == "reason"
    assert domain.is_moderator(["citizen", "admin"]) and not domain.is_moderator(["citizen", "agent"])

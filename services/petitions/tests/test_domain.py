"""Rules of petitions (unit tests: no database, no broker)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from petitions import domain
from petitions.domain import NotAllowed, RuleBroken

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def broken(rule, *args) -> RuleBroken:
    with pytest.raises(RuleBroken) as refused:
        rule(*args)
    return refused.value


# --- texts -----------------------------------------------------------------------------------

def test_texts_are_trimmed_and_titles_keep_single_spaces():
    assert domain.check_title("  Des   bancs\true Manin  ") == "Des bancs rue Manin"
    assert domain.check_asks("\r\nNous demandons des bancs.\r\nMerci.\x07 ") == "Nous demandons des bancs.\nMerci."


@pytest.mark.parametrize("rule, field, too_long", [
    (domain.check_title, "title", "t" * 151), (domain.check_asks, "asks", "a" * 3001),
    (domain.check_background, "background", "b" * 5001)])
def test_empty_short_and_oversized_texts_are_refused_on_their_field(rule, field, too_long):
    for text in ("", "   \n ", "court", too_long):
        assert broken(rule, text).field == field
    assert broken(rule, "   ").message == "Ce champ ne peut pas être vide."


def test_the_limits_themselves_are_accepted():
    assert len(domain.check_title("t" * 150)) == 150
    assert len(domain.check_asks("a" * 3000)) == 3000
    assert len(domain.check_background("b" * 5000)) == 5000


@pytest.mark.parametrize("arrondissement", [0, 21, -3])
def test_arrondissements_go_from_1_to_20(arrondissement):
    assert broken(domain.check_arrondissement, arrondissement).field == "arrondissement"
    assert domain.check_arrondissement(None) is None and domain.check_arrondissement(20) == 20


def test_search_ignores_accents_and_case():
    assert domain.fold("Pétition ÉCOLE") == "petition ecole"
    assert "rues aux ecoles" in domain.searchable("Des rues aux écoles", "Nous demandons")


def test_sponsor_tokens_are_long_and_random():
    tokens = {domain.new_sponsor_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(token) >= 40 for token in tokens)


# --- lifecycle -------------------------------------------------------------------------------

def test_the_author_cannot_sponsor_their_own_petition_nor_anyone_twice():
    assert broken(domain.check_can_sponsor, domain.DRAFT, True, False).code == "OWN_PETITION"
    assert broken(domain.check_can_sponsor, domain.DRAFT, False, True).code == "ALREADY_SPONSORED"
    assert broken(domain.check_can_sponsor, domain.SUBMITTED, False, False).code == "NOT_A_DRAFT"
    domain.check_can_sponsor(domain.DRAFT, False, False)


def test_a_draft_is_submitted_with_enough_sponsors_only():
    refused = broken(domain.check_can_submit, domain.DRAFT, 3, 5)
    assert refused.code == "NOT_ENOUGH_SPONSORS" and "2 co-parrains sur 5" in refused.message
    assert "1 co-parrain sur" in broken(domain.check_can_submit, domain.DRAFT, 4, 5).message
    assert broken(domain.check_can_submit, domain.SUBMITTED, 9, 5).code == "NOT_A_DRAFT"
    domain.check_can_submit(domain.DRAFT, 5, 5)


def test_a_draft_is_locked_once_sponsored():
    assert broken(domain.check_editable, domain.DRAFT, 1).code == "DRAFT_LOCKED"
    assert broken(domain.check_editable, domain.OPEN, 0).code == "NOT_A_DRAFT"
    domain.check_editable(domain.DRAFT, 0)


@pytest.mark.parametrize("status, code", [
    (domain.DRAFT, "PETITION_NOT_PUBLISHED"), (domain.SUBMITTED, "PETITION_NOT_PUBLISHED"),
    (domain.REJECTED, "PETITION_REJECTED"), (domain.CLOSED, "PETITION_CLOSED"), (domain.ANSWERED, "PETITION_CLOSED")])
def test_only_published_petitions_before_their_deadline_are_signed(status, code):
    assert broken(domain.check_can_sign, status, NOW + timedelta(days=1), NOW).code == code


def test_signing_goes_on_after_the_threshold_until_the_deadline():
    for status in domain.SIGNABLE_STATUSES:
        domain.check_can_sign(status, NOW + timedelta(seconds=1), NOW)
    assert broken(domain.check_can_sign, domain.OPEN, NOW, NOW).code == "PETITION_CLOSED"


def test_rejection_codes_and_hiding():
    assert broken(domain.check_rejection, "boring", False).field == "code"
    assert broken(domain.check_rejection, "duplicate", True).field == "hidden"
    domain.check_rejection("offensive", True)
    domain.check_rejection("duplicate", False)


def test_only_an_admin_sets_another_threshold_than_the_citys():
    assert domain.check_threshold(5000, 5000, False) == 5000
    with pytest.raises(NotAllowed) as refused:
        domain.check_threshold(3, 5000, False)
    assert refused.value.code == "THRESHOLD_ADMIN_ONLY"
    assert domain.check_threshold(3, 5000, True) == 3
    assert broken(domain.check_threshold, 0, 5000, True).field == "threshold"


def test_the_council_steps_come_in_order():
    assert broken(domain.check_can_schedule, domain.OPEN).code == "THRESHOLD_NOT_REACHED"
    domain.check_can_schedule(domain.THRESHOLD_REACHED)
    domain.check_can_schedule(domain.SCHEDULED)  # a session moved: placed again
    assert broken(domain.check_can_answer, domain.THRESHOLD_REACHED).code == "NOT_SCHEDULED"
    assert broken(domain.check_can_close, domain.SCHEDULED).code == "NOT_ANSWERED"
    assert broken(domain.check_council_date, date(2026, 1, 1), date(2026, 2, 1)).field == "session_date"


def test_what_closes_at_the_deadline():
    past = NOW - timedelta(seconds=1)
    assert domain.due_for_closing(domain.OPEN, past, NOW) == "deadline"
    assert domain.due_for_closing(domain.ANSWERED, past, NOW) == "answered"
    assert domain.due_for_closing(domain.THRESHOLD_REACHED, past, NOW) is None  # awaits the Council
    assert domain.due_for_closing(domain.OPEN, NOW + timedelta(days=1), NOW) is None


# --- eligibility -----------------------------------------------------------------------------

def attributes(lives=True, arrondissement=11, verified=True) -> dict:
    return {"lives_in_paris": lives, "arrondissement": arrondissement if lives else None,
            "email_verified": verified}


def test_paris_residents_need_a_paris_profile():
    basis = domain.signature_basis(domain.PARIS_RESIDENTS, attributes(), {})
    assert basis == domain.SignatureBasis(True, False, False, 11)
    for profile in (attributes(lives=False), {"lives_in_paris": None, "email_verified": True}):
        with pytest.raises(NotAllowed) as refused:
            domain.signature_basis(domain.PARIS_RESIDENTS, profile, {"lives": True})  # ticking is not enough
        assert refused.value.code == "NOT_ELIGIBLE"


def test_live_work_study_is_declared_at_signing():
    assert domain.signature_basis(domain.LIVE_WORK_STUDY, attributes(lives=False), {"works": True}) == \
        domain.SignatureBasis(False, True, False, None)
    assert domain.signature_basis(domain.LIVE_WORK_STUDY, attributes(lives=False), {"lives": True}) == \
        domain.SignatureBasis(True, False, False, None)  # declared, so no arrondissement is known
    assert domain.signature_basis(domain.LIVE_WORK_STUDY, attributes(arrondissement=18), {}) == \
        domain.SignatureBasis(True, False, False, 18)  # the profile says so: nothing to tick
    assert broken(domain.signature_basis, domain.LIVE_WORK_STUDY, attributes(lives=False), {}).field == "connection"


def test_an_unverified_address_cannot_sign():
    with pytest.raises(NotAllowed) as refused:
        domain.signature_basis(domain.LIVE_WORK_STUDY, attributes(verified=False), {"works": True})
    assert refused.value.code == "EMAIL_NOT_VERIFIED"


# --- dates, progress, settings -----------------------------------------------------------------

def test_months_are_calendar_months():
    assert domain.add_months(datetime(2026, 1, 31, 12, tzinfo=timezone.utc), 1) == \
        datetime(2026, 2, 28, 12, tzinfo=timezone.utc)
    assert domain.add_months(datetime(2026, 3, 2, tzinfo=timezone.utc), 12) == datetime(2027, 3, 2, tzinfo=timezone.utc)
    assert domain.add_months(datetime(2027, 11, 30, tzinfo=timezone.utc), 3) == \
        datetime(2028, 2, 29, tzinfo=timezone.utc)


def test_moderation_is_overdue_after_its_deadline():
    due = domain.moderation_due(NOW, 7)
    assert due == NOW + timedelta(days=7)
    assert not domain.overdue(due, due) and domain.overdue(due, due + timedelta(seconds=1))


def test_progress_is_capped_at_100_percent():
    assert domain.progress_percent(2500, 5000) == 50
    assert domain.progress_percent(7000, 5000) == 100
    assert domain.progress_percent(3, None) == 0
    assert domain.reached(5000, 5000) and not domain.reached(4999, 5000)


def test_roles():
    assert domain.is_moderator(["citizen", "moderator"]) and domain.is_moderator(["admin"])
    assert not domain.is_moderator(["citizen", "agent"])
    assert domain.top_role(["citizen", "moderator", "admin"]) == "admin" and domain.top_role([]) == "citizen"


def test_a_forwarded_idea_is_fitted_to_the_limits_of_a_petition():
    short = domain.prefill_from_idea("Bancs", "Des bancs.", 19)
    assert short["title"] == "Bancs (pétition)" and short["asks"].startswith("Des bancs. (à préciser")
    assert "« Bancs »" in short["background"] and short["arrondissement"] == 19
    for field, rule in (("title", domain.check_title), ("asks", domain.check_asks),
                        ("background", domain.check_background)):
        assert rule(short[field]) == short[field]
    long = domain.prefill_from_idea("T" * 300, "D" * 4000, 42)
    assert len(long["title"]) == 150 and long["title"].endswith("…") and len(long["asks"]) == 3000
    assert long["arrondissement"] is None

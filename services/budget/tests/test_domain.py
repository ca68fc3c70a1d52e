"""The budget's rules in plain Python: stages, envelopes, eligibility, ballots, the greedy tally, pabulib."""
import csv
from datetime import date

import pytest
from budget import domain
from budget.adapters import pabulib
from budget.domain import Candidate, NotAllowed, RuleBroken

from .conftest import PARIS_CSV


def test_stages_move_forward_one_at_a_time():
    assert domain.next_stage("submission") == "study"
    domain.check_advance("vote", "results")
    with pytest.raises(RuleBroken) as broken:
        domain.check_advance("submission", "vote")
    assert broken.value.code == "WRONG_STAGE" and broken.value.details["next_stage"] == "study"
    with pytest.raises(RuleBroken) as broken:
        domain.next_stage("implementation")
    assert broken.value.code == "LAST_STAGE"


def test_a_stage_gate_names_the_current_stage():
    with pytest.raises(RuleBroken) as broken:
        domain.require_stage("study", "vote", action="voter")
    assert broken.value.code == "WRONG_STAGE" and "Étude des projets" in broken.value.message
    assert broken.value.details == {"stage": "study", "allowed_stages": ["vote"]}


def test_sectors_are_paris_centre_then_the_5th_to_the_20th():
    assert len(domain.SECTORS) == 17
    assert domain.SECTORS[0] == domain.Sector("paris-centre", "Paris Centre", "75123")
    assert domain.SECTORS[-1].code == "paris-20" and domain.SECTORS[-1].insee == "75120"


def test_themes_are_the_labels_of_the_city_open_data():
    with PARIS_CSV.open(encoding="utf-8-sig") as handle:
        labels = {row["Thématique"] for row in csv.DictReader(handle, delimiter=";") if row["Thématique"]}
    assert set(domain.THEMES) == labels


def test_envelopes_cover_every_sector_and_refuse_unknown_ones():
    envelopes = domain.check_envelopes(1000, {"paris-12": 50})
    assert envelopes["paris-12"] == 50 and envelopes["paris-centre"] == 0 and len(envelopes) == 17
    with pytest.raises(RuleBroken):
        domain.check_envelopes(1000, {"paris-3": 50})  # the 3e votes in Paris Centre


def test_location_depends_on_the_scale():
    assert domain.check_location("arrondissement", "paris-19") == "paris-19"
    assert domain.check_location("paris", None) is None
    for scale, sector in (("arrondissement", None), ("arrondissement", "paris-2"), ("paris", "paris-19")):
        with pytest.raises(RuleBroken) as broken:
            domain.check_location(scale, sector)
        assert broken.value.field == "sector"


def test_study_rules():
    domain.check_study(False, None, None)
    domain.check_study(True, True, 120_000)
    domain.check_study(True, False, None)
    with pytest.raises(RuleBroken):
        domain.check_study(True, True, None)
    with pytest.raises(RuleBroken):
        domain.check_study(False, True, 10)


RESIDENT = {"lives_in_paris": True, "birth_date": "2010-06-01", "certification": "declared", "email_verified": True}


@pytest.mark.parametrize("rules, attributes, rule", [
    ({}, {**RESIDENT, "email_verified": False}, "email_verified"),
    ({}, {**RESIDENT, "lives_in_paris": False}, "lives_in_paris"),
    ({"min_age": 17}, RESIDENT, "min_age"),
    ({"min_age": 16}, {**RESIDENT, "birth_date": None}, "min_age"),
    ({"certification": "verified"}, RESIDENT, "certification"),
])
def test_each_refusal_names_its_rule(rules, attributes, rule):
    with pytest.raises(NotAllowed) as refused:
        domain.check_eligible(rules, attributes, date(2026, 6, 1))
    assert refused.value.code == "NOT_ELIGIBLE" and refused.value.details["rule"] == rule


def test_age_is_taken_on_the_vote_day():
    domain.check_eligible({"min_age": 16}, RESIDENT, date(2026, 6, 1))  # 16 that very day
    with pytest.raises(NotAllowed):
        domain.check_eligible({"min_age": 16}, RESIDENT, date(2026, 5, 31))
    domain.check_eligible({"lives_in_paris": False}, {**RESIDENT, "lives_in_paris": False}, date(2026, 6, 1))


CANDIDATES = {
    "p1": Candidate("p1", "paris", None, 100, 1), "p2": Candidate("p2", "paris", None, 100, 2),
    "s1": Candidate("s1", "arrondissement", "paris-19", 10, 3),
    "s2": Candidate("s2", "arrondissement", "paris-20", 10, 4),
}


def test_a_valid_ballot():
    domain.check_ballot(CANDIDATES, 2, ["p1", "p2"], "paris-19", ["s1"])
    domain.check_ballot(CANDIDATES, 2, [], "paris-20", ["s2"])


@pytest.mark.parametrize("paris, sector, local, field", [
    ([], None, [], "paris_projects"),
    (["p1", "p1"], None, [], "paris_projects"),
    (["p1", "p2", "x"], None, [], "paris_projects"),
    (["s1"], None, [], "paris_projects"),
    ([], "paris-19", ["s2"], "sector_projects"),
    ([], "paris-19", ["p1"], "sector_projects"),
    ([], None, ["s1"], "sector"),
])
def test_invalid_ballots(paris, sector, local, field):
    with pytest.raises(RuleBroken) as broken:
        domain.check_ballot(CANDIDATES, 2, paris, sector, local)
    assert broken.value.field == field and broken.value.code == "RULE_BROKEN"


def test_receipts_are_random_and_stored_as_digests():
    first, second = domain.new_receipt(), domain.new_receipt()
    assert first != second and len(first) == 24
    assert domain.receipt_digest(first) == domain.receipt_digest(f" {first.upper()} ")
    assert first not in domain.receipt_digest(first)


def test_greedy_skips_what_does_not_fit_and_considers_the_next():
    candidates = [Candidate("a", "paris", None, 60, 1), Candidate("b", "paris", None, 50, 2),
                  Candidate("c", "paris", None, 40, 3), Candidate("d", "paris", None, 10, 4)]
    winners, used = domain.greedy_winners(candidates, {"a": 9, "b": 8, "c": 7, "d": 1}, 100)
    assert winners == ["a", "c"] and used == 100  # b (50) does not fit after a (60); c (40) does; d no room


def test_ties_go_to_the_lower_cost_then_the_earlier_submission():
    candidates = [Candidate("late", "paris", None, 50, 2), Candidate("early", "paris", None, 50, 1),
                  Candidate("dear", "paris", None, 80, 0)]
    winners, _ = domain.greedy_winners(candidates, {"late": 5, "early": 5, "dear": 5}, 100)
    assert winners == ["early", "late"]


def test_a_project_nobody_chose_does_not_win():
    winners, used = domain.greedy_winners([Candidate("a", "paris", None, 1, 1)], {}, 100)
    assert winners == [] and used == 0


def test_tally_per_scope():
    outcome = domain.tally(list(CANDIDATES.values()), {"p1": 3, "p2": 2, "s1": 1, "s2": 4}, 150,
                           {**{c: 0 for c in domain.SECTOR_CODES}, "paris-19": 10, "paris-20": 5})
    assert outcome["paris"] == {"envelope": 150, "used": 100, "winners": ["p1"]}
    assert outcome["paris-19"]["winners"] == ["s1"] and outcome["paris-20"]["winners"] == []


def test_pabulib_round_trip():
    text = pabulib.dump({"budget": 100, "vote_type": "approval"},
                        [{"project_id": "1", "cost": 60, "votes": 2, "name": "Bancs; et fontaines", "category": "x",
                          "district": "paris", "selected": 1}],
                        [{"voter_id": 1, "vote": "1"}, {"voter_id": 2, "vote": "1"}])
    parsed = pabulib.parse(text)
    assert parsed["meta"]["budget"] == "100" and parsed["projects"][0]["name"] == "Bancs; et fontaines"
    assert [pabulib.choices_of(v["vote"]) for v in parsed["votes"]] == [["1"], ["1"]]


@pytest.mark.parametrize("text", ["", "PROJECTS\nproject_id;cost\n1", "hello\n", "PROJECTS\nproject_id;cost\n;\n"])
def test_pabulib_refuses_what_it_cannot_read(text):
    with pytest.raises(pabulib.PabulibError):
        pabulib.parse(text)
    with pytest.raises(pabulib.PabulibError):
        pabulib.cost_of("12.5")

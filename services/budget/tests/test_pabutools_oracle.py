"""pabutools (the researchers' reference implementation of pabulib) as an oracle for what budget wrote by hand: its
.pb reader (adapters/pabulib.py) and its greedy tally (domain.greedy_winners), on the real files of tests/data/pabulib
and on generated instances written by budget's own .pb export.

One documented difference: pabutools' greedy rule also funds projects nobody approved when money is left over (they
come last); budget's does not (a project nobody chose does not win). Since they come last, removing them from
pabutools' outcome leaves budget's exactly.
"""
import random
from fractions import Fraction

import pytest
from budget import domain
from budget.adapters import pabulib
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.tiebreaking import TieBreakingRule

from .conftest import PABULIB_DIR

FILES = sorted(PABULIB_DIR.glob("*.pb"))


def read_both(text: str) -> tuple:
    return pabulib.parse(text), parse_pabulib_from_string(text)


def budget_winners(parsed: dict) -> tuple:
    """budget's tally of a parsed .pb: the whole budget as one Paris-wide envelope, votes counted from VOTES."""
    votes = {}
    for row in parsed["votes"]:
        for project_id in set(pabulib.choices_of(row["vote"])):
            votes[project_id] = votes.get(project_id, 0) + 1
    candidates = [domain.Candidate(row["project_id"], domain.PARIS, None, pabulib.cost_of(row["cost"]), position)
                  for position, row in enumerate(parsed["projects"], start=1)]
    envelope = int(float(parsed["meta"]["budget"]))
    return domain.greedy_winners(candidates, votes, envelope), votes


def pabutools_winners(instance, profile, parsed: dict, votes: dict) -> tuple:
    """pabutools' greedy (Cost_Sat: projects by approvals, those that fit), ties broken as budget breaks them (the
    lower cost, then the earlier in the file, then the id); the projects nobody approved left out (see above)."""
    position = {row["project_id"]: index for index, row in enumerate(parsed["projects"])}
    ties = TieBreakingRule(lambda _instance, _profile, project: (project.cost, position[project.name], project.name))
    outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    chosen = sorted(outcome, key=lambda project: (-votes.get(project.name, 0), project.cost, position[project.name]))
    approved = [project for project in chosen if votes.get(project.name, 0) > 0]
    return [project.name for project in approved], int(sum(project.cost for project in approved))


def assert_same_reading(parsed: dict, instance, profile):
    assert parsed["meta"] == instance.meta
    assert int(float(parsed["meta"]["budget"])) == instance.budget_limit
    assert {row["project_id"]: pabulib.cost_of(row["cost"]) for row in parsed["projects"]} == {
        project.name: project.cost for project in instance}
    ours = sorted(sorted(set(pabulib.choices_of(row["vote"]))) for row in parsed["votes"])
    theirs = sorted(sorted(project.name for project in ballot) for ballot in profile)
    assert ours == theirs


def assert_same_winners(parsed: dict, instance, profile):
    (winners, used), votes = budget_winners(parsed)
    assert (winners, used) == pabutools_winners(instance, profile, parsed, votes)
    return winners


# --- the real files ---------------------------------------------------------------------------------------

def test_there_are_files_to_compare():
    assert len(FILES) >= 2


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_reader_reads_a_real_file_as_pabutools_does(path):
    parsed, (instance, profile) = read_both(path.read_text(encoding="utf-8"))
    assert len(parsed["votes"]) == len(profile) > 0
    assert_same_reading(parsed, instance, profile)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_greedy_tally_of_a_real_file_is_pabutools_greedy(path):
    parsed, (instance, profile) = read_both(path.read_text(encoding="utf-8"))
    assert assert_same_winners(parsed, instance, profile)


# --- generated instances, written by budget's export ----------------------------------------------------------

def generated(seed: int) -> str:
    """A random approval election as budget exports one: few distinct costs and vote counts, so that ties (equal
    votes, equal costs) and projects that no longer fit are common; some projects nobody approves."""
    rng = random.Random(seed)
    count = rng.randint(3, 25)
    ids = rng.sample(range(1, 1000), count)
    costs = {project_id: rng.choice((1_000, 2_500, 5_000, 5_000, 10_000, 40_000)) for project_id in ids}
    popular = [project_id for project_id in ids if rng.random() < 0.85]
    ballots = [sorted({str(rng.choice(popular)) for _ in range(rng.randint(1, 4))}) for _ in range(rng.randint(1, 60))
               ] if popular else []
    budget = rng.randint(1, max(1, sum(costs.values()) * 2 // 3))
    meta = {"description": f"Généré {seed}", "country": "France", "unit": "Paris", "instance": str(seed),
            "num_projects": count, "num_votes": len(ballots), "budget": budget, "vote_type": "approval",
            "rule": "greedy", "min_length": 1, "max_length": 4, "currency": "EUR"}
    projects = [{"project_id": str(project_id), "cost": costs[project_id], "votes": 0, "name": f"Projet {project_id}",
                 "category": "Cadre de vie", "district": "paris", "selected": 0} for project_id in ids]
    return pabulib.dump(meta, projects, [{"voter_id": n, "vote": ",".join(ballot)}
                                         for n, ballot in enumerate(ballots, start=1)])


@pytest.mark.parametrize("seed", range(40))
def test_a_generated_instance_is_read_and_tallied_as_pabutools_does(seed):
    text = generated(seed)
    parsed, (instance, profile) = read_both(text)
    assert_same_reading(parsed, instance, profile)
    assert_same_winners(parsed, instance, profile)


def test_ties_are_broken_by_the_lower_cost_then_the_earlier_project():
    """Three projects with the same votes: the cheapest first, then the earlier of two of the same cost."""
    meta = {"budget": 6_000, "vote_type": "approval"}
    projects = [{"project_id": project_id, "cost": cost, "votes": 2, "name": project_id, "category": "",
                 "district": "", "selected": 0} for project_id, cost in (("9", 5_000), ("3", 1_000), ("5", 5_000))]
    text = pabulib.dump(meta, projects, [{"voter_id": n, "vote": "3,5,9"} for n in (1, 2)])
    parsed, (instance, profile) = read_both(text)
    assert assert_same_winners(parsed, instance, profile) == ["3", "9"]
    assert Fraction(instance.budget_limit) == 6_000

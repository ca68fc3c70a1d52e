"""CSV injection: project titles a spreadsheet would run as formulas come out of the open-data CSV exports and the
pabulib export neutralised (a leading single quote), a normal title unchanged, and the files still parse back."""
import csv
import io

import pytest
import sqlalchemy as sa
from budget.adapters import pabulib
from budget.models import Project

from .test_handlers import advance_to, ballot, run, vote_cycle, voter  # noqa: F401

FORMULA_TITLES = {"P1": '=HYPERLINK("http://evil","x")', "P2": "+1+1", "P3": "@SUM(A1)", "S1": "\t=1", "S2": "-2+3"}


def rows_of(content: str) -> list:
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:]), delimiter=";"))


@pytest.fixture
def published_cycle(run, store, voter, vote_cycle):
    """The vote cycle with formula titles (as an import or an older row may hold: the submission form's length rule
    would refuse some of them) and one normal title, its results published."""
    with store.uow() as uow:
        for name, title in FORMULA_TITLES.items():
            uow.session.execute(sa.update(Project).where(Project.id == vote_cycle[name]).values(title=title))
    run("cast_ballot", voter(), ballot(vote_cycle, paris=("P1", "P2"), sector="paris-19", local=("S1",)))
    advance_to(run, vote_cycle["id"], "results")
    return vote_cycle


def expected_titles(cycle) -> dict:
    return {cycle[name]: "'" + title for name, title in FORMULA_TITLES.items()}


def test_the_projects_csv_neutralises_formula_titles_and_keeps_numbers(run, published_cycle):
    rows = rows_of(run("export_projects_csv", {"cycle_id": published_cycle["id"]})["content"])
    assert {row["id"]: row["titre"] for row in rows} == expected_titles(published_cycle)
    assert {row["cout_ville"] for row in rows} == {"600", "500", "400", "200", "150"}
    assert {row["voix"] for row in rows} == {"1", "0"}


def test_the_results_csv_neutralises_formula_titles(run, published_cycle):
    rows = rows_of(run("export_results_csv", published_cycle["id"])["content"])
    titles = {row["projet_id"]: row["titre"] for row in rows}
    assert titles == {project_id: title for project_id, title in expected_titles(published_cycle).items()
                      if project_id in titles} and len(titles) == 5
    assert all(row["rang"].isdigit() and row["enveloppe"].isdigit() for row in rows)


def test_a_normal_title_is_unchanged(run, store, published_cycle):
    with store.uow() as uow:
        uow.session.execute(sa.update(Project).where(Project.id == published_cycle["P2"])
                            .values(title="Des bancs, l'été : 2 + 3 = 5"))
    rows = rows_of(run("export_projects_csv", {"cycle_id": published_cycle["id"]})["content"])
    assert {row["id"]: row["titre"] for row in rows}[published_cycle["P2"]] == "Des bancs, l'été : 2 + 3 = 5"


def test_the_pabulib_export_neutralises_names_and_keeps_ids_costs_and_votes(run, published_cycle):
    parsed = pabulib.parse(run("export_pabulib", published_cycle["id"])["content"])
    assert sorted(row["name"] for row in parsed["projects"]) == sorted("'" + t for t in FORMULA_TITLES.values())
    assert all(row["project_id"].isdigit() for row in parsed["projects"])
    assert sorted(pabulib.cost_of(row["cost"]) for row in parsed["projects"]) == [150, 200, 400, 500, 600]
    ids = {row["project_id"] for row in parsed["projects"]}
    assert [set(pabulib.choices_of(vote["vote"])) <= ids for vote in parsed["votes"]] == [True]

"""The back office's lists of a cycle's projects: one page at a time, filtered and counted in SQL."""
import pytest
from budget import schemas
from hubkit.errors import InvalidInput, NotFound
from hubkit.validation import load

from .test_handlers import ADMIN, AGENT, CYCLE, advance_to, run, study, submit  # noqa: F401 (run: a fixture)

UNKNOWN_CYCLE = "00000000-0000-4000-8000-000000000000"


def page(run, cycle_id, **query):
    return run("list_projects", {"cycle_id": cycle_id, "limit": 50, "offset": 0, **query})


@pytest.fixture
def studied_cycle(run):
    """Seven projects (four in the 19th, three in Paris Centre; the Paris Centre ones about mobility), of which
    the first three are feasible, the fourth not admissible, the others still waiting for their study."""
    cycle = run("create_cycle", ADMIN, CYCLE)
    ids = [submit(run, cycle["id"], title=f"Projet numéro {number} du quartier",
                  **({"sector": "paris-centre", "theme": "Mobilités"} if number % 2 else {}))["id"]
           for number in range(7)]
    advance_to(run, cycle["id"], "study")
    for project_id in ids[:3]:
        study(run, project_id, 100)
    run("decide_study", AGENT, {"project_id": ids[3], "admissible": False, "feasible": None, "cost": None,
                                "admissibility_reason": "Ne relève pas de la Ville."})
    return cycle["id"], ids


def test_a_page_of_projects_and_the_total_of_the_filter(run, studied_cycle):
    cycle_id, ids = studied_cycle
    first, second, third = (page(run, cycle_id, limit=3, offset=offset) for offset in (0, 3, 6))
    assert [p["id"] for p in first["items"] + second["items"] + third["items"]] == ids  # in order of submission
    assert len(second["items"]) == 3 and len(third["items"]) == 1
    assert first["total"] == second["total"] == third["total"] == 7
    beyond = page(run, cycle_id, limit=3, offset=9)
    assert beyond["items"] == [] and beyond["total"] == 7


def test_the_study_queue_the_feasible_projects_and_the_places_are_filtered_in_sql(run, studied_cycle):
    cycle_id, ids = studied_cycle
    waiting = page(run, cycle_id, studied=False, limit=2)
    assert [p["id"] for p in waiting["items"]] == ids[4:6] and waiting["total"] == 3
    assert page(run, cycle_id, studied=True)["total"] == 4
    feasible = page(run, cycle_id, feasible=True)
    assert [p["id"] for p in feasible["items"]] == ids[:3] and feasible["by_sector"] == {"paris-19": 2,
                                                                                      "paris-centre": 1}
    assert page(run, cycle_id, feasible=False)["total"] == 4
    centre = page(run, cycle_id, sector="paris-centre", feasible=True)
    assert [p["id"] for p in centre["items"]] == [ids[1]]
    assert page(run, cycle_id, theme="Mobilités", studied=False)["total"] == 1  # ids[5]
    assert page(run, cycle_id, status="inadmissible")["total"] == 1


def test_the_counts_of_the_dashboard(run, studied_cycle):
    cycle_id, ids = studied_cycle
    assert run("project_counts", cycle_id) == {"total": 7, "by_status": {"feasible": 3, "inadmissible": 1,
                                                                         "submitted": 3}}
    advance_to(run, cycle_id, "selection")
    run("select_project", AGENT, {"project_id": ids[0], "selected": True})
    counts = run("project_counts", cycle_id)
    assert counts["by_status"]["selected"] == 1 and counts["by_status"]["feasible"] == 2 and counts["total"] == 7
    with pytest.raises(NotFound):
        run("project_counts", UNKNOWN_CYCLE)


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"offset": -1}, "offset"), ({"offset": "deux"}, "offset"),
    ({"studied": "peut-être"}, "studied"), ({"feasible": "oui-non"}, "feasible"), ({"sector": "paris-99"}, "sector"),
])
def test_a_bad_page_or_filter_is_refused_with_the_field(query, field):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.ProjectListQuerySchema(), {"cycle_id": UNKNOWN_CYCLE, **query})
    assert list(refused.value.details) == [field]


def test_the_counts_need_a_cycle_id():
    with pytest.raises(InvalidInput) as refused:
        load(schemas.CycleIdSchema(), {"cycle_id": "pas-un-identifiant"})
    assert list(refused.value.details) == ["cycle_id"]


def test_the_default_order_read_cycle_by_cycle_is_the_order_of_one_sort(run, store):
    """Pages of the default order (newest cycle first, then submission) are read cycle by cycle through an index
    (issue 17): every page is the slice of the one sort over every listed project the list used to do."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from budget.models import Cycle, Project

    moments = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)]
    for number, moment in enumerate(moments):  # two cycles created at the same moment: their ids break the tie
        cycle = run("create_cycle", ADMIN, {**CYCLE, "title": f"Budget participatif 202{number}"},
                    clock=lambda moment=moment: moment)
        for index in range(3 + 2 * number):
            submit(run, cycle["id"], title=f"Projet {index} du cycle {number}",
                   **({"sector": "paris-centre"} if index % 2 else {}))
    with store.uow() as uow:
        expected = uow.session.execute(sa.select(Project.id).join(Cycle, Cycle.id == Project.cycle_id).where(
            Project.draft.is_(False), Project.merged_into.is_(None)).order_by(
            Cycle.created_at.desc(), Project.cycle_id, Project.position, Project.id)).scalars().all()
    assert len(expected) == 15
    for limit in (1, 4, 7, 20):
        for offset in range(0, 17):
            listed = run("list_projects", {"limit": limit, "offset": offset})
            assert [p["id"] for p in listed["items"]] == expected[offset:offset + limit]
            assert listed["total"] == 15 and listed["by_sector"] == {"paris-19": 9, "paris-centre": 6}
    in_sector = run("list_projects", {"sector": "paris-centre", "limit": 4, "offset": 2})
    assert [p["id"] for p in in_sector["items"]] == [
        project_id for project_id in expected if project_id in {p["id"] for p in run("list_projects", {
            "sector": "paris-centre", "limit": 50, "offset": 0})["items"]}][2:6]

"""Budget projects in the service's text index (hubkit.text_index), kind "project": what citizens and agents are
shown while they type an idea (`similar_content`) and what the project lists' text search finds.

What is findable: every project the public sees, of every edition (the imported Paris winners 2014-2023, pabulib
imports, current cycles), whatever its status — submitted, studied, inadmissible or unfeasible (its public reason
tells a citizen why it was not pursued), selected, winner or not, in delivery. What is not: a draft (its
carrier's alone, until confirmed) and a project merged into a co-constructed one (the merged project stands for it,
and lists its sources). The index is kept in step in the unit of work of each write that changes it: submitting
and confirming a draft put the project, a merge puts the merged project and takes its sources out, imports put
theirs; nothing else changes a project's text or visibility.

A document is the title, then the description and the address. For an imported Paris winner the description is
the open data's note about its edition and sources, the same words for 1,214 projects, which would only dilute
each one's own words: its title and address are indexed.
"""
from collections.abc import Mapping

import sqlalchemy as sa
from hubkit.text_index import TextIndex

from ..models import Project

KIND = "project"
IMPORTED_NOTE_START = "Projet lauréat du budget participatif"  # adapters/paris_open_data.description


def findable(project) -> bool:
    return not project.draft and not project.merged_into


def document(project) -> tuple:
    """(kind, id, title, body) of a project (a Project, or a mapping of its columns: an import's row)."""
    get = project.get if isinstance(project, Mapping) else lambda name: getattr(project, name)
    description = get("description") or ""
    imported = get("external_id") and description.startswith(IMPORTED_NOTE_START)
    body = "\n".join(part for part in ("" if imported else description, get("address") or "") if part)
    return KIND, str(get("id")), get("title") or "", body


def put(session, *projects):
    """Index these findable projects (added or replaced), in the caller's transaction."""
    TextIndex(session).put_many([document(project) for project in projects])


def remove(session, *project_ids):
    index = TextIndex(session)
    for project_id in project_ids:
        index.remove(KIND, str(project_id))


def reindex(session, batch: int = 1000) -> dict:
    """Every project put back in the index by the rule above, `batch` at a time (after rows were changed by hand,
    or a copy restored without its index): {"indexed": findable projects, "removed": the others}."""
    indexed = removed = 0
    after = ""
    while True:
        projects = session.execute(sa.select(Project).where(Project.id > after).order_by(Project.id)
                                   .limit(batch)).scalars().all()
        if not projects:
            return {"indexed": indexed, "removed": removed}
        findable_ones = [project for project in projects if findable(project)]
        put(session, *findable_ones)
        remove(session, *(project.id for project in projects if not findable(project)))
        indexed, removed = indexed + len(findable_ones), removed + len(projects) - len(findable_ones)
        after = projects[-1].id

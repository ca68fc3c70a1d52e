"""Events the budget service publishes (see docs/events.md). Payloads carry ids, codes, counts and amounts only:
never an e-mail, a pseudonym, a name, an address, nor the text of a project.

`ballot_cast` carries no personal data at all: its actor is an anonymous voter and its payload the cycle and
the number of ballots, never who voted, for what, nor in which sector.
"""

PROJECT_SUBMITTED = "project_submitted"
PROJECT_STUDY_DECIDED = "project_study_decided"
PROJECT_SELECTED = "project_selected"
BALLOT_CAST = "ballot_cast"
VOTE_CLOSED = "vote_closed"
RESULTS_PUBLISHED = "results_published"
PROJECTS_MERGED = "projects_merged"
PROJECT_STATUS_CHANGED = "project_status_changed"
PROJECT_DRAFTED = "project_drafted"



def project_subject(project_id: str) -> dict:
    return {"kind": "budget_project", "id": project_id}


def cycle_subject(cycle_id: str) -> dict:
    return {"kind": "budget_cycle", "id": cycle_id}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


ANONYMOUS_VOTER = {"account_id": None, "role": "citizen"}

"""Events the budget service publishes (see docs/events.md). Payloads carry ids, codes, counts and amounts only:
never an e-mail, a pseudonym, a name, an address, nor the text of a project.

`ballot_cast` carries no personal data at all: its actor is an anonymous voter and its payload the cycle and
the number of ballots, never who voted, for what, nor in which sector.

The personal events (`PERSONAL_EVENTS`) name accounts, and nothing else: who follows a project, whose online ballot
a transaction recorded (never the choices, the sector nor the receipt). They exist only for each person's own
« Mon espace » (the notifications service's read model): the broker lets no identity but `notifications` bind a
queue to them (deploy/rabbitmq/users.py PERSONAL_EVENTS).
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
# personal events (see above): the account starts or stops following a project (favorite or associate, either)
PROJECT_FOLLOWED = "project_followed"
PROJECT_UNFOLLOWED = "project_unfollowed"
# the accounts whose online ballot one transaction recorded or replaced, per cycle
BALLOTS_RECORDED = "ballots_recorded"
PERSONAL_EVENTS = frozenset({PROJECT_FOLLOWED, PROJECT_UNFOLLOWED, BALLOTS_RECORDED})
ACCOUNT_IDS_PER_EVENT = 500  # a personal event names at most this many accounts (more: several events)


def project_subject(project_id: str) -> dict:
    return {"kind": "budget_project", "id": project_id}


def cycle_subject(cycle_id: str) -> dict:
    return {"kind": "budget_cycle", "id": cycle_id}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


ANONYMOUS_VOTER = {"account_id": None, "role": "citizen"}


def account_id_chunks(account_ids) -> list:
    """The accounts a personal event names, each once and sorted (the order of a batch says nothing), in chunks of
    at most ACCOUNT_IDS_PER_EVENT; none for none."""
    unique = sorted(set(account_ids))
    return [unique[start:start + ACCOUNT_IDS_PER_EVENT] for start in range(0, len(unique), ACCOUNT_IDS_PER_EVENT)]

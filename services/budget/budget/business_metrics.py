"""Business counters of the budget service."""
from contextlib import contextmanager

from hubkit.errors import HubError
from prometheus_client import Counter

PROJECTS = Counter("budget_projects_submitted_total", "Projects submitted.")
BALLOTS = Counter("budget_ballots_total", "Ballots cast or changed.")
BALLOTS_REFUSED = Counter("budget_ballots_refused_total", "Refused ballots, by reason.", ["reason"])
TALLIES = Counter("budget_tallies_total", "Votes closed and tallied.")


def count_project():
    PROJECTS.inc()


def count_tally():
    TALLIES.inc()


@contextmanager
def count_ballot():
    try:
        yield
    except HubError as error:
        BALLOTS_REFUSED.labels(str(error.details.get("rule") or error.code).lower()).inc()
        raise
    BALLOTS.inc()


def count_ballot_outcomes(outcomes: list):
    """A batch's outcomes: cast (or changed) ballots, and refusals by reason."""
    for outcome in outcomes:
        if isinstance(outcome, HubError):
            BALLOTS_REFUSED.labels(str(outcome.details.get("rule") or outcome.code).lower()).inc()
        else:
            BALLOTS.inc()

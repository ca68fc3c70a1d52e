"""Business counters of the budget service (counters: sum them across replicas).

A ballot is counted where it is written, once its transaction committed (`UnitOfWork.on_commit`): a ballot sent
again with its idempotency key is answered from the stored receipt (hubkit.idempotency) without being written, so
it is not counted again, and a rolled-back transaction counts nothing. Refusals are counted by the entrypoint.

`arrondissement` is a bounded label: "1".."20", "paris" (only Paris-wide projects chosen) or "inconnu"; whatever a
client sends, no other value can appear. All values exist at 0 from the start, so a rate is never missing."""
import collections
from contextlib import contextmanager

from hubkit.errors import HubError, InvalidInput
from prometheus_client import Counter

from .domain import ELIGIBILITY_RULES, sector_of_arrondissement

CITY_WIDE, UNKNOWN = "paris", "inconnu"
ARRONDISSEMENT_LABELS = tuple(str(number) for number in range(1, 21)) + (CITY_WIDE, UNKNOWN)
# A ballot's voting sector as the arrondissement label: the 1er to the 4e vote together as Paris Centre (the
# City's « 1er secteur » since 2020), counted as "1"; a ballot without local projects is Paris-wide.
_SECTOR_LABELS = {sector_of_arrondissement(number): str(number) for number in (1, *range(5, 21))}

PROJECTS = Counter("budget_projects_submitted_total", "Projects submitted.")
BALLOTS = Counter("budget_ballots_total",
                  "Ballots cast or changed (online and on paper), counted once when written (an idempotent replay "
                  "is not), by arrondissement of the ballot's voting sector (Paris Centre as \"1\"; \"paris\": "
                  "Paris-wide projects only). Sum across replicas.", ["arrondissement"])
BALLOTS_REFUSED = Counter("budget_ballots_refused_total", "Refused ballots, by reason.", ["reason"])
# Why the vote refuses a ballot (`refusal_reason`), at 0 from the start: each eligibility rule, and the codes of
# the voting handlers (handlers/voting.py, paper.py) and of a malformed ballot. Another code still appears when it
# first happens.
BALLOT_REFUSAL_REASONS = (*ELIGIBILITY_RULES, "validation_error", "not_found", "wrong_stage", "already_voted_on_paper",
                          "ballot_in_progress")
for _reason in BALLOT_REFUSAL_REASONS:
    BALLOTS_REFUSED.labels(_reason)
TALLIES = Counter("budget_tallies_total", "Votes closed and tallied.")
_BALLOTS_BY_ARRONDISSEMENT = {label: BALLOTS.labels(label) for label in ARRONDISSEMENT_LABELS}


def arrondissement_of_sector(sector) -> str:
    """The label of a ballot's voting sector: None (no local projects) is "paris", anything unknown "inconnu"."""
    if sector is None:
        return CITY_WIDE
    return _SECTOR_LABELS.get(sector, UNKNOWN) if type(sector) is str else UNKNOWN


def count_project():
    PROJECTS.inc()


def count_tally():
    TALLIES.inc()


def count_ballots(sectors: list):
    """Ballots written, one voting sector each (None: Paris-wide only); one increment per arrondissement."""
    for label, number in collections.Counter(arrondissement_of_sector(sector) for sector in sectors).items():
        _BALLOTS_BY_ARRONDISSEMENT[label].inc(number)


def refusal_reason(error: HubError) -> str:
    """Why a ballot was refused: the eligibility rule it broke, else its error code (both bounded; a field of a
    malformed ballot, whatever its name, is never a reason)."""
    rule = None if isinstance(error, InvalidInput) else error.details.get("rule")
    return rule if type(rule) is str and rule in ELIGIBILITY_RULES else error.code.lower()


@contextmanager
def counting_refusal():
    """A single ballot's refusal, by reason (the ballot itself is counted where it is written)."""
    try:
        yield
    except HubError as error:
        BALLOTS_REFUSED.labels(refusal_reason(error)).inc()
        raise


def count_refusals(outcomes: list):
    """A batch's refused ballots, by reason (the cast ones are counted where they are written)."""
    for reason, number in collections.Counter(refusal_reason(outcome) for outcome in outcomes
                                              if isinstance(outcome, HubError)).items():
        BALLOTS_REFUSED.labels(reason).inc(number)

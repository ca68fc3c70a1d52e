"""Business counters of the petitions service."""
import collections

from prometheus_client import Counter

from hubkit.errors import HubError

DRAFTS = Counter("petitions_drafts_total", "Petitions drafted.")
SPONSORSHIPS = Counter("petitions_sponsorships_total", "Co-sponsorships recorded.")
MODERATIONS = Counter("petitions_moderations_total", "Moderation decisions, by outcome.", ["outcome"])
SIGNATURES = Counter("petitions_signatures_total", "Signatures recorded.")
SIGNATURES_REFUSED = Counter("petitions_signatures_refused_total", "Refused signatures, by reason.", ["reason"])
CLOSED = Counter("petitions_closed_total", "Petitions closed by the deadline sweep or by an admin.")
THRESHOLDS_CAUGHT = Counter("petitions_thresholds_caught_by_sweep_total",
                            "Threshold crossings no signing transaction saw, caught by the periodic sweep.")


def count_draft():
    DRAFTS.inc()


def count_sponsorship():
    SPONSORSHIPS.inc()


def count_moderation(outcome: str):
    MODERATIONS.labels(outcome).inc()


def count_closed(number: int = 1):
    CLOSED.inc(number)


def count_thresholds_caught(number: int):
    THRESHOLDS_CAUGHT.inc(number)


def count_signature_outcomes(outcomes: list):
    """A batch's outcomes: a HubError is a refused signature (by its code), anything else a recorded one. One
    label lookup per refusal code of the batch, not per refusal."""
    refused = collections.Counter(outcome.code for outcome in outcomes if isinstance(outcome, HubError))
    for code, number in refused.items():
        SIGNATURES_REFUSED.labels(code.lower()).inc(number)
    SIGNATURES.inc(len(outcomes) - sum(refused.values()))

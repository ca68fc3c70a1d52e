"""Business counters of the petitions service (counters: sum them across replicas).

A signature is counted where it is written, once its transaction committed (`UnitOfWork.on_commit`): a signature
sent again with its idempotency key is answered from the stored result (hubkit.idempotency) without being written,
so it is not counted again, and a rolled-back transaction counts nothing. Refusals are counted by the entrypoint.

`arrondissement` is a bounded label: "1".."20", "paris" or "inconnu"; whatever a client or a profile holds, no
other value can appear. All values exist at 0 from the start, so a rate is never missing."""
import collections

from prometheus_client import Counter

from hubkit.errors import HubError

CITY_WIDE, UNKNOWN = "paris", "inconnu"
ARRONDISSEMENT_LABELS = tuple(str(number) for number in range(1, 21)) + (CITY_WIDE, UNKNOWN)
_ARRONDISSEMENTS = {**{number: str(number) for number in range(1, 21)},
                    **{str(number): str(number) for number in range(1, 21)}}

DRAFTS = Counter("petitions_drafts_total", "Petitions drafted.")
SPONSORSHIPS = Counter("petitions_sponsorships_total", "Co-sponsorships recorded.")
MODERATIONS = Counter("petitions_moderations_total", "Moderation decisions, by outcome.", ["outcome"])
SIGNATURES = Counter("petitions_signatures_total",
                     "Signatures recorded, counted once when written (an idempotent replay is not), by arrondissement: "
                     "the petition's, else the signer's (their profile at signing), else \"paris\". Sum across "
                     "replicas.", ["arrondissement"])
SIGNATURES_REFUSED = Counter("petitions_signatures_refused_total", "Refused signatures, by reason.", ["reason"])
CLOSED = Counter("petitions_closed_total", "Petitions closed by the deadline sweep or by an admin.")
THRESHOLDS_REACHED = Counter("petitions_thresholds_reached_total",
                             "Petitions that reached their signature threshold (5,000 by default), once each, by the "
                             "signing that crossed it or by the sweep. Sum across replicas.")
THRESHOLDS_CAUGHT = Counter("petitions_thresholds_caught_by_sweep_total",
                            "Threshold crossings no signing transaction saw, caught by the periodic sweep.")

_SIGNATURES_BY_ARRONDISSEMENT = {label: SIGNATURES.labels(label) for label in ARRONDISSEMENT_LABELS}
# Moderation outcomes and why a signature is refused (handlers/signing.py, domain/petition.py's rules), at 0 from
# the start; another refusal code still appears when it first happens.
MODERATION_OUTCOMES = ("published", "rejected")
SIGNATURE_REFUSAL_REASONS = ("validation_error", "not_found", "petition_not_published", "petition_rejected",
                             "petition_closed", "email_not_verified", "not_eligible", "already_signed",
                             "signature_invalidated")
for _outcome in MODERATION_OUTCOMES:
    MODERATIONS.labels(_outcome)
for _reason in SIGNATURE_REFUSAL_REASONS:
    SIGNATURES_REFUSED.labels(_reason)


def arrondissement_label(petition_arrondissement, signer_arrondissement) -> str:
    """Where a signature is counted: the petition's arrondissement, else the signer's, else Paris as a whole; a
    value that is not an arrondissement (1 to 20) is "inconnu"."""
    known = petition_arrondissement if petition_arrondissement is not None else signer_arrondissement
    if known is None:
        return CITY_WIDE
    return _ARRONDISSEMENTS.get(known, UNKNOWN) if type(known) in (int, str) else UNKNOWN


def count_signatures(labels: list):
    """Signatures written, one `arrondissement_label` each; one increment per arrondissement."""
    for label, number in collections.Counter(labels).items():
        _SIGNATURES_BY_ARRONDISSEMENT[label].inc(number)


def count_threshold_reached():
    THRESHOLDS_REACHED.inc()


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


def count_refusals(outcomes: list):
    """A batch's refused signatures, by their code (the recorded ones are counted where they are written). One label
    lookup per refusal code of the batch, not per refusal."""
    for code, number in collections.Counter(outcome.code for outcome in outcomes
                                            if isinstance(outcome, HubError)).items():
        SIGNATURES_REFUSED.labels(code.lower()).inc(number)

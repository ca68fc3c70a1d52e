"""Events the petitions service publishes (see docs/events.md). Payloads carry ids, codes, counts and
dates only: never an e-mail, a pseudonym, a name, an address, nor the text of a petition.

`petition_signed` does not name the signer either (its actor is an anonymous citizen): which
petitions someone signed is a political opinion. It leaves the petitions database only in the personal
events (`PERSONAL_EVENTS`: ids only, never a text), for the person's own « Mon espace » (the notifications
service's read model): the broker lets no identity but `notifications` bind a queue to them
(deploy/rabbitmq/users.py PERSONAL_EVENTS).
"""

PETITION_SUBMITTED = "petition_submitted"
PETITION_PUBLISHED = "petition_published"
PETITION_REJECTED = "petition_rejected"
PETITION_SIGNED = "petition_signed"
# 2: one event per petition and batch of signatures, `count` the signatures it stands for (1: one per signature)
PETITION_SIGNED_VERSION = 2
PETITION_THRESHOLD_REACHED = "petition_threshold_reached"
PETITION_SCHEDULED_FOR_COUNCIL = "petition_scheduled_for_council"
PETITION_ANSWERED = "petition_answered"
PETITION_CLOSED = "petition_closed"
SIGNATURES_INVALIDATED = "signatures_invalidated"
PETITION_DRAFTED = "petition_drafted"
# personal events (see above): a co-sponsorship recorded; the accounts whose signature one transaction recorded;
# the accounts whose signature a moderator's invalidation struck out (their signer role ends in « Mon espace »)
PETITION_SPONSORED = "petition_sponsored"
PETITION_SIGNATURES_RECORDED = "petition_signatures_recorded"
PETITION_SIGNATURES_INVALIDATED = "petition_signatures_invalidated"
PERSONAL_EVENTS = frozenset({PETITION_SPONSORED, PETITION_SIGNATURES_RECORDED, PETITION_SIGNATURES_INVALIDATED})
ACCOUNT_IDS_PER_EVENT = 500  # a personal event names at most this many accounts (more: several events)


def subject(petition_id: str) -> dict:
    return {"kind": "petition", "id": petition_id}


def payload(petition_id: str, origin_idea_id: str | None, **fields) -> dict:
    """Every petition event names its petition and, for a petition drafted from an idea forwarded by the
    routing service, that idea (`origin_idea_id`), so routing can follow the idea's whole journey."""
    if origin_idea_id is None:
        return {"petition_id": petition_id, **fields}
    return {"petition_id": petition_id, "origin_idea_id": origin_idea_id, **fields}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


def account_id_chunks(account_ids) -> list:
    """The accounts a personal event names, each once and sorted (the order of a batch says nothing), in chunks of
    at most ACCOUNT_IDS_PER_EVENT; none for none."""
    unique = sorted(set(account_ids))
    return [unique[start:start + ACCOUNT_IDS_PER_EVENT] for start in range(0, len(unique), ACCOUNT_IDS_PER_EVENT)]


SYSTEM = {"account_id": None, "role": "system"}
ANONYMOUS_SIGNER = {"account_id": None, "role": "citizen"}

"""Events the petitions service publishes (see docs/events.md). Payloads carry ids, codes, counts and
dates only: never an e-mail, a pseudonym, a name, an address, nor the text of a petition.

`petition_signed` does not name the signer either (its actor is an anonymous citizen): which
petitions someone signed is a political opinion, kept in the petitions database only.
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


SYSTEM = {"account_id": None, "role": "system"}
ANONYMOUS_SIGNER = {"account_id": None, "role": "citizen"}

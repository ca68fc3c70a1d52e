"""Events the petitions service publishes (see docs/events.md). Payloads carry ids, codes, counts and
dates only: never an e-mail, a pseudonym, a name, an address, nor the text of a petition.

`petition_signed` does not name the signer either (its actor is an anonymous citizen): which
petitions someone signed is a political opinion, kept in the petitions database only.
"""

PETITION_SUBMITTED = "petition_submitted"
PETITION_PUBLISHED = "petition_published"
PETITION_REJECTED = "petition_rejected"
PETITION_SIGNED = "petition_signed"
PETITION_THRESHOLD_REACHED = "petition_threshold_reached"
PETITION_SCHEDULED_FOR_COUNCIL = "petition_scheduled_for_council"
PETITION_ANSWERED = "petition_answered"
PETITION_CLOSED = "petition_closed"
SIGNATURES_INVALIDATED = "signatures_invalidated"


def subject(petition_id: str) -> dict:
    return {"kind": "petition", "id": petition_id}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


SYSTEM = {"account_id": None, "role": "system"}
ANONYMOUS_SIGNER = {"account_id": None, "role": "citizen"}

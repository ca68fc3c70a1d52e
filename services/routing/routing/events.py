"""Events the routing service publishes (see docs/events.md). Payloads carry ids, codes and the texts an agent
wrote for the citizen (message, answer, reason): never an e-mail, a pseudonym, a name or an address.

When an agent acts on an idea, events carry the correlation id of the idea's `idea_submitted` (one id from the
citizen's click to the delivered project) and the agent's request id as causation id.
"""

IDEA_ROUTING_SUGGESTED = "idea_routing_suggested"
IDEA_ASSIGNED = "idea_assigned"
IDEA_FORWARDED = "idea_forwarded"
IDEA_ANSWERED = "idea_answered"
IDEA_NOT_RETAINED = "idea_not_retained"
DOSSIER_CREATED = "dossier_created"
DOSSIER_ANSWERED = "dossier_answered"


def idea(idea_id: str) -> dict:
    return {"kind": "idea", "id": idea_id}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


SYSTEM = {"account_id": None, "role": "system"}

"""Events the ideas service publishes (see docs/events.md). Payloads carry ids and codes only:
never an e-mail, a pseudonym, a name, an address, nor the text of an idea or a comment."""

IDEA_SUBMITTED = "idea_submitted"
IDEA_STATUS_CHANGED = "idea_status_changed"
IDEA_SUPPORTED = "idea_supported"
IDEA_SUPPORT_WITHDRAWN = "idea_support_withdrawn"
COMMENT_POSTED = "comment_posted"
IDEA_MERGED = "idea_merged"
CONTENT_HIDDEN = "content_hidden"
CONTENT_RESTORED = "content_restored"
# personal events: they name the account next to what it follows, for its own « Mon espace » only; the broker lets
# no identity but `notifications` bind a queue to them (deploy/rabbitmq/users.py PERSONAL_EVENTS)
IDEA_FOLLOWED = "idea_followed"
IDEA_UNFOLLOWED = "idea_unfollowed"
PERSONAL_EVENTS = frozenset({IDEA_FOLLOWED, IDEA_UNFOLLOWED})
# consultations
CONSULTATION_OPENED = "consultation_opened"
CONSULTATION_CLOSED = "consultation_closed"
PROPOSAL_SUBMITTED = "proposal_submitted"
PROPOSAL_SUPPORTED = "proposal_supported"
ARGUMENT_POSTED = "argument_posted"
AMENDMENT_PROPOSED = "amendment_proposed"
AMENDMENT_DECIDED = "amendment_decided"
QUESTIONNAIRE_ANSWERED = "questionnaire_answered"
SYNTHESIS_PUBLISHED = "synthesis_published"


def idea(idea_id: str) -> dict:
    return {"kind": "idea", "id": idea_id}


def comment(comment_id: int) -> dict:
    return {"kind": "comment", "id": str(comment_id)}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


def content(kind: str, content_id) -> dict:
    return {"kind": kind, "id": str(content_id)}


def consultation(consultation_id: str) -> dict:
    return {"kind": "consultation", "id": consultation_id}

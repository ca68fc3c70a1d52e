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


def idea(idea_id: str) -> dict:
    return {"kind": "idea", "id": idea_id}


def comment(comment_id: int) -> dict:
    return {"kind": "comment", "id": str(comment_id)}


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}

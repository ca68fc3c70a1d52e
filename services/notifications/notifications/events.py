"""Events the notifications service publishes (see docs/events.md): none yet. It keeps the outbox tables like every
service, so that an event it publishes one day travels the same way. The types it consumes are named in
domain/wording.py (they are other services' events, not its own)."""


def actor(account_id: str | None, role: str) -> dict:
    return {"account_id": account_id, "role": role}


SYSTEM = {"account_id": None, "role": "system"}

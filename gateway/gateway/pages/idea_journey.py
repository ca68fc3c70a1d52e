"""One timeline for an idea's page: the idea box's own steps (its statuses, with the City's public messages) and
what routing traced of its journey across the schemes (a dossier opened, a budget project drafted, a petition
published…), merged in time order.

Routing also traces the idea box's own changes (the idea filed, each status, a merge) and the decisions that set a
status (forwarded, answered, not retained): those are already steps of the idea box's history, which says them with
the message the City wrote, so routing's echo of them is left out: each event is shown once."""
from datetime import datetime, timezone

# routing's trace entries that repeat a step of the idea box's own history
ECHOED_BY_THE_IDEA_BOX = frozenset({"idea_submitted", "idea_status_changed", "idea_merged", "idea_forwarded",
                                    "idea_answered", "idea_not_retained"})
_LONG_AGO = datetime.min.replace(tzinfo=timezone.utc)


def one_timeline(history: list, routing_timeline: dict | None) -> list:
    """The idea's steps, oldest first: each `{"kind": "status", "when", "step"}` (a step of the idea box's history)
    or `{"kind": "journey", "when", "summary"}` (a trace of routing's); on the same instant the idea box's step
    comes first."""
    steps = [{"kind": "status", "when": step.get("changed_at"), "step": step} for step in history or ()]
    for entry in (routing_timeline or {}).get("entries") or ():
        if entry.get("type") not in ECHOED_BY_THE_IDEA_BOX:
            steps.append({"kind": "journey", "when": entry.get("occurred_at"), "summary": entry.get("summary") or ""})
    order = {"status": 0, "journey": 1}
    return sorted(steps, key=lambda step: (_moment(step["when"]), order[step["kind"]]))  # stable within a kind


def dossiers_only(routing_timeline: dict | None) -> dict | None:
    """Routing's timeline without its entries (they are in the one timeline): the idea's dossiers, or None."""
    if not routing_timeline or not routing_timeline.get("dossiers"):
        return None
    return {**routing_timeline, "entries": []}


def _moment(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return _LONG_AGO
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

"""The submissions feed: every idea in the order it was submitted, with what the `idea_submitted` event told
(the author's account id, the correlation id of the citizen's click). An internal RPC for the routing
service's reconciliation, never exposed by the gateway: it names authors' accounts.

The order is (submitted_at, id), a stable cursor: an idea keeps its place, ideas are never deleted. An idea
whose transaction commits later than a newer one's is read on a later page only if the reader re-reads the
recent past; routing's reconciliation never moves its cursor past ideas younger than its grace period.
"""
import sqlalchemy as sa

from ..events import IDEA_SUBMITTED
from ..models import Idea
from .common import UseCases, aware


def cursor_of(submitted_at, idea_id: str) -> str:
    return f"{aware(submitted_at).isoformat()}|{idea_id}"


class Submissions(UseCases):
    use_cases = ("submissions",)

    def submissions(self, query: dict) -> dict:
        """`query`: {"since": aware datetime or None, "after": (submitted_at, idea_id) or None, "limit"}."""
        conditions = []
        if query.get("since") is not None:
            conditions.append(Idea.created_at >= query["since"])
        if query.get("after") is not None:
            moment, idea_id = query["after"]
            conditions.append(sa.or_(Idea.created_at > moment, sa.and_(Idea.created_at == moment, Idea.id > idea_id)))
        rows = self.session.execute(
            sa.select(Idea.id, Idea.author_id, Idea.submission_correlation_id, Idea.created_at, Idea.status,
                      Idea.theme, Idea.arrondissement)
            .where(*conditions).order_by(Idea.created_at, Idea.id).limit(query["limit"] + 1)).all()
        has_more = len(rows) > query["limit"]
        rows = rows[:query["limit"]]
        legacy = self._legacy_correlation_ids([row.id for row in rows if row.submission_correlation_id is None])
        items = [{"idea_id": row.id, "author_id": row.author_id,
                  "correlation_id": row.submission_correlation_id or legacy.get(row.id),
                  "submitted_at": aware(row.created_at), "status": row.status, "theme": row.theme,
                  "arrondissement": row.arrondissement, "cursor": cursor_of(row.created_at, row.id)}
                 for row in rows]
        after = query.get("after")
        return {"items": items, "has_more": has_more,
                "next_cursor": items[-1]["cursor"] if items else (cursor_of(*after) if after else None)}

    def _legacy_correlation_ids(self, idea_ids: list) -> dict:
        """Ideas submitted before the idea kept its correlation id: their `idea_submitted` outbox row tells it
        (imported ideas have none)."""
        if not idea_ids:
            return {}
        outbox = Idea.metadata.tables["outbox_events"]
        subject_id = outbox.c.envelope[("subject", "id")].as_string()
        rows = self.session.execute(sa.select(subject_id, outbox.c.envelope).where(
            outbox.c.type == IDEA_SUBMITTED, subject_id.in_(idea_ids))).all()
        return {idea_id: envelope["correlation_id"] for idea_id, envelope in rows}

"""The agents' inbox, read: the list with its filters, one idea with its checklist, decisions, dossiers and
trace, and the gauges of ideas waiting.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles", "direction"}. Staff read
the inbox (docs/security/directions.md)."""
import sqlalchemy as sa

from hubkit.clock import aware

from .. import domain
from ..models import Decision, Dossier, TraceEntry, WebhookDelivery
from . import inbox_queries as queries
from .inbox_counts import MEMORY
from .common import UseCases, rules
from .views import decision_view, item_view


class Inbox(UseCases):
    def inbox(self, actor: dict, query: dict) -> dict:
        """A page of the list `query` filters, in the order (deadline_at, received_at, idea_id): the `page`-th
        (an offset: deep pages cost more), or the one after the cursor `after` (a page's `next_cursor`: every
        page costs the same). `next_cursor` continues the list; None on its last page."""
        with rules():
            domain.check_staff(actor["roles"])
            if query.get("after") is not None and query["page"] != 1:
                raise domain.RuleBroken("Un curseur (after) ou un numéro de page, pas les deux.", "after")
        if query.get("direction") is not None:
            self._known_direction(query["direction"])
        now, account_id = self.clock(), str(actor["account_id"])
        fingerprint = domain.filters_fingerprint(query, account_id)
        position = None
        if query.get("after") is not None:
            with rules():
                position = domain.decode_cursor(query["after"], fingerprint)
        conditions = queries.list_conditions(query, account_id, now)
        total, overdue = MEMORY.counts(self.session, fingerprint, now,
                                       lambda: queries.counts(self.session, conditions, query, now))
        offset = (query["page"] - 1) * query["per_page"]
        if position is not None:
            conditions, offset = [*conditions, queries.after(position)], 0
        rows = self.session.execute(queries.page_statement(conditions, offset, query["per_page"] + 1)).scalars().all()
        items, more = rows[:query["per_page"]], len(rows) > query["per_page"]
        last = items[-1] if items and more else None
        names = self._scheme_names()
        return {"items": [item_view(item, names, now) for item in items], "total": total, "overdue": overdue,
                "page": query["page"], "per_page": query["per_page"],
                "next_cursor": None if last is None else domain.encode_cursor(
                    aware(last.deadline_at), aware(last.received_at), last.idea_id, fingerprint)}

    def get_item(self, actor: dict, idea_id: str) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        item = self._item(idea_id)
        names = self._scheme_names()
        decisions = self.session.execute(sa.select(Decision).where(Decision.idea_id == item.idea_id)
                                         .order_by(Decision.created_at)).scalars().all()
        dossiers = {d.decision_id: d for d in self.session.execute(
            sa.select(Dossier).where(Dossier.idea_id == item.idea_id)).scalars()}
        deliveries = {w.dossier_id: w for w in self.session.execute(
            sa.select(WebhookDelivery).where(WebhookDelivery.dossier_id.in_([d.id for d in dossiers.values()])))
            .scalars()}
        now = self.clock()
        views = [decision_view(d, names, now, dossiers.get(d.id), deliveries, self.settings.webhook_max_attempts)
                 for d in decisions]
        trace = self.session.execute(sa.select(TraceEntry).where(TraceEntry.idea_id == item.idea_id)
                                     .order_by(TraceEntry.occurred_at, TraceEntry.id)).scalars()
        checklist = [{"code": code, "label": label, "value": (item.checklist or {}).get(code, {}).get("value", "unknown"),
                      "value_label": domain.CHECK_VALUES[(item.checklist or {}).get(code, {}).get("value", "unknown")],
                      "why": (item.checklist or {}).get(code, {}).get("why", "")}
                     for code, label in domain.CHECKS.items()]
        if item.status in domain.OPEN_STATUSES and item.status != domain.PENDING:
            next_actions = list(domain.ACTIONS)
        elif item.status == domain.FORWARDED:
            next_actions = [domain.FORWARD]
        else:
            next_actions = []
        return {**item_view(item, names, now), "checklist": checklist, "decisions": views,
                "pending_decision": next((v for v in views if v["state"] == "pending"), None),
                "dossiers": [v["dossier"] for v in views if v["dossier"]],
                "trace": self.named_traces(trace), "next_actions": next_actions}

    # --- gauges -----------------------------------------------------------------------------------------

    def waiting_counts(self) -> tuple:
        """({(scheme, direction): ideas waiting}, overdue count), for the service's gauges (every sweep) and status:
        read from the open inbox's indexes (they cost the open ideas, not every idea the inbox ever received), and
        counted again once the inbox changed or a slice of FRESH_SECONDS of the clock passed (inbox_counts)."""
        now = self.clock()
        return (dict(MEMORY.counts(self.session, "waiting by scheme", now,
                                   lambda: queries.waiting_by_scheme(self.session))),
                MEMORY.counts(self.session, "overdue", now, lambda: queries.overdue_count(self.session, now)))

"""The agents' inbox, read: the list with its filters, one idea with its checklist, decisions, dossiers and
trace, and the gauges of ideas waiting.

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles", "direction"}. Staff read
the inbox (docs/security/directions.md)."""
from datetime import timedelta

import sqlalchemy as sa

from .. import domain
from ..models import Decision, Dossier, InboxItem, TraceEntry, WebhookDelivery
from .common import UseCases, rules
from .views import decision_view, item_view, trace_view


class Inbox(UseCases):
    def inbox(self, actor: dict, query: dict) -> dict:
        with rules():
            domain.check_staff(actor["roles"])
        if query.get("direction") is not None:
            self._known_direction(query["direction"])
        now = self.clock()
        conditions = []
        if query["status"] == "open":
            conditions.append(InboxItem.status.in_(domain.OPEN_STATUSES))
        elif query["status"] != "all":
            conditions.append(InboxItem.status == query["status"])
        for name in ("direction", "scheme", "arrondissement"):
            if query.get(name) is not None:
                conditions.append(getattr(InboxItem, name) == query[name])
        if query.get("min_age_days") is not None:
            conditions.append(InboxItem.received_at <= now - timedelta(days=query["min_age_days"]))
        if query.get("max_age_days") is not None:
            conditions.append(InboxItem.received_at >= now - timedelta(days=query["max_age_days"]))
        if query.get("assigned") == "me":
            conditions.append(InboxItem.assigned_agent_id == str(actor["account_id"]))
        elif query.get("assigned") == "nobody":
            conditions.append(InboxItem.assigned_agent_id.is_(None))
        overdue_condition = sa.and_(InboxItem.status.in_(domain.OPEN_STATUSES), InboxItem.deadline_at < now)
        if query.get("overdue"):
            conditions.append(overdue_condition)
        total = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem).where(*conditions)).scalar_one()
        overdue = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem)
                                       .where(*conditions, overdue_condition)).scalar_one()
        rows = self.session.execute(
            sa.select(InboxItem).where(*conditions).order_by(InboxItem.deadline_at, InboxItem.received_at)
            .offset((query["page"] - 1) * query["per_page"]).limit(query["per_page"])).scalars()
        names = self._scheme_names()
        return {"items": [item_view(item, names, now) for item in rows], "total": total, "overdue": overdue,
                "page": query["page"], "per_page": query["per_page"]}

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
        views = [decision_view(d, names, now, dossiers.get(d.id), deliveries) for d in decisions]
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
                "trace": [trace_view(entry) for entry in trace], "next_actions": next_actions}

    # --- gauges -----------------------------------------------------------------------------------------

    def waiting_counts(self) -> tuple:
        """({(scheme, direction): ideas waiting}, overdue count), for the service's gauges."""
        rows = self.session.execute(sa.select(InboxItem.scheme, InboxItem.direction, sa.func.count())
                                    .where(InboxItem.status.in_(domain.OPEN_STATUSES))
                                    .group_by(InboxItem.scheme, InboxItem.direction)).all()
        overdue = self.session.execute(sa.select(sa.func.count()).select_from(InboxItem).where(
            InboxItem.status.in_(domain.OPEN_STATUSES), InboxItem.deadline_at < self.clock())).scalar_one()
        return {(scheme, direction): count for scheme, direction, count in rows}, overdue

"""Personal data in routing (GDPR): what it holds about a person, and forgetting a deleted account."""
import sqlalchemy as sa

from ..models import Decision, Dossier, InboxItem, TraceEntry
from .common import UseCases
from .views import iso

FORGET_ACCOUNT = "routing.forget_account"


class PersonalData(UseCases):
    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: the inbox keeps the idea, no longer linked to the person."""
        if not self.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        account_id = str(envelope["payload"].get("account_id"))
        self.session.execute(sa.update(InboxItem).where(InboxItem.author_id == account_id).values(author_id=None))
        self.session.execute(sa.update(InboxItem).where(InboxItem.assigned_agent_id == account_id)
                             .values(assigned_agent_id=None))
        # an agent's decisions stay (the history is the City's), no longer linked to the person
        self.session.execute(sa.update(Decision).where(Decision.actor_id == account_id).values(actor_id=None))
        self.session.execute(sa.update(TraceEntry).where(TraceEntry.agent_note.contains(account_id)).values(
            agent_note=sa.func.replace(TraceEntry.agent_note, account_id, "(compte supprimé)")))
        return True

    def export_personal_data(self, account_id: str) -> dict:
        """What routing holds about a person: how their ideas were routed (with dossiers and answers), the ideas
        assigned to them and the decisions they took as an agent."""
        names = self._scheme_names()
        ideas = self.session.execute(sa.select(InboxItem).where(InboxItem.author_id == account_id)
                                     .order_by(InboxItem.received_at)).scalars().all()
        dossiers = self.session.execute(sa.select(Dossier).where(Dossier.idea_id.in_([i.idea_id for i in ideas]))
                                        .order_by(Dossier.id)).scalars().all()
        assigned = self.session.execute(sa.select(InboxItem.idea_id).where(
            InboxItem.assigned_agent_id == account_id)).scalars().all()
        decisions = self.session.execute(sa.select(Decision).where(Decision.actor_id == account_id)
                                         .order_by(Decision.created_at)).scalars().all()
        return {
            "ideas": [{"idea_id": item.idea_id, "title": item.title, "status": item.status,
                       "suggested_scheme": item.suggested_scheme, "scheme": names.get(item.scheme, item.scheme),
                       "received_at": iso(item.received_at), "deadline_at": iso(item.deadline_at)}
                      for item in ideas],
            "dossiers": [{"reference": d.reference, "idea_id": d.idea_id, "scheme": d.scheme, "status": d.status,
                          "answer": d.answer, "answered_at": iso(d.answered_at)} for d in dossiers],
            "assigned_ideas": list(assigned),
            "decisions_taken": [{"decision_id": d.id, "idea_id": d.idea_id, "action": d.action, "scheme": d.scheme,
                                 "state": d.state, "message": d.message, "created_at": iso(d.created_at)}
                                for d in decisions]}

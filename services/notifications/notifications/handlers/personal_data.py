"""GDPR: what the service holds about a person (export), and forgetting it when the account is deleted."""
import sqlalchemy as sa

from .. import domain
from ..models import IdeaAuthor, Notification, Preference, ProposalAuthor
from .common import UseCases, aware
from .inbox import view
from .my_space import MySpace

FORGET = "notifications.forget_account"


class PersonalData(UseCases):
    def export_personal_data(self, account_id: str) -> dict:
        account_id = str(account_id)
        chosen = dict(self.session.execute(sa.select(Preference.category, Preference.channel).where(
            Preference.account_id == account_id)).all())
        notifications = self.session.execute(sa.select(Notification).where(Notification.account_id == account_id)
                                             .order_by(Notification.created_at, Notification.id)).scalars()
        return {"preferences": domain.preferences_view(chosen)["preferences"],
                "notifications": [{**view(row), "created_at": aware(row.created_at).isoformat(),
                                   "read_at": aware(row.read_at).isoformat() if row.read_at else None,
                                   "emailed_at": aware(row.emailed_at).isoformat() if row.emailed_at else None}
                                  for row in notifications],
                "my_space": MySpace(self.context).export(account_id)}

    def forget_account(self, envelope: dict, account_id: str) -> bool:
        """The person's notifications, preferences and « Mon espace » roles go; the ideas, proposals and amendments they
        wrote keep no link to them."""
        if not self.uow.first_delivery(envelope, FORGET):
            return False
        account_id = str(account_id)
        self.session.execute(sa.delete(Notification).where(Notification.account_id == account_id))
        self.session.execute(sa.delete(Preference).where(Preference.account_id == account_id))
        MySpace(self.context).forget(account_id)
        self.session.execute(sa.update(IdeaAuthor).where(IdeaAuthor.author_id == account_id).values(author_id=None))
        self.session.execute(sa.update(ProposalAuthor).where(ProposalAuthor.author_id == account_id)
                             .values(author_id=None))
        return True

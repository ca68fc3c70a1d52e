"""A person's notifications: the list, newest first, the unread count, marking read. Only their own: another
account's notification id is ignored, never an error that would tell it exists."""
import sqlalchemy as sa

from ..models import Notification
from .common import UseCases, aware, signed_in


class Inbox(UseCases):
    def list_notifications(self, actor: dict, query: dict) -> dict:
        account_id = signed_in(actor)
        page, per_page = query["page"], query["per_page"]
        mine = Notification.account_id == account_id
        total = self.session.execute(sa.select(sa.func.count()).select_from(Notification).where(mine)).scalar_one()
        rows = self.session.execute(
            sa.select(Notification).where(mine).order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page).limit(per_page)).scalars()
        return {"items": [view(row) for row in rows], "unread_count": self._unread(account_id), "total": total,
                "page": page, "per_page": per_page}

    def unread_count(self, actor: dict) -> dict:
        return {"unread_count": self._unread(signed_in(actor))}

    def mark_read(self, actor: dict, command: dict) -> dict:
        account_id = signed_in(actor)
        unread = sa.and_(Notification.account_id == account_id, Notification.read_at.is_(None))
        if command.get("notification_ids"):
            unread = sa.and_(unread, Notification.id.in_([str(each) for each in command["notification_ids"]]))
        self.session.execute(sa.update(Notification).where(unread).values(read_at=self.context.clock())
                             .execution_options(synchronize_session=False))
        return {"unread_count": self._unread(account_id)}

    def _unread(self, account_id: str) -> int:
        """One count on the (account_id, read_at) index."""
        return self.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.account_id == account_id, Notification.read_at.is_(None))).scalar_one()


def view(row: Notification) -> dict:
    return {"notification_id": row.id, "category": row.category, "title": row.title, "body": row.body,
            "link": row.link, "created_at": aware(row.created_at),
            "read_at": aware(row.read_at) if row.read_at else None}

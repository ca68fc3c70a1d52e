"""« Mon espace », the reading side: the signed-in person's items, newest first, a page at a time from a keyset
cursor, with how many they have of each kind (the page's tabs); and the same rows for the GDPR export and erasure.

A page is two queries whatever its size or the person's number of items: the page (their listing rows on the
(account_id, updated_at DESC, kind, item_id) index, joined to the items) and the counts by kind (the same index)."""
import sqlalchemy as sa

from .. import domain
from ..models import SpaceEntry, SpaceItem, SpaceRole
from .common import UseCases, aware, signed_in


class MySpace(UseCases):
    def my_space(self, actor: dict, query: dict) -> dict:
        account_id = signed_in(actor)
        limit, cursor, kind = query["limit"], query["cursor"], query["kind"]
        mine = [SpaceEntry.account_id == account_id]
        if kind:
            mine.append(SpaceEntry.kind == kind)
        if cursor is not None:
            # after the cursor in the order updated_at desc, kind, item_id; the first bound lets the index start there
            mine += [SpaceEntry.updated_at <= cursor.updated_at, sa.or_(
                SpaceEntry.updated_at < cursor.updated_at,
                sa.and_(SpaceEntry.updated_at == cursor.updated_at, sa.or_(
                    SpaceEntry.kind > cursor.kind,
                    sa.and_(SpaceEntry.kind == cursor.kind, SpaceEntry.item_id > cursor.item_id))))]
        rows = self.session.execute(
            sa.select(SpaceEntry, SpaceItem).join(SpaceItem, sa.and_(
                SpaceItem.kind == SpaceEntry.kind, SpaceItem.item_id == SpaceEntry.item_id))
            .where(*mine).order_by(SpaceEntry.updated_at.desc(), SpaceEntry.kind, SpaceEntry.item_id)
            .limit(limit + 1)).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        items = [view(entry, item) for entry, item in rows]
        last = rows[-1][0] if has_more else None
        return {"items": items, "has_more": has_more,
                "next_cursor": domain.encode_cursor(aware(last.updated_at), last.kind, last.item_id) if last else None,
                "kinds": self._kinds(account_id)}

    def _kinds(self, account_id: str) -> dict:
        counted = dict(self.session.execute(sa.select(SpaceEntry.kind, sa.func.count()).where(
            SpaceEntry.account_id == account_id).group_by(SpaceEntry.kind)).all())
        return {kind: counted.get(kind, 0) for kind in domain.KINDS}

    # --- GDPR --------------------------------------------------------------------------------------------------

    def export(self, account_id: str) -> list:
        """Every item of the person's space, as the page shows it (dates as ISO text)."""
        rows = self.session.execute(
            sa.select(SpaceEntry, SpaceItem).join(SpaceItem, sa.and_(
                SpaceItem.kind == SpaceEntry.kind, SpaceItem.item_id == SpaceEntry.item_id))
            .where(SpaceEntry.account_id == account_id)
            .order_by(SpaceEntry.updated_at.desc(), SpaceEntry.kind, SpaceEntry.item_id)).all()
        return [{**view(entry, item), "updated_at": aware(entry.updated_at).isoformat()} for entry, item in rows]

    def forget(self, account_id: str):
        """The person's roles and listing rows go (inactive ones too); the items stay, they are the owners'
        public facts, shared by the others who took part."""
        self.session.execute(sa.delete(SpaceEntry).where(SpaceEntry.account_id == account_id))
        self.session.execute(sa.delete(SpaceRole).where(SpaceRole.account_id == account_id))


def view(entry: SpaceEntry, item: SpaceItem) -> dict:
    counts = dict(item.counts or {})
    if entry.kind == domain.CONTRIBUTION:
        counts = {"contributions": entry.contributions}
    return {"kind": entry.kind, "id": entry.item_id, "title": item.title,
            "roles": sorted(role for role in entry.roles.split(",") if role),
            "state": item.state, "state_label": domain.state_label(item.kind, item.state), "detail": item.detail,
            "counts": {key: int(value) for key, value in counts.items()}, "link": item.link,
            "updated_at": aware(entry.updated_at)}

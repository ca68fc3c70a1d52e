"""« Mon espace »'s people: who takes which part in an item (`space_roles`) and the listing row each person's active
roles make (`space_entries`), granted and revoked in batches by the events SpaceFeed applies (`self.at`: when the
event happened; an unfollow kept inactive wins over an older follow delivered late)."""
import sqlalchemy as sa

from ..models import SpaceEntry, SpaceItem, SpaceRole
from .common import UseCases, aware


class SpaceRoles(UseCases):
    """The role primitives of SpaceFeed (which sets `at` and provides `_fill`, the title from the owner)."""

    def _roles(self, accounts: list, item: SpaceItem, role: str) -> dict:
        return {row.account_id: row for row in self.session.execute(sa.select(SpaceRole).where(
            SpaceRole.account_id.in_(accounts), SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id,
            SpaceRole.role == role)).scalars()}

    def _grant(self, accounts: list, item: SpaceItem, role: str, contributions: int = 0):
        """`accounts` take `role` in the item (a batch: one read of what they had)."""
        accounts = sorted(set(accounts))
        if not accounts:
            return
        known = self._roles(accounts, item, role)
        for account_id in accounts:
            row = known.get(account_id)
            if row is None:
                self.session.add(SpaceRole(account_id=account_id, kind=item.kind, item_id=item.item_id, role=role,
                                           active=True, contributions=contributions, changed_at=self.at))
                continue
            row.contributions += contributions
            if row.active or aware(row.changed_at) <= self.at:  # not a follow older than the unfollow kept
                row.active, row.changed_at = True, max(aware(row.changed_at), self.at)
        self._refresh_entries(accounts, item)
        self._fill(item)

    def _revoke(self, accounts: list, item: SpaceItem, role: str):
        accounts = sorted(set(accounts))
        known = self._roles(accounts, item, role)
        for account_id in accounts:
            row = known.get(account_id)
            if row is None:  # kept inactive: the follow it undoes may come later
                self.session.add(SpaceRole(account_id=account_id, kind=item.kind, item_id=item.item_id, role=role,
                                           active=False, contributions=0, changed_at=self.at))
            elif aware(row.changed_at) <= self.at:
                row.active, row.changed_at = False, self.at
        self._refresh_entries(accounts, item)

    def _refresh_entries(self, accounts: list, item: SpaceItem):
        """Each person's listing row from their active roles: gone when none is left."""
        self.session.flush()
        roles, contributions = {}, {}
        for account_id, role, count in self.session.execute(sa.select(
                SpaceRole.account_id, SpaceRole.role, SpaceRole.contributions).where(
                SpaceRole.account_id.in_(accounts), SpaceRole.kind == item.kind, SpaceRole.item_id == item.item_id,
                SpaceRole.active.is_(True))).all():
            roles.setdefault(account_id, []).append(role)
            contributions[account_id] = contributions.get(account_id, 0) + (count or 0)
        entries = {row.account_id: row for row in self.session.execute(sa.select(SpaceEntry).where(
            SpaceEntry.account_id.in_(accounts), SpaceEntry.kind == item.kind,
            SpaceEntry.item_id == item.item_id)).scalars()}
        latest = max(aware(item.updated_at), self.at)
        for account_id in accounts:
            entry = entries.get(account_id)
            if account_id not in roles:
                if entry is not None:
                    self.session.delete(entry)
                continue
            codes = ",".join(sorted(roles[account_id]))
            if entry is None:
                self.session.add(SpaceEntry(account_id=account_id, kind=item.kind, item_id=item.item_id, roles=codes,
                                            contributions=contributions[account_id], updated_at=latest))
            else:
                entry.roles, entry.contributions = codes, contributions[account_id]
                entry.updated_at = max(aware(entry.updated_at), latest)

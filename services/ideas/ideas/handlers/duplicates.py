"""Merging duplicate ideas: supports and follows carry over to the idea that lives on."""
import sqlalchemy as sa

from hubkit.errors import InvalidInput, PermissionDenied

from .. import domain, events
from ..models import Follow, Idea, Support
from .box import IdeaBox
from .common import UseCases, rules


class Duplicates(UseCases):
    use_cases = ("merge_ideas",)

    def __init__(self, context):
        super().__init__(context)
        self.box = IdeaBox(context)
        self.views = self.box.views

    def merge_ideas(self, actor: dict, command: dict) -> dict:
        """Idea `idea_id` joins idea `into`: supports (once per account) and follows carry over, the
        source becomes `merged` pointing to the target; its author and followers are told after commit."""
        roles = actor.get("roles") or []
        if not domain.is_staff(roles):
            raise PermissionDenied("Seuls les agents, modérateurs et administrateurs fusionnent des idées.")
        source = self.views.idea(command["idea_id"], for_update=True)
        target = self.session.get(Idea, str(command["into"]), with_for_update=True)
        if target is None:
            raise InvalidInput(details={"into": ["Aucune idée n'a cet identifiant."]})
        with rules():
            message = domain.check_merge(source.id, source.status, target.id, target.status, command.get("message"))
        supports_moved = self.carry_over(Support, source, target)
        followers_moved = self.carry_over(Follow, source, target)
        supports = self.session.execute(sa.select(sa.func.count()).select_from(Support)
                                        .where(Support.idea_id == target.id)).scalar_one()
        # supports of deleted accounts (no account id) had been counted; they stay counted, once
        target.supports_count, source.supports_count = supports, 0
        target.imported_supports = (target.imported_supports or 0) + (source.imported_supports or 0)
        source.imported_supports = 0
        actor_id, role = str(actor["account_id"]), domain.acting_role(roles)
        self.box.move(source, domain.MERGED, message, None, target.id, actor_id, role)
        target.updated_at = self.clock()
        self.uow.emit(events.IDEA_MERGED, events.idea(source.id),
                      {"idea_id": source.id, "merged_into": target.id, "supports_moved": supports_moved,
                       "followers_moved": followers_moved, "supports_count": supports},
                      actor=events.actor(actor_id, role))
        return self.views.idea_view(source, actor)

    def carry_over(self, model, source: Idea, target: Idea) -> int:
        """Moves the supports (or follows) of `source` to `target`, one per account: an account that
        had both keeps the target's. Returns how many moved."""
        on_target = set(self.session.execute(sa.select(model.account_id).where(
            model.idea_id == target.id, model.account_id.is_not(None))).scalars())
        moved = 0
        for row in self.session.execute(sa.select(model).where(model.idea_id == source.id)).scalars().all():
            if row.account_id is not None and row.account_id in on_target:
                self.session.delete(row)
            else:
                row.idea_id = target.id
                moved += 1
        self.session.flush()
        return moved


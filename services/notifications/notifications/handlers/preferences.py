"""How a person wants to be told, per category; and the one-click unsubscribe of the e-mails' links."""
import logging

import sqlalchemy as sa

from hubkit.errors import InvalidInput

from .. import domain
from ..business_metrics import count_unsubscribe
from ..models import Preference
from .common import UseCases, signed_in

log = logging.getLogger(__name__)


class Preferences(UseCases):
    def get_preferences(self, actor: dict) -> dict:
        return domain.preferences_view(self._chosen(signed_in(actor)))

    def set_preferences(self, actor: dict, command: dict) -> dict:
        account_id = signed_in(actor)
        wanted = command["preferences"]
        problems = domain.preference_problems(wanted)
        if problems:  # all known, or nothing changes
            raise InvalidInput(details={"preferences": problems})
        for category, channel in wanted.items():
            self._choose(account_id, category, channel)
        return domain.preferences_view(self._chosen(account_id))

    def unsubscribe(self, token: str) -> dict:
        """The token's category becomes `never` for the token's account (again: the same answer)."""
        try:
            account_id, category = domain.verify_unsubscribe(self.context.settings.secret, token)
        except domain.InvalidToken:
            raise InvalidInput(domain.INVALID_TOKEN_MESSAGE, details={"token": [domain.INVALID_TOKEN_FIELD]}) \
                from None
        if category not in domain.UNSUBSCRIBABLE:  # signed by us, for a category that no longer exists
            raise InvalidInput(domain.INVALID_TOKEN_MESSAGE, details={"token": [domain.INVALID_TOKEN_FIELD]})
        if category == domain.WEEKLY_DIGEST:  # a digest's link: every category received by digest stops
            chosen = self._chosen(account_id)
            stopped = [code for code in domain.CATEGORIES if domain.channel_of(code, chosen) == domain.DIGEST]
        else:
            stopped = [category]
        for code in stopped:
            if self._choose(account_id, code, domain.NEVER):
                self.uow.on_commit(lambda code=code: count_unsubscribe(code))
        return {"category": category, "label": domain.UNSUBSCRIBABLE[category]}

    def _chosen(self, account_id: str) -> dict:
        return dict(self.session.execute(sa.select(Preference.category, Preference.channel).where(
            Preference.account_id == account_id)).all())

    def _choose(self, account_id: str, category: str, channel: str) -> bool:
        """True if this changed the channel."""
        row = self.session.get(Preference, (account_id, category))
        now = self.context.clock()
        if row is None:
            self.session.add(Preference(account_id=account_id, category=category, channel=channel, updated_at=now))
            self.session.flush()
            return True
        if row.channel == channel:
            return False
        row.channel, row.updated_at = channel, now
        return True

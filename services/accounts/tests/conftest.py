import re
from pathlib import Path

from accounts import SERVICE_NAME
from accounts.models import Base
from hubkit.testing import ServiceStore, service_database_fixtures, throttle_fixture

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "accounts"


class Store(ServiceStore):
    """The shared store, plus the e-mails accounts queued."""

    def mails_to(self, recipient: str) -> list:
        return [row for row in self.rows("outgoing_mails") if row.recipient == recipient]

    def link_token(self, recipient: str) -> str:
        body = self.mails_to(recipient)[-1].body
        return re.search(r"token=([\w-]+)", body).group(1)


_templates, _fresh_database, accounts_db, store = service_database_fixtures(
    SERVICE_NAME, PACKAGE_DIR, Base.metadata, store_class=Store)
throttle = throttle_fixture()

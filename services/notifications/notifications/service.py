"""nameko entrypoints of the notifications service: load the schema, run the use case, dump the result."""
from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.service_base import Infrastructure, rpc

from . import SERVICE_NAME, domain
from .models import Base
from .settings import load_settings

SETTINGS = load_settings()  # read once, when the service starts: a bad value stops it, naming the variable


class NotificationsService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()

    @rpc
    def reference_data(self):
        """Categories and channels with their French labels, and the defaults."""
        return {"categories": [{"code": code, "label": label} for code, label in domain.CATEGORIES.items()],
                "channels": [{"code": code, "label": label} for code, label in domain.CHANNELS.items()],
                "defaults": dict(domain.DEFAULT_CHANNELS)}

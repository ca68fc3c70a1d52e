"""A citizen's data export gathers what every service holds about them."""
from datetime import datetime, timezone

from flask import current_app

from . import remote


def personal_data_export(account_id: str) -> dict:
    """Each service exposes `export_personal_data(account_id)`; the export is their union."""
    export = {"generated_at": datetime.now(timezone.utc).isoformat(), "account_id": account_id, "services": {}}
    for service in current_app.config["HUB_SETTINGS"].services:
        export["services"][service] = remote.call(service, "export_personal_data", account_id)
    return export

"""Dossiers whose webhook calls fail, watched: by the agents of the scheme's direction (their inbox lists them, with
the attempts and what failed, never the URL, the secret or the error's message), and by operations (a gauge by
scheme, next to the given-up one: business_metrics)."""
import sqlalchemy as sa

from hubkit.clock import aware

from ..domain.webhooks import DELAYED, delivery_state, error_class, watching_direction
from ..models import Dossier, InboxItem, Scheme, WebhookDelivery
from .common import UseCases, rules

DIRECT_REQUEST_TITLE = "Demande directe d'un·e habitant·e"  # a dossier opened through « Agir », without an idea
LISTED = 100  # the most failing dossiers one list shows (the oldest failures first)


class DeliveryWatch(UseCases):
    def failing(self, actor: dict) -> list:
        """The dossiers of the caller's schemes (an admin: every scheme) whose webhook calls failed and are not
        delivered yet, retried or given up; the longest failing first."""
        with rules():
            direction = watching_direction(actor)
        query = (sa.select(WebhookDelivery, Dossier, Scheme, InboxItem.title)
                 .join(Dossier, Dossier.id == WebhookDelivery.dossier_id)
                 .join(Scheme, Scheme.code == Dossier.scheme)
                 .outerjoin(InboxItem, InboxItem.idea_id == Dossier.idea_id)
                 .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.attempts > 0)
                 .order_by(Dossier.created_at, Dossier.id).limit(LISTED))
        if direction is not None:
            query = query.where(Scheme.direction == direction)
        listed = []
        for delivery, dossier, scheme, title in self.session.execute(query).all():
            state = delivery_state(False, delivery.attempts, self.settings.webhook_max_attempts)
            listed.append({
                "reference": dossier.reference, "scheme": scheme.code, "scheme_name": scheme.name,
                "direction": scheme.direction, "idea_id": dossier.idea_id, "title": title or DIRECT_REQUEST_TITLE,
                "attempts": delivery.attempts, "last_error_class": error_class(delivery.last_error),
                "delivery_state": state, "created_at": aware(dossier.created_at),
                "next_attempt_at": aware(delivery.next_attempt_at) if state == DELAYED else None})
        return listed

    def failing_counts(self) -> dict:
        """{scheme: dossiers whose webhook calls fail and are still retried}: the service's gauge."""
        rows = self.session.execute(
            sa.select(Dossier.scheme, sa.func.count()).select_from(WebhookDelivery)
            .join(Dossier, Dossier.id == WebhookDelivery.dossier_id)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.attempts > 0,
                   WebhookDelivery.attempts < self.settings.webhook_max_attempts)
            .group_by(Dossier.scheme)).all()
        return {scheme: count for scheme, count in rows}

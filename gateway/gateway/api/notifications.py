"""The signed-in person's notifications and their preferences (the notifications service, issue 15)."""
from flask import Blueprint

from .. import actors, my_space as space, notifications_schemas as schemas, remote, unread_notifications
from ..auth import login_required
from ..openapi import endpoint

bp = Blueprint("api_notifications", __name__)


@bp.get("/me/notifications")
@login_required
@endpoint("Mes notifications, les plus récentes d'abord", query=schemas.NotificationListQuerySchema,
          response=schemas.NotificationPageSchema, auth=True, tag="notifications")
def list_notifications(data):
    """Les lire ici ne les marque pas comme lues : `POST /api/v1/me/notifications/read` le fait."""
    return remote.call("notifications", "list_notifications", actors.actor(), data)


@bp.post("/me/notifications/read")
@login_required
@endpoint("Marquer des notifications comme lues (ou toutes)", body=schemas.MarkReadSchema,
          response=schemas.UnreadCountSchema, auth=True, tag="notifications")
def mark_read(data):
    """`{"notification_ids": [...]}` ou `{"all": true}`. Les identifiants d'un autre compte sont ignorés."""
    command = {"all": True} if data.get("all") is True else {"notification_ids": [str(notification_id) for notification_id in data["notification_ids"]]}
    answer = remote.call("notifications", "mark_read", actors.actor(), command)
    unread_notifications.remember(actors.actor()["account_id"], answer.get("unread_count"))
    return answer


@bp.get("/me/notification-preferences")
@login_required
@endpoint("Mes préférences de notification (catégorie × canal)", response=schemas.PreferencesSchema, auth=True,
          errors=(), tag="notifications")
def get_preferences():
    return remote.call("notifications", "get_preferences", actors.actor(), {})


@bp.put("/me/notification-preferences")
@login_required
@endpoint("Changer mes préférences de notification", body=schemas.PreferencesUpdateSchema,
          response=schemas.PreferencesSchema, auth=True, tag="notifications")
def set_preferences(data):
    return remote.call("notifications", "set_preferences", actors.actor(), data)


@bp.get("/me/space")
@login_required
@endpoint("Mon espace : ce à quoi je participe (idées, consultations, projets, votes, pétitions, demandes)",
          query=schemas.MySpaceQuerySchema, response=schemas.MySpacePageSchema, auth=True, tag="notifications")
def my_space(data):
    """Le dernier changement d'abord ; `next_cursor` donne la page suivante. Ce sont toujours les éléments du
    compte connecté : aucun paramètre ne désigne une autre personne."""
    return space.fetch(data)

"""French, server-rendered pages of the hub: one blueprint per area."""
from flask import g

from hubkit.errors import HubError

from .. import auth, unread_notifications
from . import (account, act, backoffice, budget, consultation_editor, consultations, formatting, highlighting, home,
               hub_status, ideas, my_space, notifications, open_data, petitions, profile, routing)
from .forms import Form


def principal_for_error(status: int):
    """Who is signed in, for the navigation of an error page: never calls a service that may be the
    cause of a 5xx (the page must render even when the accounts service is down)."""
    if status >= 500:
        return g.get("principal")
    try:
        return auth.current_principal()
    except HubError:
        return g.get("principal")


def register_pages(app):
    app.register_blueprint(home.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(profile.bp)
    app.register_blueprint(backoffice.bp)
    app.register_blueprint(hub_status.bp)
    app.register_blueprint(ideas.bp)
    app.register_blueprint(consultations.bp)
    app.register_blueprint(consultation_editor.bp)
    app.register_blueprint(petitions.bp)
    app.register_blueprint(routing.bp)
    app.register_blueprint(budget.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(my_space.bp)
    app.register_blueprint(open_data.bp)
    app.register_blueprint(act.bp)
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.filters["marked"] = highlighting.marked
    app.jinja_env.globals.update(principal_for_error=principal_for_error, BACKOFFICE_ROLES=backoffice.ROLES,
                                 empty_form=Form, notifications_enabled=unread_notifications.enabled,
                                 unread_notifications=unread_notifications.unread_count)

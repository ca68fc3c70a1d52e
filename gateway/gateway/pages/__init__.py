"""French, server-rendered pages of the hub: one blueprint per area."""
from . import account, backoffice, home


def register_pages(app):
    app.register_blueprint(home.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(backoffice.bp)

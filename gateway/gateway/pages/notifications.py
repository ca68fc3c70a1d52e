"""« Mes notifications » (issue 15): the list, newest first, marked read on view; the preferences per category ×
channel; the one-click unsubscribe link of every e-mail (RFC 8058), which needs no login.

The notifications service decides everything (whose notifications, which categories and channels exist, whether a
token is genuine): the pages show its answers and send the person's choices."""
import logging
import re

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for

from hubkit.errors import HubError, InvalidInput
from hubkit.throttle import Throttle, connect

from .. import actors, remote, unread_notifications
from ..auth import client_ip, csrf_exempt, login_required
from .forms import Form, flash_failure, page_number, render_form, safe_next

log = logging.getLogger("gateway")

bp = Blueprint("notifications", __name__)

PER_PAGE = 20
PAGE_MAX = 100_000  # the service's bound: a page past it is that last page (empty), not an error
# a token as the service signs them: URL-safe base64 parts, a dot between; anything else is refused here with the
# same page as a token the service refuses (never a 404 telling a shape apart from a signature)
TOKEN = re.compile(r"[A-Za-z0-9_\-.]{8,200}\Z")
BAD_LINK = ("Ce lien de désabonnement est invalide : il a peut-être été coupé ou modifié. Vous pouvez choisir vos "
            "préférences de notification depuis votre compte.")
# per client address: a person clicks a link or two; a mail provider checking links sends a few more
UNSUBSCRIBE_PER_TEN_MINUTES = 30
UNSUBSCRIBE_LIMIT = "Trop de désabonnements depuis votre adresse : réessayez dans quelques minutes."


def _actor() -> dict:
    return actors.actor()


@bp.get("/notifications")
@login_required
def index():
    page = min(page_number(request.args.get("page")), PAGE_MAX)
    answer = remote.call("notifications", "list_notifications", _actor(), {"page": page, "per_page": PER_PAGE})
    # a link is a path of the hub (the service writes them); anything else ("//elsewhere", "/\\elsewhere",
    # "javascript:") leads to this list instead
    items = [{**item, "href": safe_next(item.get("link")) or url_for(".index")} for item in answer["items"]]
    unread_count = answer["unread_count"]
    shown_unread = [item["notification_id"] for item in items if item.get("read_at") is None]
    if shown_unread:  # viewing them reads them; the page still marks them new, this once
        try:
            unread_count = remote.call("notifications", "mark_read", _actor(),
                                       {"notification_ids": shown_unread})["unread_count"]
        except HubError as error:  # they stay unread, shown again next time: the list itself is still worth showing
            log.warning("marking the shown notifications read failed", extra={"error": error.code})
    unread_notifications.remember(actors.actor()["account_id"], unread_count)
    last = max(1, -(-answer["total"] // PER_PAGE))
    pages = {"previous": url_for(".index", page=page - 1) if page > 1 else None,
             "next": url_for(".index", page=page + 1) if page < last else None, "last": last}
    return render_template("notifications/index.html", items=items, total=answer["total"], page=page, pages=pages,
                           unread_count=unread_count, form=Form("tout-lire"))


@bp.post("/notifications/tout-lire")
@login_required
def mark_all_read():
    try:
        answer = remote.call("notifications", "mark_read", _actor(), {"all": True})
    except HubError as error:
        flash_failure(error)
    else:
        unread_notifications.remember(actors.actor()["account_id"], answer["unread_count"])
        flash("Toutes vos notifications sont marquées comme lues.", "success")
    return redirect(url_for(".index"))


@bp.get("/notifications/preferences")
@login_required
def preferences():
    answer = remote.call("notifications", "get_preferences", _actor(), {})
    return render_form("notifications/preferences.html", Form("preferences", _chosen(answer)), **answer)


@bp.post("/notifications/preferences")
@login_required
def save_preferences():
    current = remote.call("notifications", "get_preferences", _actor(), {})
    categories = [row["category"] for row in current["preferences"]]
    # the categories the service has, as the form sent them; a category left out keeps its channel
    values = {category: request.form[category].strip()[:40] for category in categories if category in request.form}
    try:
        answer = remote.call("notifications", "set_preferences", _actor(), {"preferences": values})
    except HubError as error:
        form = Form.failed(error, {**_chosen(current), **values}, name="preferences", fields=categories,
                           aliases={f"preferences.{category}": category for category in categories})
        return render_form("notifications/preferences.html", form, **current)
    flash("Vos préférences de notification sont enregistrées.", "success")
    return render_form("notifications/preferences.html", Form("preferences", _chosen(answer)), **answer)


def _chosen(answer: dict) -> dict:
    return {row["category"]: row["channel"] for row in answer["preferences"]}


@bp.get("/notifications/desabonnement/<token>")
def unsubscribe_page(token):
    """The link of an e-mail, opened in a browser: a page with one button (a GET never changes anything: mail
    scanners and link previews open links)."""
    if not TOKEN.match(token):
        return _bad_link()
    return render_template("notifications/unsubscribe.html", token=token)


@bp.post("/notifications/desabonnement/<token>")
@csrf_exempt  # RFC 8058: the mail client posts `List-Unsubscribe=One-Click` with no session; the signed token is
# the authority, and it only ever sets one category of its own account to « Jamais »
def unsubscribe(token):
    _throttle().consume("notifications_unsubscribe", client_ip() or "unknown", UNSUBSCRIBE_PER_TEN_MINUTES, 600,
                        UNSUBSCRIBE_LIMIT)
    if not TOKEN.match(token):
        return _bad_link()
    try:
        # no actor: the token alone says whose preference changes, never the session a browser may carry
        answer = remote.call("notifications", "unsubscribe", None, {"token": token})
    except InvalidInput:
        return _bad_link()
    return render_template("notifications/unsubscribed.html", category=answer["category"], label=answer["label"])


def _bad_link():
    return make_response(render_template("notifications/unsubscribe_invalid.html", message=BAD_LINK), 400)


def _throttle() -> Throttle:
    found = current_app.extensions.get("notifications_throttle")
    if found is None:
        found = current_app.extensions["notifications_throttle"] = Throttle(
            connect(current_app.config["HUB_SETTINGS"].redis_url))
    return found

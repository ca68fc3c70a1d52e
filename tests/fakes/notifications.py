"""The notifications service as the gateway calls it (issue 15's contract, the service's schemas in
services/notifications/notifications/): each person's
notifications newest first, their unread count, their preferences per category × channel, one-click unsubscribe
tokens, and each person's « Mon espace » (contract §C: what they took part in, newest change first, a keyset cursor).
Answers have exactly the contract's fields; each call is recorded (`RecordingFake`)."""
import base64
import binascii
import json
import uuid
from datetime import datetime, timedelta, timezone

from hubkit.errors import AuthenticationFailed, InvalidInput

from .recording import RecordingFake, answers

# the contract's tables (code -> French label), in the order the service lists them
CATEGORIES = {"my_ideas": "Mes idées", "followed": "Ce que je suis",
              "my_projects": "Mes projets du budget participatif", "my_petitions": "Mes pétitions",
              "signed_petitions": "Pétitions signées", "consultations": "Consultations",
              "assignments": "Idées qui me sont confiées"}
CHANNELS = {"hub": "Dans le hub seulement", "email": "Par e-mail, tout de suite",
            "digest": "Par e-mail, une fois par semaine", "never": "Jamais"}
DEFAULTS = {"my_ideas": "email", "followed": "digest", "my_projects": "email", "my_petitions": "email",
            "signed_petitions": "email", "consultations": "digest", "assignments": "email"}
BAD_TOKEN = "Lien de désabonnement invalide : il a peut-être été coupé ou modifié. Choisissez vos préférences " \
            "de notification depuis votre compte."
PER_PAGE_MAX = 50
# « Mon espace » (contract §C): the kinds of item, in the order the tabs list them, and the page's bounds
SPACE_KINDS = ("idea", "contribution", "budget_project", "ballot", "petition", "dossier")
SPACE_ROLES = ("author", "follower", "contributor", "carrier", "voter", "sponsor", "signer", "requester")
SPACE_LIMIT_MAX, SPACE_LIMIT_DEFAULT = 100, 50
SPACE_LINKS = {"idea": "/idees/{id}", "contribution": "/consultations/{id}", "budget_project":
               "/budget-participatif/projets/{id}", "ballot": "/budget-participatif/{id}/vote/recu",
               "petition": "/petitions/{id}", "dossier": "/agir/dossiers/{id}"}
BAD_CURSOR = "Curseur invalide : reprenez la liste depuis le début."


def _signed_in(actor) -> str:
    if not actor or not actor.get("account_id"):
        raise AuthenticationFailed("Connexion requise.", code="AUTHENTICATION_REQUIRED")
    return str(actor["account_id"])


class FakeNotifications(RecordingFake):
    """Stands in for the notifications service: `notifications` (account id -> list, oldest first, each as the
    service lists it), `preferences` (account id -> {category: channel}, the defaults until set) and `tokens`
    (an unsubscribe token -> (account id, category), as the service signs them)."""

    def __init__(self):
        super().__init__()
        self.notifications = {}
        self.preferences = {}
        self.tokens = {}
        self.spaces = {}  # account id -> its « Mon espace » items, each as the service lists it

    def add(self, account_id: str, title="Votre idée a été transmise", *, category="my_ideas",
            body="Votre idée « Des fontaines » a été transmise au budget participatif.", link=None,
            created_at: datetime = None, read=False, notification_id=None) -> dict:
        """Store one notification for `account_id` (newer than the others unless `created_at` says)."""
        kept = self.notifications.setdefault(account_id, [])
        created_at = created_at or datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=len(kept))
        notification = {"notification_id": notification_id or str(uuid.uuid4()), "category": category,
                        "title": title, "body": body, "link": link or f"/idees/{uuid.uuid4()}",
                        "created_at": created_at.isoformat(),
                        "read_at": created_at.isoformat() if read else None}
        kept.append(notification)
        return notification

    def add_space_item(self, account_id: str, kind="idea", title="Des fontaines le long du canal", *,
                       item_id=None, roles=("author",), state="published", state_label="Publiée", detail="",
                       counts=None, link=None, updated_at: datetime = None) -> dict:
        """Store one item of `account_id`'s space (newer than the others unless `updated_at` says)."""
        kept = self.spaces.setdefault(account_id, [])
        assert kind in SPACE_KINDS and set(roles) <= set(SPACE_ROLES), (kind, roles)
        item_id = item_id or (f"DEVE-2026-{len(kept) + 1:06d}" if kind == "dossier" else str(uuid.uuid4()))
        updated_at = updated_at or datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=len(kept))
        item = {"kind": kind, "id": item_id, "title": title, "roles": sorted(roles), "state": state,
                "state_label": state_label, "detail": detail, "counts": dict(counts or {}),
                "link": link or SPACE_LINKS[kind].format(id=item_id), "updated_at": updated_at.isoformat()}
        kept.append(item)
        return item

    def token_for(self, account_id: str, category: str) -> str:
        """A token as the service would sign it for this person and category."""
        token = f"tok-{uuid.uuid4().hex}.{uuid.uuid4().hex}"
        self.tokens[token] = (account_id, category)
        return token

    def _unread(self, account_id: str) -> int:
        return sum(1 for item in self.notifications.get(account_id, ()) if item["read_at"] is None)

    @answers
    def list_notifications(self, actor, data):
        account_id = _signed_in(actor)
        page, per_page = data.get("page", 1), data.get("per_page", 20)
        if not isinstance(page, int) or page < 1 or not isinstance(per_page, int) or not 1 <= per_page <= PER_PAGE_MAX:
            raise InvalidInput(details={"page": ["Nombre entier d'au moins 1 attendu."]})
        newest_first = sorted(self.notifications.get(account_id, ()), key=lambda item: item["created_at"],
                              reverse=True)
        start = (page - 1) * per_page
        return {"items": [dict(item) for item in newest_first[start:start + per_page]],
                "unread_count": self._unread(account_id), "total": len(newest_first), "page": page,
                "per_page": per_page}

    @answers
    def mark_read(self, actor, data):
        account_id = _signed_in(actor)
        wanted = None if data.get("all") is True else set(data.get("notification_ids") or ())
        now = datetime.now(timezone.utc).isoformat()
        for item in self.notifications.get(account_id, ()):  # another person's ids are ignored, never an error
            if item["read_at"] is None and (wanted is None or item["notification_id"] in wanted):
                item["read_at"] = now
        return {"unread_count": self._unread(account_id)}

    @answers
    def unread_count(self, actor, data):
        return {"unread_count": self._unread(_signed_in(actor))}

    def _preferences_of(self, account_id: str) -> dict:
        chosen = {**DEFAULTS, **self.preferences.get(account_id, {})}
        return {"preferences": [{"category": code, "label": label, "channel": chosen[code]}
                                for code, label in CATEGORIES.items()],
                "channels": [{"code": code, "label": label} for code, label in CHANNELS.items()]}

    @answers
    def get_preferences(self, actor, data):
        return self._preferences_of(_signed_in(actor))

    @answers
    def set_preferences(self, actor, data):
        account_id = _signed_in(actor)
        wanted = data.get("preferences")
        if not isinstance(wanted, dict):
            raise InvalidInput(details={"preferences": ["Objet attendu."]})
        errors = {}
        for category, channel in wanted.items():
            if category not in CATEGORIES:
                errors[category] = ["Catégorie inconnue."]
            elif channel not in CHANNELS:
                errors[category] = [f"Canal inconnu : {str(channel)[:40]}."]
        if errors:  # nothing changed
            raise InvalidInput(details={"preferences": errors})
        self.preferences.setdefault(account_id, {}).update(wanted)
        return self._preferences_of(account_id)

    @answers
    def unsubscribe(self, actor, data):
        found = self.tokens.get(data.get("token"))
        if found is None:
            raise InvalidInput(BAD_TOKEN, details={"token": ["Lien de désabonnement invalide."]})
        account_id, category = found
        self.preferences.setdefault(account_id, {})[category] = "never"
        return {"category": category, "label": CATEGORIES[category]}

    @answers
    def my_space(self, actor, data):
        account_id = _signed_in(actor)
        limit, kind, cursor = data.get("limit", SPACE_LIMIT_DEFAULT), data.get("kind"), data.get("cursor")
        errors = {}
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= SPACE_LIMIT_MAX:
            errors["limit"] = [f"Nombre entier de 1 à {SPACE_LIMIT_MAX} attendu."]
        if kind is not None and kind not in SPACE_KINDS:
            errors["kind"] = ["Type inconnu."]
        after = None if cursor is None else _space_position(cursor)
        if after is False:
            errors["cursor"] = [BAD_CURSOR]
        if errors:
            raise InvalidInput(details=errors)
        items = self.spaces.get(account_id, ())
        # newest change first, then kind, then id: the keyset the cursor carries
        ordered = sorted((item for item in items if kind is None or item["kind"] == kind),
                         key=lambda item: (-datetime.fromisoformat(item["updated_at"]).timestamp(), item["kind"],
                                           item["id"]))
        if after is not None:
            ordered = [item for item in ordered if _space_key(item) > after]
        page = ordered[:limit]
        has_more = len(ordered) > limit
        return {"items": [json.loads(json.dumps(item)) for item in page],
                "next_cursor": _space_cursor(page[-1]) if has_more else None, "has_more": has_more,
                "kinds": {name: sum(1 for item in items if item["kind"] == name) for name in SPACE_KINDS}}

    @answers
    def export_personal_data(self, account_id):
        return {"preferences": self._preferences_of(account_id)["preferences"],
                "notifications": list(self.notifications.get(account_id, ()))}

    @answers
    def reference_data(self):
        return {"categories": [{"code": code, "label": label} for code, label in CATEGORIES.items()],
                "channels": [{"code": code, "label": label} for code, label in CHANNELS.items()]}


def _space_key(item: dict) -> tuple:
    return -datetime.fromisoformat(item["updated_at"]).timestamp(), item["kind"], item["id"]


def _space_cursor(item: dict) -> str:
    """Opaque to the gateway, as the service's: the last item's place in the order."""
    text = json.dumps([item["updated_at"], item["kind"], item["id"]])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _space_position(cursor) -> tuple | bool:
    """The place a cursor names, or False for anything this fake did not make."""
    if not isinstance(cursor, str) or not 1 <= len(cursor) <= 300:
        return False
    try:
        updated_at, kind, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(kind, str) and isinstance(item_id, str)):
            return False
        return _space_key({"updated_at": updated_at, "kind": kind, "id": item_id})
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return False

"""The scheme catalogue: read by everyone (also as Open311 GeoReport v2 services), managed by admins. The City's
directions a scheme belongs to are accounts' table (`self.directions`)."""
import sqlalchemy as sa

from hubkit.clock import aware
from hubkit.errors import Conflict

from .. import domain
from ..adapters.webhooks import check_webhook_url
from ..models import Scheme
from .common import FieldChecks, UseCases, new_secret, rules

ARRONDISSEMENT_VALUES = [{"key": str(number), "name": f"Paris {number}{'er' if number == 1 else 'e'}"}
                         for number in range(1, 21)]


class Catalogue(UseCases):
    def reference_data(self) -> dict:
        """Codes and labels for the back office's forms and filters."""
        def pairs(mapping):
            return [{"code": code, "label": label} for code, label in mapping.items()]
        return {"statuses": pairs(domain.STATUSES), "actions": pairs(domain.ACTIONS),
                "not_retained_reasons": pairs(domain.NOT_RETAINED_REASONS), "checks": pairs(domain.CHECKS),
                "check_values": pairs(domain.CHECK_VALUES), "directions": pairs(self.directions.table()),
                "kinds": pairs(domain.KINDS), "deliveries": pairs(domain.DELIVERIES),
                "undo_seconds": self.settings.undo_seconds}

    def list_schemes(self, include_inactive: bool = False, viewer: dict | None = None) -> list:
        query = sa.select(Scheme).order_by(Scheme.name)
        if not include_inactive:
            query = query.where(Scheme.active.is_(True))
        directions = self.directions.table()
        return [self._for(viewer, self.scheme_view(scheme, directions))
                for scheme in self.session.execute(query).scalars()]

    def get_scheme(self, code: str, viewer: dict | None = None) -> dict:
        return self._for(viewer, self.scheme_view(self._scheme(code), self.directions.table()))

    @staticmethod
    def _for(viewer: dict | None, view: dict) -> dict:
        """Where a scheme's systems receive dossiers (webhook, mailbox) is for the City's staff only."""
        if viewer is not None and domain.is_staff(viewer.get("roles")):
            return view
        return {**view, "webhook_url": None, "email": None, "has_secret": False}

    @staticmethod
    def scheme_view(scheme: Scheme, directions: dict, secret: str = None) -> dict:
        """`directions`: the City's directions table (code → name)."""
        return {"code": scheme.code, "name": scheme.name, "description": scheme.description,
                "direction": scheme.direction, "direction_name": directions.get(scheme.direction, ""),
                "kind": scheme.kind, "kind_label": domain.KINDS[scheme.kind], "delivery": scheme.delivery,
                "delivery_label": domain.DELIVERIES[scheme.delivery], "webhook_url": scheme.webhook_url,
                "has_secret": bool(scheme.webhook_secret), "webhook_secret": secret, "email": scheme.email,
                "deadline_days": scheme.deadline_days, "keywords": list(scheme.keywords or []),
                "active": bool(scheme.active), "updated_at": aware(scheme.updated_at)}

    def _checked(self, merged: dict, creating: bool, saved_url: str = None) -> dict:
        """The scheme's fields, checked; a webhook URL new or changed (not `saved_url`) must lead to addresses
        the hub may call (resolved now; each delivery checks again)."""
        check = FieldChecks()
        cleaned = {"name": check(domain.check_name, merged.get("name")),
                   "description": check(domain.check_description, merged.get("description")),
                   "direction": check(domain.check_direction, merged.get("direction"), self.directions.codes()),
                   "deadline_days": check(domain.check_deadline_days, merged.get("deadline_days")),
                   "keywords": check(domain.check_keywords, merged.get("keywords")),
                   "kind": merged.get("kind"), "active": bool(merged.get("active", True))}
        if creating:
            cleaned["code"] = check(domain.check_code, merged.get("code"))
        delivery = check(domain.check_delivery, merged.get("kind"), merged.get("delivery"),
                         merged.get("webhook_url"), merged.get("email"), self.settings.allow_plain_http)
        if delivery is not None and delivery[1] is not None and delivery[1] != saved_url:
            check(check_webhook_url, delivery[1], self.settings.webhook_allowed_networks)
        check.raise_if_broken()
        cleaned["delivery"], cleaned["webhook_url"], cleaned["email"] = delivery
        return cleaned

    def create_scheme(self, actor: dict, command: dict) -> dict:
        with rules():
            domain.check_admin(actor["roles"])
        cleaned = self._checked({"description": "", "keywords": [], **command}, creating=True)
        if self.session.get(Scheme, cleaned["code"]) is not None:
            raise Conflict("Un dispositif a déjà ce code.", details={"code": ["Code déjà utilisé."]},
                           code="SCHEME_EXISTS")
        now = self.clock()
        secret = new_secret() if cleaned["delivery"] == domain.WEBHOOK else None
        scheme = Scheme(**cleaned, webhook_secret=secret, created_at=now, updated_at=now)
        self.session.add(scheme)
        self.session.flush()
        return self.scheme_view(scheme, self.directions.table(), secret)

    def update_scheme(self, actor: dict, command: dict) -> dict:
        """Change some fields; `rotate_secret` gives the webhook a new secret (shown once, in the answer)."""
        with rules():
            domain.check_admin(actor["roles"])
        scheme = self._scheme(command["code"], for_update=True)
        current = {name: getattr(scheme, name) for name in (
            "name", "description", "direction", "kind", "delivery", "webhook_url", "email", "deadline_days",
            "keywords", "active")}
        changes = {key: value for key, value in command.items() if key not in ("code", "rotate_secret")}
        cleaned = self._checked({**current, **changes}, creating=False, saved_url=scheme.webhook_url)
        if scheme.code == domain.DIRECT_ANSWER and cleaned["kind"] != domain.INTERNAL:
            raise Conflict("La réponse directe reste un dispositif interne.", code="SCHEME_PROTECTED")
        for name, value in cleaned.items():
            setattr(scheme, name, value)
        secret = None
        if cleaned["delivery"] == domain.WEBHOOK and (command.get("rotate_secret") or not scheme.webhook_secret):
            secret = scheme.webhook_secret = new_secret()
        scheme.updated_at = self.clock()
        return self.scheme_view(scheme, self.directions.table(), secret)

    # --- Open311 GeoReport v2 -------------------------------------------------------------------------

    def open311_services(self) -> list:
        """The `services` list of GeoReport v2: one service per active scheme, grouped by direction."""
        schemes = self.session.execute(sa.select(Scheme).where(Scheme.active.is_(True))
                                       .order_by(Scheme.code)).scalars()
        directions = self.directions.table()
        return [{"service_code": scheme.code, "service_name": scheme.name, "description": scheme.description,
                 "metadata": True, "type": "batch", "keywords": ", ".join(scheme.keywords or []),
                 "group": directions.get(scheme.direction, scheme.direction)} for scheme in schemes]

    def open311_definition(self, code: str) -> dict:
        """A service definition: the attributes a request to this scheme carries."""
        scheme = self._scheme(code)
        return {"service_code": scheme.code, "attributes": [
            {"variable": True, "code": "title", "datatype": "string", "required": True, "order": 1,
             "datatype_description": "Titre de l'idée (140 caractères au plus)", "description": "Titre",
             "values": []},
            {"variable": True, "code": "arrondissement", "datatype": "singlevaluelist", "required": False,
             "order": 2, "datatype_description": "Arrondissement concerné", "description": "Arrondissement",
             "values": ARRONDISSEMENT_VALUES},
            {"variable": False, "code": "deadline_days", "datatype": "number", "required": False, "order": 3,
             "datatype_description": f"La Ville répond sous {scheme.deadline_days} jours",
             "description": "Délai de réponse", "values": []},
        ]}

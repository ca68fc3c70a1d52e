"""What every rule of routing shares: the broken-rule exceptions, who is staff, the direction that owns an idea,
and text cleaning. Plain Python: no nameko, Flask or database in the domain package."""
from collections.abc import Callable

STAFF_ROLES = ("agent", "moderator", "admin")


class RuleBroken(Exception):
    """A business rule refused the change; `field` names the input at fault, if any.

    `code` RULE_BROKEN is bad input (400); any other code is a conflict with the current state (409).
    """

    def __init__(self, message: str, field: str = None, code: str = "RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


class NotAllowed(RuleBroken):
    """The caller may not do this (403)."""

    def __init__(self, message: str, field: str = None, code: str = "FORBIDDEN"):
        super().__init__(message, field, code)


def is_staff(roles) -> bool:
    return bool(set(roles or ()) & set(STAFF_ROLES))


def acting_role(roles) -> str:
    for role in ("admin", "moderator", "agent"):
        if role in (roles or ()):
            return role
    return "citizen"


def check_staff(roles):
    if not is_staff(roles):
        raise NotAllowed("Réservé aux agents, modérateurs et administrateurs de la Ville.", code="FORBIDDEN")


def check_admin(roles):
    if "admin" not in (roles or ()):
        raise NotAllowed("Seuls les administrateurs gèrent le catalogue des dispositifs.", code="FORBIDDEN")


# --- who acts on an idea: the direction that owns it ----------------------------------------------------

OUTSIDE_DIRECTION = "OUTSIDE_DIRECTION"


class OutsideDirection(NotAllowed):
    """The caller is not an agent of the direction that owns the idea (403); `direction` names the owner."""

    def __init__(self, message: str, direction: str | None, code: str = OUTSIDE_DIRECTION):
        super().__init__(message, "direction", code)
        self.direction = direction


def direction_label(direction: str | None, names: dict) -> str:
    """« DEVE (Direction des espaces verts…) » from the directions table (code → name, read from accounts)."""
    return f"{direction} ({names[direction]})" if direction in names else str(direction or "inconnue")


def check_owning_direction(actor: dict, owner_direction: str | None, directions: Callable[[], dict]) -> None:
    """Deciding, answering, assigning, ticking the checklist of an idea: admins on every idea, agents on the
    ideas their direction owns (the inbox item's `direction`); moderators and citizens never (they moderate,
    they do not route). An agent of another direction gets OUTSIDE_DIRECTION, anyone else FORBIDDEN.
    `directions` gives the directions table, asked for only to word a refusal."""
    roles = set(actor.get("roles") or ())
    if "admin" in roles:
        return
    mine = actor.get("direction")
    if "agent" in roles and owner_direction and mine == owner_direction:
        return
    names = directions()
    owner = direction_label(owner_direction, names)
    if "agent" not in roles:
        raise OutsideDirection(f"Réservé aux agents de la direction {owner} et aux administrateurs.",
                               owner_direction, code="FORBIDDEN")
    yours = (f"vous êtes agent de la direction {direction_label(mine, names)}" if mine
             else "votre compte d'agent n'est rattaché à aucune direction")
    raise OutsideDirection(f"Cette idée relève de la direction {owner} : {yours}.", owner_direction)


def clean_text(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())

"""Use cases of the ideas service, one group per module; each use case runs in one unit of work.

- box: the permanent idea box (submitting, supports, comments, follows, statuses, similar ideas, merging,
  the Madrid import, the demo seed)
- moderation: reports and moderation of ideas, comments and consultation content
- people: accounts' events (erasure, pseudonyms) and the personal-data export
- routing: the routing service's decisions on ideas
- submissions: the internal feed of submitted ideas (routing's reconciliation)
- consultations (+ consultation_views): consultations, their sections and everything citizens add
"""
from .box import IdeaBox
from .common import FieldChecks, UseCases, aware, rules, utcnow
from .consultations import Consultations
from .moderation import Moderation
from .people import AccountEvents
from .routing import RoutingEvents
from .submissions import Submissions

__all__ = ["Ideas", "Consultations", "FieldChecks", "UseCases", "aware", "rules", "utcnow"]


class Ideas(IdeaBox, Moderation, AccountEvents, RoutingEvents, Submissions):
    """The idea box's use cases, with the moderation, accounts and routing ones they share."""

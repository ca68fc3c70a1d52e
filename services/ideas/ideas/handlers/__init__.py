"""Use cases of the ideas service, one group per module; each use case runs in one unit of work.

- box: the permanent idea box (submitting, supports, comments, follows, statuses); idea_views: reading it and
  similar ideas; duplicates: merging; seeding: the Madrid import and the demo ideas (command line)
- moderation: reports and moderation of ideas, comments and consultation content
- people: accounts' events (erasure, pseudonyms) and the personal-data export
- routing: the routing service's decisions on ideas
- submissions: the internal feed of submitted ideas (routing's reconciliation)
- consultation_views, consultation_setup, contributions: consultations, as read, as agents set them up, as citizens
  take part

Each group is a class of its own built on one `Context` (unit of work, throttle, peers, settings, clock); a group
that needs another's help builds it on the same context. `Ideas` and `Consultations` build, for a use case named
on them, the group that holds it: `Ideas(uow, throttle).submit_idea(actor, command)`.
"""
from ..peers import Accounts
from ..settings import settings as process_settings
from .box import IdeaBox
from .common import Context, FieldChecks, UseCases, aware, rules, utcnow
from .consultation_setup import ConsultationSetup
from .consultation_views import ConsultationViews
from .contributions import Contributions
from .duplicates import Duplicates
from .idea_views import IdeaViews
from .moderation import Moderation
from .people import AccountEvents
from .routing import RoutingEvents
from .seeding import Seeds
from .submissions import Submissions

__all__ = ["Ideas", "Consultations", "Context", "FieldChecks", "UseCases", "aware", "rules", "utcnow"]


class UseCaseGroups:
    """The use cases of `groups` over one unit of work, each run on a new instance of the group that declares it
    (in its `use_cases`). `accounts`: the accounts service's RPC proxy, or a test's fake; `settings`: the process's
    unless given."""
    groups: tuple = ()

    def __init__(self, uow, throttle, clock=utcnow, accounts=None, settings=None):
        self.context = Context(uow, throttle, Accounts(accounts) if accounts is not None else None,
                               settings or process_settings(), clock)

    def __init_subclass__(cls):
        cls.group_of = {name: group for group in cls.groups for name in group.use_cases}
        if len(cls.group_of) != sum(len(group.use_cases) for group in cls.groups):
            raise TypeError(f"{cls.__name__}: a use case is declared by two groups")

    def __getattr__(self, name: str):
        group = self.group_of.get(name)
        if group is None:
            raise AttributeError(f"{type(self).__name__} has no use case {name!r}")
        return getattr(group(self.context), name)



class Ideas(UseCaseGroups):
    """The idea box's use cases, with the moderation, accounts and routing ones it shares with consultations."""
    groups = (IdeaViews, IdeaBox, Duplicates, Seeds, Moderation, AccountEvents, RoutingEvents, Submissions)


class Consultations(UseCaseGroups):
    groups = (ConsultationViews, ConsultationSetup, Contributions)

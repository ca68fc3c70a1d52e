"""Use cases of the notifications service, by area; each runs in one unit of work (one transaction).

`Notifications(context).inbox` builds the inbox group only, when an entrypoint first asks for it."""
from functools import cached_property

from .assignment_notices import Assignments
from .common import Context
from .digests import Digests
from .inbox import Inbox
from .my_space import MySpace
from .personal_data import PersonalData
from .preferences import Preferences
from .receiving import Receiving
from .space_feed import SpaceFeed

__all__ = ["Context", "Notifications"]


class Notifications:
    """The use-case groups of one unit of work, sharing its context."""
    GROUPS = ("inbox", "preferences", "receiving", "digests", "personal_data", "my_space", "space_feed",
              "assignments")

    def __init__(self, context: Context):
        self.context = context

    @cached_property
    def inbox(self) -> Inbox:
        return Inbox(self.context)

    @cached_property
    def preferences(self) -> Preferences:
        return Preferences(self.context)

    @cached_property
    def receiving(self) -> Receiving:
        return Receiving(self.context)

    @cached_property
    def digests(self) -> Digests:
        return Digests(self.context)

    @cached_property
    def personal_data(self) -> PersonalData:
        return PersonalData(self.context)

    @cached_property
    def my_space(self) -> MySpace:
        return MySpace(self.context)

    @cached_property
    def space_feed(self) -> SpaceFeed:
        return SpaceFeed(self.context)

    @cached_property
    def assignments(self) -> Assignments:
        return Assignments(self.context)

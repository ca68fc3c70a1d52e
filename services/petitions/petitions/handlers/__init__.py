"""Use cases of the petitions service, by area; each runs in one unit of work (one transaction).

Each area is a group of its own, built from one `Context` (unit of work, throttle, accounts, settings, clock):
`Petitions(context).signing` builds the signing group only, when an entrypoint first asks for it.
"""
from functools import cached_property

from .common import Context
from .council import Council
from .demo import Demo
from .drafting import Drafting
from .forwarded_ideas import ForwardedIdeas
from .fraud import AntiFraud
from .moderation import Moderation
from .open_data import OpenData
from .personal_data import PersonalData
from .reading import Reading
from .signing import Signing
from .suggestions import Suggestions
from .sweep import Sweep
from .views import Views

__all__ = ["Context", "Petitions"]


class Petitions:
    """The use-case groups of one unit of work, sharing its context (and the views, for those that show a
    petition). A group is built when first used: a signature builds the signing group alone."""
    GROUPS = ("reading", "drafting", "moderation", "council", "signing", "anti_fraud", "personal_data",
              "forwarded_ideas", "sweep", "demo", "suggestions", "open_data")

    def __init__(self, context: Context):
        self.context = context

    @cached_property
    def views(self) -> Views:
        return Views(self.context)

    @cached_property
    def reading(self) -> Reading:
        return Reading(self.context, self.views)

    @cached_property
    def drafting(self) -> Drafting:
        return Drafting(self.context, self.views)

    @cached_property
    def moderation(self) -> Moderation:
        return Moderation(self.context, self.views)

    @cached_property
    def council(self) -> Council:
        return Council(self.context, self.views)

    @cached_property
    def signing(self) -> Signing:
        return Signing(self.context)

    @cached_property
    def anti_fraud(self) -> AntiFraud:
        return AntiFraud(self.context, self.views)

    @cached_property
    def personal_data(self) -> PersonalData:
        return PersonalData(self.context)

    @cached_property
    def forwarded_ideas(self) -> ForwardedIdeas:
        return ForwardedIdeas(self.context)

    @cached_property
    def sweep(self) -> Sweep:
        return Sweep(self.context)

    @cached_property
    def demo(self) -> Demo:
        return Demo(self.context)

    @cached_property
    def suggestions(self) -> Suggestions:
        return Suggestions(self.context, self.views)

    @cached_property
    def open_data(self) -> OpenData:
        return OpenData(self.context)

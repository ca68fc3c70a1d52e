"""Use cases of the budget service, one group per module; each group is a class of its own built on a `Context`
(common.py: unit of work, settings, peers, throttle, clock), and each use case runs in one unit of work.

- cycles: reference data, cycles and their stages        - projects: submission (and its guards), study, selection
- listing: the public listings and a citizen's projects  - co_construction: merging projects, carriers' answers
- drafts: ideas forwarded to the budget become drafts    - tracking: winners' implementation statuses, follows
- voting: online ballots, one or a batch                 - paper: paper ballots from the mobile ballot boxes
- results: receipts, live counts, the tally, results     - open_data: the Paris winners, open-data CSV exports
- pabulib_files: .pb files in and out                    - gdpr: forgetting an account, the personal-data export

service.py builds the group an entrypoint needs; `use_case(context, name)` finds a use case by its name (the
command line, tests and benchmarks).
"""
from .co_construction import CoConstruction
from .common import Context, UseCases
from .cycles import Cycles
from .drafts import Drafts
from .gdpr import Gdpr
from .listing import ProjectViews
from .open_data import ParisData
from .pabulib_files import PabulibFiles
from .paper import PaperBallots
from .projects import Projects
from .results import Results
from .tracking import Tracking
from .voting import Voting

__all__ = ["GROUPS", "Context", "UseCases", "use_case"]

GROUPS = (Cycles, Projects, ProjectViews, CoConstruction, Drafts, Tracking, Voting, PaperBallots, Results,
          ParisData, PabulibFiles, Gdpr)
_GROUP_OF = {name: group for group in GROUPS for name in vars(group) if not name.startswith("_")}


def use_case(context: Context, name: str):
    """The use case `name`, bound to a group built on `context`."""
    return getattr(_GROUP_OF[name](context), name)

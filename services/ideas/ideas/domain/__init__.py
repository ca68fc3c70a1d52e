"""Rules of the ideas service, in plain Python (no database, no nameko, no Flask), one module per area:

- text: the broken-rule exception and the text helpers every area shares
- box: the permanent idea box (themes, statuses and their transitions, submitting, merging)
- similarity: what similar ideas and search may find (the index: hubkit.text_index)
- madrid: importing the Decide Madrid proposals
- moderation: reports and moderators' decisions
- consultations (+ questionnaires): consultations, their sections, who runs them

The idea box's names are re-exported here (`from .. import domain; domain.THEMES`); consultations are read from
their own module (`from ..domain import consultations as cd`).
"""
from .box import *  # noqa: F401,F403
from .madrid import *  # noqa: F401,F403
from .moderation import *  # noqa: F401,F403
from .similarity import *  # noqa: F401,F403
from .text import *  # noqa: F401,F403

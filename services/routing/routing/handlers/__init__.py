"""Use cases of the routing service, one group per module; each group is a class of its own built on a `Context`
(unit of work, settings, the directions, the clock), and each use case runs in one unit of work.

- catalogue: the scheme catalogue (also as Open311), managed by admins
- receiving: ideas arriving in the inbox (their event, or reconciliation)
- inbox: the inbox read by staff, and its gauges (inbox_queries: its statements, one index each; inbox_counts:
  its counts, remembered under the inbox's version)
- decisions: the agent's work on an idea (checklist, assignment, decisions, undo)
- effects: decisions taking effect once their undo window passed
- deliveries: dossiers sent to external schemes by webhook, and their signed answers (delivery_watch: those whose
  calls fail, for the agents of the scheme's direction and the gauges)
- history: the one history of an idea across the hub's services
- personal_data: GDPR (what a person is told, author or agent, is the notifications service's)
- reconciliation: the open ideas of the idea box whose event never reached routing

`common` holds what they share (one way of turning a broken rule into an error, on hubkit.rules); `views` how
records read on the wire.
"""
from .catalogue import Catalogue
from .common import Context
from .decisions import Decisions
from .deliveries import Deliveries
from .delivery_watch import DeliveryWatch
from .effects import DecisionEffects
from .history import History
from .inbox import Inbox
from .personal_data import PersonalData
from .receiving import Receiving
from .reconciliation import Reconciliation, Schedule

__all__ = ["Catalogue", "Context", "DecisionEffects", "Decisions", "Deliveries", "DeliveryWatch", "History", "Inbox",
           "PersonalData", "Receiving", "Reconciliation", "Schedule"]

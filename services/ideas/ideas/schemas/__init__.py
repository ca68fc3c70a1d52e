"""What crosses the wire to and from the ideas service, by area: `ideas` (the idea box, re-exported here) and
`consultations` (`from ..schemas import consultations`)."""
from .ideas import *  # noqa: F401,F403

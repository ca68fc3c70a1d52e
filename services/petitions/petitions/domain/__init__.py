"""Rules of petitions, in plain Python (no database, no nameko, no Flask), by area: the life of a petition
(`petition`), anti-fraud (`fraud`), the e-mails its steps send (`notifications`) and what the text index holds
(`suggestions`). The public names are re-exported here, so callers may keep `from petitions import domain` and
`domain.X`."""
from .fraud import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
from .petition import *  # noqa: F401,F403
from .suggestions import *  # noqa: F401,F403

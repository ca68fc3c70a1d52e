"""Rules of petitions, in plain Python (no database, no nameko, no Flask), by area: the life of a petition
(`petition`), anti-fraud (`fraud`) and what the text index holds (`suggestions`); the e-mails of its steps are the
notifications service's. The public names are re-exported here, so callers may keep `from petitions import domain` and
`domain.X`."""
from .fraud import *  # noqa: F401,F403
from .petition import *  # noqa: F401,F403
from .suggestions import *  # noqa: F401,F403

"""Rules of notifications, in plain Python (no database, no nameko, no Flask), by area: categories, channels and
their defaults (`preferences`), what each event tells whom (`wording`; budget's and petitions' events:
`scheme_wording`), the weekly digest (`digest`) and the signed unsubscribe tokens (`tokens`). The public names are
re-exported here (`from notifications import domain`)."""
from .digest import *  # noqa: F401,F403
from .preferences import *  # noqa: F401,F403
from .tokens import *  # noqa: F401,F403
from .wording import *  # noqa: F401,F403
from .my_space import *  # noqa: F401,F403
from .scheme_wording import *  # noqa: F401,F403
from .consultation_wording import *  # noqa: F401,F403
from .assignment_wording import *  # noqa: F401,F403

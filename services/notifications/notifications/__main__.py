import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

from notifications.cli import main  # noqa: E402  (after monkey-patching, on purpose)

main()

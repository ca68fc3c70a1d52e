"""Business counters of the accounts service (counters: sum them across replicas)."""
from contextlib import contextmanager

from prometheus_client import Counter

from hubkit.errors import HubError

REGISTRATIONS = Counter("accounts_registrations_total",
                        "Accounts created (verification mail queued); a registration with an address that already "
                        "has an account answers the same but is not counted. Sum across replicas.")
LOGINS = Counter("accounts_logins_total", "Successful logins.")
LOGINS_FAILED = Counter("accounts_logins_failed_total", "Refused logins, by reason.", ["reason"])


def count_registration():
    REGISTRATIONS.inc()


@contextmanager
def count_login():
    try:
        yield
    except HubError as error:
        LOGINS_FAILED.labels(error.code.lower()).inc()
        raise
    LOGINS.inc()

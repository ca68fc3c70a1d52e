"""Business counters of the accounts service."""
from contextlib import contextmanager

from prometheus_client import Counter

from hubkit.errors import HubError

REGISTRATIONS = Counter("accounts_registrations_total", "Registration requests accepted (verification mail queued).")
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

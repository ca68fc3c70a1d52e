"""Business counters of the accounts service (counters: sum them across replicas)."""
from contextlib import contextmanager

from prometheus_client import Counter

from hubkit.errors import HubError

REGISTRATIONS = Counter("accounts_registrations_total",
                        "Accounts created (verification mail queued); a registration with an address that already "
                        "has an account answers the same but is not counted. Sum across replicas.")
LOGINS = Counter("accounts_logins_total", "Successful logins.")
LOGINS_FAILED = Counter("accounts_logins_failed_total", "Refused logins, by reason.", ["reason"])
# The codes Sessions.login refuses with, at 0 from the start: a first wave of wrong passwords is an increase, not a
# series born at 1 (another code still appears when it first happens)
LOGIN_FAILURE_REASONS = ("invalid_credentials", "email_not_verified")
for _reason in LOGIN_FAILURE_REASONS:
    LOGINS_FAILED.labels(_reason)


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

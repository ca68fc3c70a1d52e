"""Business counters of the notifications service (counters: sum them across replicas).

`category` and `channel` are bounded labels (domain.CATEGORIES, domain.STORED_CHANNELS), all at 0 from the start."""
from prometheus_client import Counter

from .domain import CATEGORIES, STORED_CHANNELS

NOTIFICATIONS = Counter("notifications_written_total", "Notifications written, by category and channel.",
                        ["category", "channel"])
EMAILS = Counter("notifications_emails_total", "E-mails asked of accounts.notify, by kind (at once, digest).",
                 ["kind"])
# a digest run that stopped because accounts.notify did not answer: the people left wait for the next run
DIGESTS_DEFERRED = Counter("notifications_digests_deferred_total",
                           "Digest runs stopped because accounts did not answer (the rest wait for the next run).")
UNSUBSCRIBES = Counter("notifications_unsubscribes_total", "One-click unsubscribes applied, by category.",
                       ["category"])
EMAIL_KINDS = ("immediate", "digest")

for _category in CATEGORIES:
    UNSUBSCRIBES.labels(_category)
    for _channel in STORED_CHANNELS:
        NOTIFICATIONS.labels(_category, _channel)
for _kind in EMAIL_KINDS:
    EMAILS.labels(_kind)


def count_notification(category: str, channel: str):
    NOTIFICATIONS.labels(category, channel).inc()


def count_emails(kind: str, number: int = 1):
    EMAILS.labels(kind).inc(number)


def count_unsubscribe(category: str):
    UNSUBSCRIBES.labels(category).inc()


def count_deferred_digest_run():
    DIGESTS_DEFERRED.inc()

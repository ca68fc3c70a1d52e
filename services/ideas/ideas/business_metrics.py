"""Business counters of the ideas service."""
from prometheus_client import Counter

IDEAS_SUBMITTED = Counter("ideas_submitted_total", "Ideas submitted to the idea box.")
SUPPORTS = Counter("idea_supports_total", "Supports given to ideas (withdrawals are not subtracted).")
COMMENTS = Counter("comments_posted_total", "Comments posted on ideas.")


def count_idea_submitted():
    IDEAS_SUBMITTED.inc()


def count_support():
    SUPPORTS.inc()


def count_comment():
    COMMENTS.inc()

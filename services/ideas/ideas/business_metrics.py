"""Business counters of the ideas service (counters: sum them across replicas). An idea is counted where it is
created, once its transaction committed: an idea sent again with its idempotency key is answered from the stored
answer (hubkit.idempotency) and not counted again."""
from prometheus_client import Counter

IDEAS_SUBMITTED = Counter("ideas_submitted_total",
                          "Ideas submitted to the idea box, counted once when created (an idempotent replay is not). "
                          "Sum across replicas.")
SUPPORTS = Counter("idea_supports_total", "Supports given to ideas (withdrawals are not subtracted).")
COMMENTS = Counter("comments_posted_total", "Comments posted on ideas.")


def count_idea_submitted():
    IDEAS_SUBMITTED.inc()


def count_support():
    SUPPORTS.inc()


def count_comment():
    COMMENTS.inc()


# consultations: one counter, labelled by what citizens and agents did
CONSULTATION_ACTIONS = Counter("consultation_actions_total", "Actions in consultations, by action.", ["action"])
# every action the service counts (service.py), at 0 from the start: a rate is never missing
CONSULTATION_ACTION_LABELS = ("proposal_submitted", "amendment_proposed", "amendment_decided", "support", "comment",
                              "argument", "questionnaire_answered", "consultation_saved", "section_saved",
                              "consultation_closed", "synthesis_published")
_CONSULTATION_ACTIONS = {action: CONSULTATION_ACTIONS.labels(action) for action in CONSULTATION_ACTION_LABELS}


def count_consultation_action(action: str):
    """`action`: one of CONSULTATION_ACTION_LABELS."""
    (_CONSULTATION_ACTIONS.get(action) or CONSULTATION_ACTIONS.labels(action)).inc()

"""The rules of routing, in plain Python, by area: who acts (access), the scheme catalogue, the first reading of
an idea (suggestion, checklist), the inbox's decisions, webhooks, the one history.

No nameko, Flask or database here: the handlers apply these rules in transactions. The City's directions are not
here either: accounts owns their table (accounts.reference_data, read through peers.Directions).

The names below are re-exported so callers may write `domain.X`; new code imports from the area module.
"""
from .access import (NotAllowed, OUTSIDE_DIRECTION, OutsideDirection, RuleBroken, STAFF_ROLES, acting_role,
    check_admin, check_owning_direction, check_staff, clean_text, direction_label, is_staff, one_line)  # noqa: F401
from .catalogue import (BUDGET, CODE_PATTERN, DEADLINE_DAYS_MAX, DELIVERIES, DESCRIPTION_MAX, DIRECT_ANSWER, EMAIL,
    EVENT, EXTERNAL, GREENING_PERMIT, INTERNAL, KEYWORDS_MAX, KEYWORD_MAX, KINDS, NAME_MAX, PETITION,
    STREET_REPORT, WEBHOOK, check_code, check_deadline_days, check_delivery, check_description, check_direction,
    check_keywords, check_name)  # noqa: F401
from .suggestion import (DEFAULT_DIRECTION, PRIORITY, Suggestion, THEME_DIRECTIONS, THEME_HINTS, checklist,
    normalise, stem, stems, suggest)  # noqa: F401
from .inbox import (ACTIONS, ANSWER, ANSWERED, CHECKS, CHECK_VALUES, DUPLICATE, FORWARD, FORWARDED, MERGED,
    MESSAGE_MAX, NO, NOT_RETAIN, NOT_RETAINED, NOT_RETAINED_REASONS, OPEN_STATUSES, OUTCOME_OF, PENDING,
    REASON_MAX, STATUSES, UNKNOWN, WAITING, YES, check_can_decide, check_checklist, check_decision, check_undo,
    check_undo_by, countdown, deadline, dossier_reference, is_overdue)  # noqa: F401
from .webhooks import (ALLOWED_NETWORKS_SETTING, ANSWER_MAX, ANSWER_MAX_AGE_SECONDS, ANSWER_MAX_AHEAD_SECONDS,
    ANSWER_METHOD, DELIVERY_HEADER, EVENT_HEADER, METADATA_ADDRESSES, METADATA_HOSTS, NAT64, SIGNATURE_HEADER,
    TIMESTAMP_HEADER, answer_path, answer_signing_string, answer_timestamp, backoff, check_scheme_answer,
    check_webhook_addresses, check_webhook_host, forbidden_address_reason, is_success, parse_allowed_networks,
    replay_key, replay_memory_until, sign, sign_answer, verify_answer)  # noqa: F401
from .history import (IDEA_STATUS_LABELS, TRACED_EVENTS, TRACE_SUMMARIES, trace_summary)  # noqa: F401
from .paging import (BAD_CURSOR, CURSOR_MAX, CURSOR_PATTERN, decode_cursor, encode_cursor, filters_fingerprint)  # noqa: F401

"""Infrastructure shared by every service of the participation hub.

Nothing here knows about accounts, ideas or budgets: only envelopes, outboxes,
correlation ids, metrics, database sessions, mail transports and configuration.
"""

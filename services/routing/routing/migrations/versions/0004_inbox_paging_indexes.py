"""The inbox pages in its order without a sort, whatever its size: one index per way of filtering it, in the order
(deadline_at, received_at, idea_id) (partial on the open inbox, the default list, and on a direction's open inbox);
one for the gauges by scheme and direction and the open inbox's counts (its deadline tells the overdue); the
inbox's latest write (the version its counts are remembered under: handlers/inbox_counts.py); the sweep's pending
decisions and the delivery timer's due webhook calls by partial indexes that hold only those; the links by the
other service's id alone (budget and petitions events), an agent's decisions (GDPR export and erasure). The
single-column indexes on status and deadline_at are prefixes of the new ones: dropped.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# As routing.models spells them (a migration does not import the models: they move on, it stays)
OPEN_ITEMS = "status IN ('waiting', 'pending')"
PENDING_DECISIONS = "state = 'pending'"
UNDELIVERED = "delivered_at IS NULL"
QUEUE = ["deadline_at", "received_at", "idea_id"]
INDEXES = (
    ("ix_inbox_items_open_queue", "inbox_items", QUEUE, OPEN_ITEMS),
    ("ix_inbox_items_open_direction_queue", "inbox_items", ["direction", *QUEUE], OPEN_ITEMS),
    ("ix_inbox_items_open_by_scheme", "inbox_items", ["scheme", "direction", "deadline_at"], OPEN_ITEMS),
    ("ix_inbox_items_status_queue", "inbox_items", ["status", *QUEUE], None),
    ("ix_inbox_items_queue", "inbox_items", QUEUE, None),
    ("ix_inbox_items_updated_at", "inbox_items", ["updated_at"], None),  # the version of the counts remembered
    ("ix_decisions_pending_due", "decisions", ["effective_at"], PENDING_DECISIONS),
    ("ix_webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"], UNDELIVERED),
    ("ix_links_external_id", "links", ["external_id"], None),  # budget and petitions events name their subject only
    ("ix_decisions_actor_id", "decisions", ["actor_id"], None),  # an agent's GDPR export and erasure
)
REPLACED = (("ix_inbox_items_status", ["status"]), ("ix_inbox_items_deadline_at", ["deadline_at"]))


def upgrade():
    for name, table, columns, condition in INDEXES:
        where = {} if condition is None else {"postgresql_where": sa.text(condition),
                                              "sqlite_where": sa.text(condition)}
        op.create_index(name, table, columns, **where)
    for name, _ in REPLACED:
        op.drop_index(name, "inbox_items")


def downgrade():
    for name, columns in REPLACED:
        op.create_index(name, "inbox_items", columns)
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table)

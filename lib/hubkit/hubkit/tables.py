"""Tables every service database carries for its infrastructure.

Each service adds them to its own metadata (`add_infrastructure_tables`) and
creates them in its first migration (`hubkit.migrations.create_infrastructure_tables`).
"""
import sqlalchemy as sa


def add_infrastructure_tables(metadata: sa.MetaData) -> dict:
    outbox = sa.Table(
        "outbox_events", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("envelope", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    processed = sa.Table(
        "processed_events", metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handler", sa.String(120), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    mails = sa.Table(
        "outgoing_mails", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    return {"outbox": outbox, "processed": processed, "mails": mails}


def add_idempotency_table(metadata: sa.MetaData) -> sa.Table:
    """The idempotency keys of a service taking keyed requests (hubkit.idempotency; created by
    `hubkit.migrations.create_idempotency_table`). `scope` is the operation and the account ("cast_ballot:<id>"),
    `response` the first answer's JSON text (NULL only inside the transaction that claimed the key)."""
    return sa.Table(
        "idempotency_keys", metadata,
        sa.Column("scope", sa.String(120), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def add_mail_headers_table(metadata: sa.MetaData) -> sa.Table:
    """Extra headers of queued mails (`UnitOfWork.queue_mail(headers=...)`; created by
    `hubkit.migrations.create_mail_headers_table`), only in the services that send mails with headers (accounts:
    List-Unsubscribe). One row per such mail, `headers` a JSON object {name: value}; deleted once the mail is sent,
    so the relay sends the headers with the mail however long it waited."""
    return sa.Table(
        "outgoing_mail_headers", metadata,
        sa.Column("mail_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def infrastructure_tables(metadata: sa.MetaData) -> dict:
    """The infrastructure tables by key; "idempotency" only in the services that take keyed requests,
    "mail_headers" only in those that send mails with headers of their own."""
    tables = {"outbox": metadata.tables["outbox_events"], "processed": metadata.tables["processed_events"],
              "mails": metadata.tables["outgoing_mails"]}
    if "idempotency_keys" in metadata.tables:
        tables["idempotency"] = metadata.tables["idempotency_keys"]
    if "outgoing_mail_headers" in metadata.tables:
        tables["mail_headers"] = metadata.tables["outgoing_mail_headers"]
    return tables

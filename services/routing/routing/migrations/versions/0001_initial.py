"""Schemes (seeded with the City's five), inbox items, decisions, dossiers, webhook deliveries, trace entries,
links, and the outbox/processed/mail tables.

Revision ID: 0001
Revises:
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from hubkit.migrations import create_infrastructure_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
AT = sa.DateTime(timezone=True)

# The catalogue as the City starts with it (a copy: later changes to domain.DEFAULT_SCHEMES need a migration).
SEED = [
    ("budget", "Budget participatif",
     "Un investissement dans l'espace public, proposé au prochain budget participatif : le projet est pré-rempli "
     "pour l'auteur, qui le complète et le confirme.", "DDCT", "internal", "event", None, None, 15,
     ["aménager", "installer", "créer", "rénover", "construire", "équiper", "réaménager", "transformer",
      "mettre en place"]),
    ("petition", "Pétitions",
     "Une demande adressée au Conseil de Paris, à porter collectivement : une pétition pré-remplie est préparée "
     "pour l'auteur.", "DDCT", "internal", "event", None, None, 15,
     ["pétition", "conseil de paris", "nous demandons", "demandons", "exigeons", "interdire", "vote du conseil",
      "délibération", "moratoire"]),
    ("greening_permit", "Permis de végétaliser",
     "Végétaliser un pied d'arbre, installer une jardinière ou des plantes grimpantes sur l'espace public : un "
     "dossier est ouvert auprès de la direction des espaces verts.", "DEVE", "external", "webhook",
     "https://permis-vegetaliser.paris.local/api/hub/dossiers", None, 30,
     ["végétaliser", "végétalisation", "arbre", "jardinière", "fleurs", "fleurir", "plantes", "pied d'arbre",
      "potager", "plantes grimpantes"]),
    ("street_report", "DansMaRue (signalement)",
     "Une anomalie sur l'espace public (voirie, propreté, éclairage, graffitis) : un signalement est ouvert dans "
     "DansMaRue.", "DPE", "external", "email", None, "dansmarue@paris.local", 7,
     ["nid-de-poule", "nid de poule", "propreté", "dépôt sauvage", "dépôts sauvages", "encombrant",
      "éclairage en panne", "lampadaire en panne", "graffiti", "tags", "poubelle débordante", "trottoir abîmé"]),
    ("direct_answer", "Réponse directe d'une direction",
     "La direction compétente répond elle-même à l'auteur de l'idée.", "DDCT", "internal", "event", None, None, 21,
     []),
]


def upgrade():
    create_infrastructure_tables(op)
    schemes = op.create_table(
        "schemes",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("webhook_url", sa.String(500), nullable=True),
        sa.Column("webhook_secret", sa.String(128), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("deadline_days", sa.Integer, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
    )
    op.create_table(
        "inbox_items",
        sa.Column("idea_id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("theme", sa.String(32), nullable=True),
        sa.Column("arrondissement", sa.SmallInteger, nullable=True),
        sa.Column("author_id", sa.String(36), nullable=True),
        sa.Column("correlation_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("suggested_scheme", sa.String(40), nullable=False),
        sa.Column("suggestion_reason", sa.Text, nullable=False),
        sa.Column("suggestion_keywords", sa.JSON, nullable=False),
        sa.Column("checklist", sa.JSON, nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("assigned_agent_id", sa.String(36), nullable=True),
        sa.Column("submitted_at", AT, nullable=False),
        sa.Column("received_at", AT, nullable=False),
        sa.Column("deadline_at", AT, nullable=False),
        sa.Column("first_response_at", AT, nullable=True),
        sa.Column("decided_at", AT, nullable=True),
        sa.Column("updated_at", AT, nullable=False),
    )
    for column in ("arrondissement", "author_id", "correlation_id", "status", "scheme", "direction",
                   "assigned_agent_id", "received_at", "deadline_at"):
        op.create_index(f"ix_inbox_items_{column}", "inbox_items", [column])
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idea_id", sa.String(36), sa.ForeignKey("inbox_items.idea_id"), nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=False, unique=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=True),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("duplicate_of", sa.String(36), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("replaces", sa.String(36), nullable=True),
        sa.Column("actor_id", sa.String(36), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("effective_at", AT, nullable=False),
        sa.Column("applied_at", AT, nullable=True),
        sa.Column("cancelled_at", AT, nullable=True),
    )
    op.create_index("ix_decisions_idea_id", "decisions", ["idea_id"])
    op.create_index("ix_decisions_state", "decisions", ["state"])
    op.create_index("ix_decisions_effective_at", "decisions", ["effective_at"])
    op.create_table(
        "dossiers",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(40), nullable=True, unique=True),
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False, unique=True),
        sa.Column("idea_id", sa.String(36), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answer_status", sa.String(40), nullable=True),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("delivered_at", AT, nullable=True),
        sa.Column("answered_at", AT, nullable=True),
    )
    op.create_index("ix_dossiers_idea_id", "dossiers", ["idea_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", BIG_ID, sa.ForeignKey("dossiers.id"), nullable=False, unique=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", AT, nullable=False),
        sa.Column("delivered_at", AT, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_webhook_deliveries_next_attempt_at", "webhook_deliveries", ["next_attempt_at"])
    op.create_index("ix_webhook_deliveries_delivered_at", "webhook_deliveries", ["delivered_at"])
    op.create_table(
        "trace_entries",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("idea_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=False),
        sa.Column("causation_id", sa.String(128), nullable=False),
        sa.Column("occurred_at", AT, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("agent_note", sa.Text, nullable=True),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("event_id", "idea_id", name="uq_trace_event_idea"),
    )
    op.create_index("ix_trace_entries_idea_id", "trace_entries", ["idea_id"])
    op.create_index("ix_trace_entries_correlation_id", "trace_entries", ["correlation_id"])
    op.create_index("ix_trace_entries_occurred_at", "trace_entries", ["occurred_at"])
    op.create_table(
        "links",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("external_id", sa.String(64), primary_key=True),
        sa.Column("idea_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_links_idea_id", "links", ["idea_id"])
    now = datetime.now(timezone.utc)
    op.bulk_insert(schemes, [
        {"code": code, "name": name, "description": description, "direction": direction, "kind": kind,
         "delivery": delivery, "webhook_url": url, "webhook_secret": None, "email": email, "deadline_days": days,
         "keywords": keywords, "active": True, "created_at": now, "updated_at": now}
        for code, name, description, direction, kind, delivery, url, email, days, keywords in SEED])


def downgrade():
    for table in ("links", "trace_entries", "webhook_deliveries", "dossiers", "decisions", "inbox_items", "schemes",
                  "outgoing_mails", "processed_events", "outbox_events"):
        op.drop_table(table)

"""The action door « Agir » (issue 15): schemes that take direct requests (their request form, who may ask) and
dossiers opened directly by a citizen, without an idea or a decision (what was asked, by whom, under which
correlation id, once per form sent). The catalogue gains the volunteering scheme; the greening permit and the
street report gain their forms.

Revision ID: 0005
Revises: 0004
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)

# The forms as the City starts with them (a copy: a migration does not import the domain, it stays as it is).
GREENING_FORM = [
    {"code": "support", "label": "Ce que vous souhaitez végétaliser", "kind": "choice", "required": True,
     "choices": [{"code": "tree_pit", "label": "Un pied d'arbre"},
                 {"code": "planter", "label": "Une jardinière ou un bac"},
                 {"code": "climbing", "label": "Un mur (plantes grimpantes)"},
                 {"code": "other", "label": "Autre (précisez dans la description)"}]},
    {"code": "upkeep", "label": "Je m'engage à entretenir les plantations (charte de végétalisation)",
     "kind": "consent", "required": True},
]
STREET_REPORT_FORM = [
    {"code": "category", "label": "Type d'anomalie", "kind": "choice", "required": True,
     "choices": [{"code": "road", "label": "Voirie (nid-de-poule, trottoir abîmé)"},
                 {"code": "cleanliness", "label": "Propreté (dépôt sauvage, encombrant)"},
                 {"code": "lighting", "label": "Éclairage en panne"},
                 {"code": "graffiti", "label": "Graffitis, tags"}]},
]
VOLUNTEERING_FORM = [
    {"code": "field", "label": "Domaine qui vous intéresse", "kind": "choice", "required": True,
     "choices": [{"code": "solidarity", "label": "Solidarité (maraudes, aide alimentaire)"},
                 {"code": "environment", "label": "Environnement (jardins partagés, nettoyages)"},
                 {"code": "education", "label": "Éducation (aide aux devoirs)"},
                 {"code": "events", "label": "Événements de la Ville"}]},
    {"code": "availability", "label": "Vos disponibilités (ex. : le samedi matin)", "kind": "text",
     "required": False},
]
FORMS = {
    "greening_permit": (GREENING_FORM, "paris_residents",
                        "Les habitantes et habitants de Paris, seuls ou pour une association ou un commerce, qui "
                        "s'engagent à entretenir leurs plantations."),
    "street_report": (STREET_REPORT_FORM, "anyone",
                      "Toute personne inscrite qui constate une anomalie sur l'espace public parisien."),
}
VOLUNTEERING = {
    "code": "volunteering", "name": "Bénévolat (Volontaires de Paris)",
    "description": "Donner de son temps à une action de la Ville ou d'une association parisienne : la mission "
                   "bénévolat vous recontacte pour vous proposer des missions près de chez vous.",
    "direction": "DDCT", "kind": "external", "delivery": "email", "webhook_url": None, "webhook_secret": None,
    "email": "benevolat@paris.local", "deadline_days": 15,
    "keywords": ["bénévolat", "bénévole", "volontaire", "donner de mon temps", "aider"], "active": True,
    "request_form": VOLUNTEERING_FORM, "eligibility": "anyone",
    "who_may_ask": "Toute personne inscrite, parisienne ou non, majeure ou mineure avec l'accord de ses parents."}

TYPES = {"keywords": sa.JSON, "request_form": sa.JSON, "active": sa.Boolean, "deadline_days": sa.Integer,
         "created_at": AT, "updated_at": AT}
SCHEME_COLUMNS = [sa.column(name, TYPES.get(name, sa.String)) for name in (*VOLUNTEERING, "created_at", "updated_at")]


def upgrade():
    with op.batch_alter_table("schemes") as table:
        table.add_column(sa.Column("request_form", sa.JSON, nullable=True))
        table.add_column(sa.Column("eligibility", sa.String(24), nullable=True))
        table.add_column(sa.Column("who_may_ask", sa.Text, nullable=True))
    with op.batch_alter_table("dossiers") as table:
        table.alter_column("decision_id", existing_type=sa.String(36), nullable=True)
        table.alter_column("idea_id", existing_type=sa.String(36), nullable=True)
        table.add_column(sa.Column("subject_kind", sa.String(16), nullable=False, server_default="idea"))
        table.add_column(sa.Column("direct_request_id", sa.String(36), nullable=True))
        table.add_column(sa.Column("requester_id", sa.String(36), nullable=True))
        table.add_column(sa.Column("request", sa.JSON, nullable=True))
        table.add_column(sa.Column("correlation_id", sa.String(128), nullable=True))
        table.add_column(sa.Column("idempotency_key", sa.String(80), nullable=True))
        table.create_unique_constraint("uq_dossiers_direct_request_id", ["direct_request_id"])
        table.create_unique_constraint("uq_dossiers_idempotency_key", ["idempotency_key"])
    op.create_index("ix_dossiers_requester_id", "dossiers", ["requester_id"])
    schemes = sa.table("schemes", sa.column("code", sa.String), sa.column("request_form", sa.JSON),
                       sa.column("eligibility", sa.String), sa.column("who_may_ask", sa.Text))
    for code, (form, eligibility, who) in FORMS.items():
        op.execute(schemes.update().where(schemes.c.code == code)
                   .values(request_form=form, eligibility=eligibility, who_may_ask=who))
    now = datetime.now(timezone.utc)
    exists = op.get_bind().execute(sa.text("SELECT 1 FROM schemes WHERE code = 'volunteering'")).first()
    if exists is None:  # an administrator may have created it by hand already
        op.bulk_insert(sa.table("schemes", *SCHEME_COLUMNS), [{**VOLUNTEERING, "created_at": now, "updated_at": now}])

def downgrade():
    op.execute(sa.text("DELETE FROM schemes WHERE code = 'volunteering'"))
    op.drop_index("ix_dossiers_requester_id", "dossiers")
    op.execute(sa.text("DELETE FROM webhook_deliveries WHERE dossier_id IN "
                       "(SELECT id FROM dossiers WHERE decision_id IS NULL)"))
    op.execute(sa.text("DELETE FROM dossiers WHERE decision_id IS NULL"))
    with op.batch_alter_table("dossiers") as table:
        table.drop_constraint("uq_dossiers_idempotency_key", type_="unique")
        table.drop_constraint("uq_dossiers_direct_request_id", type_="unique")
        for column in ("idempotency_key", "correlation_id", "request", "requester_id", "direct_request_id",
                       "subject_kind"):
            table.drop_column(column)
        table.alter_column("idea_id", existing_type=sa.String(36), nullable=False)
        table.alter_column("decision_id", existing_type=sa.String(36), nullable=False)
    with op.batch_alter_table("schemes") as table:
        for column in ("who_may_ask", "eligibility", "request_form"):
            table.drop_column(column)

"""The migrations that move data, on SQLite and PostgreSQL: proposals posted before the shuffle key existed
get one each, drawn at random, so that their random order differs from one visitor to the next."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command

from hubkit.db import make_engine
from hubkit.runner import alembic_config, migrate
from ideas import SERVICE_NAME
from ideas.domain import consultations as cd

from .conftest import PACKAGE_DIR

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def test_proposals_posted_before_the_shuffle_key_get_a_random_one(ideas_db):
    command.downgrade(alembic_config(PACKAGE_DIR, ideas_db.url), "0004")
    engine = make_engine(ideas_db.url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO consultations (id, title, context, resources, agenda, opens_at, closes_at, created_at, "
            "updated_at) VALUES ('c1', 'Une consultation', 'Le contexte', '[]', '[]', :now, :now, :now, :now)"),
            {"now": NOW})
        section_id = connection.execute(sa.text(
            "INSERT INTO consultation_sections (consultation_id, position, title, mode, questions, created_at) "
            "VALUES ('c1', 1, 'Vos propositions', 'proposals', '[]', :now) RETURNING id"), {"now": NOW}).scalar_one()
        for number in range(20):
            connection.execute(sa.text(
                "INSERT INTO consultation_proposals (id, consultation_id, section_id, title, body, author_pseudonym, "
                "created_at) VALUES (:id, 'c1', :section, 'Un titre', 'Un texte', 'Camille', :now)"),
                {"id": f"p{number}", "section": section_id, "now": NOW})
    engine.dispose()
    migrate(SERVICE_NAME, PACKAGE_DIR, ideas_db.url)
    engine = make_engine(ideas_db.url)
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT shuffle_key FROM consultation_proposals")).scalars().all()
    engine.dispose()
    assert len(keys) == 20 and len(set(keys)) > 15
    assert all(0 <= key < cd.SHUFFLE_MODULUS for key in keys)

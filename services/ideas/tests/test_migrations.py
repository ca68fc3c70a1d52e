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


def test_an_upgraded_database_finds_its_old_ideas_and_proposals_but_not_the_hidden_merged_or_amendments(ideas_db):
    from hubkit.text_index import TextIndex
    from sqlalchemy.orm import Session

    command.downgrade(alembic_config(PACKAGE_DIR, ideas_db.url), "0008")
    engine = make_engine(ideas_db.url)
    ideas = [("i-open", "submitted", False), ("i-answered", "answered", False), ("i-hidden", "submitted", True),
             ("i-merged", "merged", False)]
    with engine.begin() as connection:
        for number in range(1203):  # more than one batch of the backfill
            ideas.append((f"i-{number:04d}", "submitted", False))
        connection.execute(sa.text(
            "INSERT INTO ideas (id, title, description, theme, status, author_pseudonym, search_text, supports_count, "
            "comments_count, imported_supports, hidden, created_at, updated_at) VALUES (:id, :title, :text, "
            "'environnement', :status, 'Camille', '', 0, 0, 0, :hidden, :now, :now)"),
            [{"id": idea_id, "status": status, "hidden": hidden, "now": NOW,
              "title": "Des fontaines le long du canal" if not idea_id[2:].isdigit() else f"Idée numéro {idea_id}",
              "text": "De l'eau potable sur les quais du canal Saint-Martin."} for idea_id, status, hidden in ideas])
        connection.execute(sa.text(
            "INSERT INTO consultations (id, title, context, resources, agenda, opens_at, closes_at, created_at, "
            "updated_at) VALUES ('c1', 'Une consultation', 'Le contexte', '[]', '[]', :now, :now, :now, :now)"),
            {"now": NOW})
        section_id = connection.execute(sa.text(
            "INSERT INTO consultation_sections (consultation_id, position, title, mode, questions, created_at) "
            "VALUES ('c1', 1, 'Vos propositions', 'proposals', '[]', :now) RETURNING id"), {"now": NOW}).scalar_one()
        connection.execute(sa.text(
            "INSERT INTO consultation_proposals (id, consultation_id, section_id, title, body, author_pseudonym, "
            "amends_id, hidden, shuffle_key, created_at) VALUES (:id, 'c1', :section, 'Des fontaines au canal', "
            "'De l''eau potable sur les quais.', 'Camille', :amends, :hidden, 1, :now)"),
            [{"id": "p-open", "amends": None, "hidden": False, "section": section_id, "now": NOW},
             {"id": "p-amendment", "amends": "p-open", "hidden": False, "section": section_id, "now": NOW},
             {"id": "p-hidden", "amends": None, "hidden": True, "section": section_id, "now": NOW}])
    engine.dispose()
    migrate(SERVICE_NAME, PACKAGE_DIR, ideas_db.url)
    engine = make_engine(ideas_db.url)
    with Session(engine) as session:
        found = TextIndex(session).similar("Des fontaines le long du canal", "De l'eau potable sur les quais",
                                           limit=10, threshold=0.2)
        numbered = session.execute(sa.select(sa.func.count()).select_from(sa.table("text_index_documents")).where(
            sa.column("doc_id").like("i-0%") | sa.column("doc_id").like("i-1%"))).scalar_one()
    engine.dispose()
    assert {(kind, doc_id) for kind, doc_id, _ in found} == {("idea", "i-open"), ("idea", "i-answered"),
                                                             ("proposal", "p-open")}
    assert numbered == 1203
    command.downgrade(alembic_config(PACKAGE_DIR, ideas_db.url), "0008")  # and back: the tables go
    engine = make_engine(ideas_db.url)
    assert "text_index_postings" not in sa.inspect(engine).get_table_names()
    engine.dispose()

"""The open datasets `ideas` and `consultations` (RPC `open_data_page`) on a real database (SQLite and PostgreSQL):
anonymised rows, keyset pages that give every row exactly once, forged cursors refused, 100,000 rows paged in
bounded memory."""
import base64
import json
import re
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hubkit.errors import InvalidInput
from hubkit.validation import load
from ideas.domain.open_data import paris_day
from ideas.handlers import Context
from ideas.handlers.open_data import OpenData, page_statement
from ideas.models import (Argument, Consultation, ConsultationSection, Idea, Proposal, ProposalComment,
                          QuestionnaireResponse)
from ideas.schemas import open_data as schemas
from tests.bulk_rows import insert_rows

from .test_handlers import ADMIN, CAMILLE, DOMINIQUE, accounts, idea_command, run  # noqa: F401 (fixtures)

# a pseudonym no other text of the tests holds: it must appear in no row of any dataset
UNIQUE_PSEUDONYM = "Zéphyrine-Quokka-7319"
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def page(store, throttle):
    """One call of the RPC, as the entrypoint runs it: load the query, one unit of work, dump the page."""
    def page(**data):
        query = load(schemas.OpenDataPageQuerySchema(), data)
        with store.uow() as uow:
            found = OpenData(Context(uow, throttle)).open_data_page(query)
        return schemas.dump_page(query["dataset"], found)
    return page


def every_row(page, dataset, limit=2000) -> list:
    rows, after = [], None
    while True:
        found = page(dataset=dataset, after=after, limit=limit)
        rows += found["rows"]
        after = found["next"]
        if after is None:
            return rows


def test_ideas_give_status_routing_outcome_and_dates_without_their_author(run, page):
    forwarded = run("submit_idea", CAMILLE, idea_command(author_pseudonym=UNIQUE_PSEUDONYM, title="Un kiosque à "
                                                         "livres square Villemin"))
    waiting = run("submit_idea", DOMINIQUE, idea_command(arrondissement=None, theme="mobilites"))
    run("change_status", ADMIN, {"idea_id": forwarded["id"], "status": "under_review",
                                 "message": "La direction étudie le lieu."})
    run("change_status", ADMIN, {"idea_id": forwarded["id"], "status": "forwarded", "scheme": "budget",
                                 "message": "Au prochain budget participatif."})
    rows = {row["idea_id"]: row for row in every_row(page, "ideas")}
    today = paris_day(datetime.now(timezone.utc)).isoformat()  # the dataset's days are Paris's
    assert rows[forwarded["id"]] == {
        "idea_id": forwarded["id"], "title": "Un kiosque à livres square Villemin", "theme": "environnement",
        "arrondissement": 10, "status": "forwarded", "submitted_at": today, "supports_count": 0,
        "scheme": "budget", "decided_at": today}
    assert rows[waiting["id"]]["arrondissement"] is None and rows[waiting["id"]]["scheme"] is None
    assert rows[waiting["id"]]["decided_at"] is None and rows[waiting["id"]]["status"] == "submitted"
    published = json.dumps(rows)
    for personal in (UNIQUE_PSEUDONYM, CAMILLE["account_id"], DOMINIQUE["account_id"], ADMIN["account_id"],
                     "Quai de Valmy", "Il manque des points d'eau"):
        assert personal not in published


def test_an_idea_masked_by_moderation_keeps_its_row_without_its_title(run, store, page):
    idea = run("submit_idea", CAMILLE, idea_command(title="Titre masqué par la modération"))
    with store.uow() as uow:
        uow.session.execute(sa.update(Idea).where(Idea.id == idea["id"]).values(hidden=True))
    [row] = every_row(page, "ideas")
    assert row["idea_id"] == idea["id"] and row["title"] is None


def seed_consultation(session, decided: bool) -> str:
    """A consultation with 2 proposals (one amended once), 1 comment, 2 arguments and 1 questionnaire answer by 3
    accounts (and one erased, unlinked)."""
    consultation_id, now = str(uuid.uuid4()), MORNING
    session.add(Consultation(
        id=consultation_id, title="Réaménager la place de la Bastille", context="…", resources=[], agenda=[],
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), created_at=now - timedelta(days=31),
        updated_at=now, synthesis="Synthèse." if decided else None,
        decision="Le projet retient les pistes cyclables." if decided else None,
        synthesis_published_at=now if decided else None))
    session.flush()
    section = ConsultationSection(consultation_id=consultation_id, position=1, title="Vos idées", mode="proposals",
                                  body=None, questions=[], created_at=now)
    session.add(section)
    session.flush()
    people = [str(uuid.uuid4()) for _ in range(3)]
    first, second, amendment = (str(uuid.uuid4()) for _ in range(3))
    for proposal_id, author, amends in ((first, people[0], None), (second, people[1], None),
                                        (amendment, people[0], first)):
        session.add(Proposal(id=proposal_id, consultation_id=consultation_id, section_id=section.id,
                             amends_id=amends, title="Une proposition", body="…", author_id=author,
                             author_pseudonym=UNIQUE_PSEUDONYM, created_at=now))
    session.flush()
    session.add(ProposalComment(consultation_id=consultation_id, proposal_id=first, author_id=None,
                                author_pseudonym="Ancien compte", body="…", created_at=now))
    for author in people[1:]:
        session.add(Argument(consultation_id=consultation_id, section_id=section.id, target=f"section:{author}",
                             position="agree", body="…", author_id=author, author_pseudonym=UNIQUE_PSEUDONYM,
                             created_at=now))
    session.add(QuestionnaireResponse(consultation_id=consultation_id, section_id=section.id, account_id=people[2],
                                      answers={}, created_at=now))
    return consultation_id


def test_consultations_give_their_counts_state_and_published_decision(store, page):
    with store.uow() as uow:
        decided = seed_consultation(uow.session, decided=True)
        pending = seed_consultation(uow.session, decided=False)
    rows = {row["consultation_id"]: row for row in every_row(page, "consultations")}
    assert rows[decided] == {
        "consultation_id": decided, "title": "Réaménager la place de la Bastille", "opens_at": "2026-10-31",
        "closes_at": "2026-11-29", "state": "closed", "proposals_count": 2,
        # 3 proposals (amendment included) + 1 comment + 2 arguments + 1 answer
        "contributions_count": 7, "participants_count": 3, "synthesis_published_at": "2026-11-30",
        "decision": "Le projet retient les pistes cyclables."}
    assert rows[pending]["decision"] is None and rows[pending]["synthesis_published_at"] is None
    assert UNIQUE_PSEUDONYM not in json.dumps(rows)


def bulk_ideas(session, count: int):
    """`count` ideas in one bulk write (COPY on PostgreSQL, tests/bulk_rows.py), one second apart: the keyset
    order is known."""
    def ideas():
        for number in range(count):
            at = MORNING + timedelta(seconds=number)
            yield {"id": str(uuid.uuid4()), "title": f"Idée numéro {number}", "description": "…",
                   "theme": "environnement", "arrondissement": number % 20 + 1, "status": "submitted",
                   "author_id": str(uuid.uuid4()), "author_pseudonym": UNIQUE_PSEUDONYM, "search_text": "",
                   "supports_count": number % 7, "comments_count": 0, "imported_supports": 0, "hidden": False,
                   "created_at": at, "updated_at": at}
    insert_rows(session.connection(), Idea.__table__, ideas())


def test_100000_ideas_come_each_exactly_once_in_pages_of_2000_in_bounded_memory(store, page):
    with store.uow() as uow:
        bulk_ideas(uow.session, 100_000)
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        count, previous, after, pages = 0, None, None, 0
        while True:
            found = page(dataset="ideas", after=after, limit=2000)
            pages += 1
            for row in found["rows"]:
                number = int(row["title"].rsplit(" ", 1)[1])
                # strictly increasing in the seeded order: no row twice, none skipped (the count says it)
                assert previous is None or number == previous + 1
                previous, count = number, count + 1
            after = found["next"]
            del found
            if after is None:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000 and previous == 99_999 and pages == 50
    # one page of 2,000 rows at a time: far below what 100,000 rows would take (~100 MiB as dicts)
    assert peak - start < 24 * 1024 * 1024, f"peak {(peak - start) / 2**20:.1f} MiB"


def test_a_page_far_down_reads_from_its_place_in_the_index_not_from_the_first_row(store, database_kind):
    """PostgreSQL bounds the index scan where the page starts (`Index Cond`): with the OR alone it read and
    filtered every earlier row at each page (44 ms at row 90,000 against 0.8 ms; quadratic over a whole export)."""
    if database_kind != "postgresql":
        pytest.skip("the plan asked is PostgreSQL's")
    with store.uow() as uow:
        bulk_ideas(uow.session, 3000)
        uow.session.execute(sa.text("ANALYZE ideas"))
        moment = MORNING + timedelta(seconds=2500)
        row_id = uow.session.execute(sa.select(Idea.id).where(Idea.created_at == moment)).scalar_one()
        statement = page_statement(Idea, (Idea.title,), (moment, row_id), 100)
        compiled = statement.compile(uow.session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(uow.session.execute(sa.text(f"EXPLAIN ANALYZE {compiled}")).scalars())
    assert re.search(r"Index Cond: \(created_at >= ", plan), plan


@pytest.mark.parametrize("after", [
    "garbage", "!!!!", base64.urlsafe_b64encode(b"2026-11-30T08:00:00+00:00|not-a-uuid").decode(),
    base64.urlsafe_b64encode(b"yesterday|" + str(uuid.uuid4()).encode()).decode(),
    base64.urlsafe_b64encode(b"2026-13-45T08:00:00+00:00|" + str(uuid.uuid4()).encode()).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(), "A" * 201])
def test_a_forged_cursor_is_refused_with_a_clear_error(after, page):
    with pytest.raises(InvalidInput) as refused:
        page(dataset="ideas", after=after)
    assert "after" in json.dumps(refused.value.details)


@pytest.mark.parametrize("data", [{"dataset": "petitions"}, {"dataset": "ideas", "limit": 0},
                                  {"dataset": "ideas", "limit": 2001}, {"after": None}])
def test_an_unknown_dataset_or_a_limit_out_of_range_is_refused(data, page):
    with pytest.raises(InvalidInput):
        page(**data)


def test_a_cursor_of_the_service_reads_back_to_its_position():
    moment, row_id = MORNING + timedelta(microseconds=123), str(uuid.uuid4())
    assert schemas.position_of(schemas.cursor_of(moment, row_id)) == (moment, row_id)

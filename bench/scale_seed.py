"""Seeding for the `scale` scenario (bench/scale.py), straight into the services' databases, in bulk: multi-row
inserts, one transaction per few thousand rows. Each subcommand brings its service up to a total (re-runs add only
the difference, so the city grows from one size to the next) and prints a JSON summary:

    python bench/scale_seed.py ideas --total 20000 --waiting 10000 --seed 17    # IDEAS_ and ROUTING_DATABASE_URL
    python bench/scale_seed.py petitions --total 2000 --seed 17                 # PETITIONS_DATABASE_URL
    python bench/scale_seed.py projects --total 2000 --seed 17                  # BUDGET_DATABASE_URL
    python bench/scale_seed.py ballots --total 30000                            # BUDGET_DATABASE_URL

Ideas are written as the service writes a submitted idea (its columns, its first timeline step) and put in its
text index by the service's own rule (ideas.handlers.findable, else hubkit.text_index directly; neither on code
older than issue 17); the open ones wait in routing's inbox, as `idea_submitted` would have left them (a suggestion
from routing's own domain), so that routing's reconciliation finds nothing to recover. Petitions go through the
petitions service's demo seeding use case (counters and index included); budget projects are the Paris winners
imported by `budget import-paris` and more with their editions, places and statuses and texts of their own; ballots are inserted with generate_series into a cycle at the vote (the
live counts) and into a cycle closed through the service's own use case (the published results).
"""
import argparse
import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from random import Random
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from text_corpus import city_documents  # noqa: E402

BATCH = 2_000
SOURCE = "scale:"  # source_ref of the seeded ideas: how a re-run counts what is there
EPOCH = datetime(2023, 1, 1, tzinfo=timezone.utc)
THEME_WEIGHTS = {"cadre_de_vie": 25, "environnement": 20, "mobilites": 12, "education_jeunesse": 10, "proprete": 8,
                 "solidarites": 7, "sport": 6, "culture_patrimoine": 6, "prevention_securite": 3, "sante": 2,
                 "attractivite_emploi": 1}
CLOSED_STATUSES = ("forwarded", "answered", "not_retained", "merged")


def engine_of(service: str):
    from hubkit.config import database_url
    from hubkit.db import make_engine
    return make_engine(database_url(service))


# --- ideas and the routing inbox --------------------------------------------------------------------------------

def seed_ideas(total: int, waiting: int, seed: int) -> dict:
    """Ideas up to `total`; of each batch, the share `waiting / total` open (submitted) and in routing's inbox."""
    from ideas.models import Idea, StatusChange
    ideas, routing = engine_of("ideas"), engine_of("routing")
    with ideas.connect() as connection:
        present = connection.execute(sa.select(sa.func.count()).select_from(Idea).where(
            Idea.source_ref.like(f"{SOURCE}%"))).scalar_one()
    rng, open_share = Random(seed * 31 + present), waiting / total
    columns, started, indexed = set(Idea.__table__.c.keys()), time.perf_counter(), 0
    index_time, ideas_factory = 0.0, sessionmaker(ideas)
    schemes = routing_schemes(routing)
    documents = islice(city_documents(total, seed), present, None)
    for start in range(present, total, BATCH):
        rows, steps, inbox = [], [], []
        for number, (title, description) in enumerate(islice(documents, BATCH), start=start):
            row = idea_row(number, title, description, rng, rng.random() < open_share, columns)
            rows.append(row)
            steps.append({"idea_id": row["id"], "status": "submitted", "changed_by": row["author_id"],
                          "changed_by_role": "citizen", "changed_at": row["created_at"]})
            if row["status"] == "submitted":
                inbox.append(inbox_row(row, schemes))
        with ideas_factory.begin() as session:
            session.execute(sa.insert(Idea.__table__), rows)
            session.execute(sa.insert(StatusChange.__table__), steps)
            moment = time.perf_counter()
            indexed += index_ideas(session, rows)
            index_time += time.perf_counter() - moment
        if inbox:
            from routing.models import InboxItem
            with routing.begin() as connection:
                connection.execute(sa.insert(InboxItem.__table__), inbox)
    for engine in (ideas, routing):
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
        engine.dispose()
    return {"ideas": total, "added": max(0, total - present), "indexed": indexed,
            "seconds": round(time.perf_counter() - started, 1), "index_seconds": round(index_time, 1)}


def idea_row(number: int, title: str, description: str, rng: Random, waiting: bool, columns: set) -> dict:
    from ideas.domain import search_key
    created = EPOCH + timedelta(minutes=15 * number + rng.randrange(15))
    status = "submitted" if waiting else CLOSED_STATUSES[min(3, int(rng.random() ** 2 * 4))]
    row = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "title": title, "description": description,
           "theme": rng.choices(list(THEME_WEIGHTS), weights=list(THEME_WEIGHTS.values()))[0],
           "arrondissement": rng.choice([None, *range(1, 21)]), "address_line": None, "status": status,
           "scheme": "budget" if status == "forwarded" else None, "merged_into_id": None,
           "author_id": str(uuid.UUID(int=rng.randrange(5_000), version=4)),
           "author_pseudonym": f"Habitant·e {rng.randrange(5_000)}", "search_text": search_key(f"{title} {description}"),
           "supports_count": int(rng.paretovariate(1.2)) - 1, "comments_count": 0, "source_ref": f"{SOURCE}{number}",
           "imported_supports": 0, "hidden": rng.random() < 0.02, "submission_correlation_id": None,
           "created_at": created, "updated_at": created}
    if status == "merged":  # into some earlier idea: the id is not needed to exist for the pages probed
        row["merged_into_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return {key: value for key, value in row.items() if key in columns}


def index_ideas(session, rows: list) -> int:
    """The service's own rule of what may be found (issue 17's code), else nothing (the code before it)."""
    ideas = [SimpleNamespace(**row) for row in rows]
    try:
        from ideas.handlers.findable import FindableContent
    except ImportError:
        return 0
    FindableContent(session).ideas_added(ideas)
    from ideas import domain
    return sum(domain.idea_findable(idea.status, idea.hidden) for idea in ideas)


def routing_schemes(engine) -> list:
    from routing.models import Scheme
    with engine.connect() as connection:
        return [{"code": s.code, "name": s.name, "direction": s.direction, "keywords": s.keywords,
                 "deadline_days": s.deadline_days}
                for s in connection.execute(sa.select(Scheme).where(Scheme.active.is_(True)))]


SUGGESTED = 1_000  # texts routing's suggestion is computed for; the others reuse one of them (below)
_suggestions = []


def suggestion_of(idea: dict, schemes: list) -> tuple:
    """Routing's suggestion and checklist for the idea (routing.domain). They cost ~10 ms of CPU per idea with the
    catalogue's keywords, minutes for 50,000: past the first SUGGESTED ideas, each reuses one of theirs (the inbox's
    paging, what is measured, reads the same columns whatever they say)."""
    from routing import domain
    if len(_suggestions) >= SUGGESTED:
        return _suggestions[hash(idea["id"]) % SUGGESTED]
    suggestion = domain.suggest(idea["title"], idea["description"], idea["theme"], schemes)
    found = (suggestion, domain.checklist(idea["title"], idea["description"]))
    _suggestions.append(found)
    return found


def inbox_row(idea: dict, schemes: list) -> dict:
    """Routing's inbox item for an open idea, as `receive_idea` admits it (routing.handlers.receiving)."""
    from routing import domain
    from routing.handlers.views import excerpt
    suggestion, checklist = suggestion_of(idea, schemes)
    days = next((s["deadline_days"] for s in schemes if s["code"] == suggestion.scheme), 15)
    received = idea["created_at"] + timedelta(seconds=2)
    return {"idea_id": idea["id"], "title": domain.one_line(idea["title"])[:200], "excerpt": excerpt(idea["description"]),
            "theme": idea["theme"], "arrondissement": idea["arrondissement"], "author_id": idea["author_id"],
            "correlation_id": f"scale-{idea['id']}", "status": domain.WAITING, "suggested_scheme": suggestion.scheme,
            "suggestion_reason": suggestion.reason, "suggestion_keywords": list(suggestion.keywords),
            "checklist": checklist, "scheme": suggestion.scheme, "direction": suggestion.direction,
            "assigned_agent_id": None, "submitted_at": idea["created_at"], "received_at": received,
            "deadline_at": received + timedelta(days=days), "updated_at": received}


# --- petitions --------------------------------------------------------------------------------------------------

def seed_petitions(total: int, seed: int) -> dict:
    """Petitions up to `total`, through the service's demo seeding (its counters included): mostly open, with
    Zipf-like signature counts (a few with tens of thousands, most with a handful)."""
    from hubkit.db import UnitOfWork
    from petitions import SERVICE_NAME
    from petitions.handlers import Context, Petitions
    from petitions.models import Base, Petition
    engine, started = engine_of("petitions"), time.perf_counter()
    with engine.connect() as connection:
        present = connection.execute(sa.select(sa.func.count()).select_from(Petition)).scalar_one()
    rng, factory = Random(seed * 37 + present), sessionmaker(engine, expire_on_commit=False)
    texts = islice(city_documents(total, seed + 1), present, None)
    for start in range(present, total, 500):
        with UnitOfWork(factory, SERVICE_NAME, Base.metadata) as uow:
            petitions = Petitions(Context(uow)).demo
            for title, description in islice(texts, 500):
                words = description.split()
                status = rng.choices(["open", "threshold_reached", "submitted"], weights=[85, 5, 10])[0]
                petitions.seed_demo_petition({
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "status": status,
                    "threshold": 100_000, "signatures": int(40_000 * rng.random() ** 8),
                    "author_pseudonym": "Banc d'essai", "arrondissement": rng.randint(1, 20),
                    "title": (title if len(title) >= 10 else f"Pétition : {title}")[:150],
                    "asks": " ".join(words[:25]), "background": " ".join(words[25:]) or description})
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return {"petitions": total, "added": max(0, total - present), "seconds": round(time.perf_counter() - started, 1)}


# --- budget -----------------------------------------------------------------------------------------------------

def seed_projects(total: int, seed: int) -> dict:
    """The 1,214 Paris winners (the service's import), then more projects up to `total`: each a winner's edition,
    theme, place, cost and status with a text of its own (bench/text_corpus.py), in the service's text index by its
    own rule (budget.handlers.project_index, on issue 17's code)."""
    from budget.cli import import_paris
    from budget.models import Project
    import_paris(budget_data())  # idempotent: the winners missing, if any
    engine, started, table = engine_of("budget"), time.perf_counter(), Project.__table__
    with engine.connect() as connection:
        present = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        winners = [dict(row._mapping) for row in connection.execute(
            sa.select(table).where(table.c.external_id.is_not(None)).order_by(table.c.id))]
    rng, factory = Random(seed * 41 + present), sessionmaker(engine)
    texts = islice(city_documents(total, seed + 2), present, None)
    for start in range(present, total, BATCH):
        rows = []
        for number, (title, description) in enumerate(islice(texts, min(BATCH, total - start)), start=start):
            row = {**rng.choice(winners), "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                   "title": title, "description": description, "position": 100_000 + number, "external_id": None}
            rows.append(row)
        with factory.begin() as session:
            session.execute(sa.insert(table), rows)
            index_projects(session, rows)
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
        present = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return {"projects": present, "seconds": round(time.perf_counter() - started, 1)}


def index_projects(session, rows: list):
    try:
        from budget.handlers import project_index
    except ImportError:  # the code before issue 17: no index
        return
    project_index.put(session, *(row for row in rows if project_index.findable(SimpleNamespace(**row))))


def budget_data() -> Path:
    import budget
    return Path(budget.__file__).resolve().parent / "data" / "bp_projets_gagnants.csv"


def seed_ballots(total: int) -> dict:
    """A cycle at the vote with `total` ballots (its live counts rebuilt if the service keeps them), and a closed
    cycle with `total` ballots tallied by the service (its results); both made once, then topped up."""
    import ballots
    uow_of, Budget, engine = ballots._budget()
    started = time.perf_counter()
    cycles = existing_cycles(engine)
    if "vote" not in cycles:
        made = ballots.make_cycle(uow_of, Budget, "Budget participatif à l'échelle de la ville", 20,
                                  {"paris-19": 10, "paris-20": 10})
        cycles["vote"] = made["cycle_id"]
    insert_ballots(engine, cycles["vote"], total)
    rebuild_live_counts(uow_of, cycles["vote"])
    made = ballots.make_cycle(uow_of, Budget, f"Résultats à {total} bulletins", 20, {"paris-19": 10, "paris-20": 10})
    insert_ballots(engine, made["cycle_id"], total)
    with uow_of() as uow:
        Budget(uow).advance_stage(ballots.ADMIN, {"cycle_id": made["cycle_id"], "stage": "results"})
    engine.dispose()
    return {"ballots": total, "vote_cycle": cycles["vote"], "results_cycle": made["cycle_id"],
            "seconds": round(time.perf_counter() - started, 1)}


def existing_cycles(engine) -> dict:
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT id FROM budget_cycles WHERE title = :title"),
                                 {"title": "Budget participatif à l'échelle de la ville"}).first()
    return {"vote": row[0]} if row else {}


def insert_ballots(engine, cycle_id: str, total: int):
    """Ballots numbered from those present to `total`, 4 choices each (2 Paris-wide, 2 of the voter's sector), as
    bench/ballots.py's tally seeds them."""
    with engine.begin() as connection:
        present = connection.execute(sa.text("SELECT count(*) FROM budget_ballots WHERE cycle_id = :cycle"),
                                     {"cycle": cycle_id}).scalar_one()
        if present >= total:
            return
        projects = connection.execute(sa.text(
            "SELECT id, scale, sector FROM budget_projects WHERE cycle_id = :cycle ORDER BY position"),
            {"cycle": cycle_id}).all()
        paris = [p.id for p in projects if p.sector is None]
        local = [p.id for p in projects if p.sector == "paris-19"] + [p.id for p in projects if p.sector == "paris-20"]
        first = connection.execute(sa.text("SELECT coalesce(max(id), 0) FROM budget_ballots")).scalar_one()
        connection.execute(sa.text(
            "INSERT INTO budget_ballots (cycle_id, account_id, sector, receipt_digest, cast_at, changes, channel, "
            "counted) SELECT CAST(:cycle AS varchar), 'scale-voter-' || g, "
            "CASE WHEN g % 2 = 0 THEN 'paris-19' ELSE 'paris-20' END, md5('r' || g) || md5('s' || g || :salt), "
            "now(), 0, CASE WHEN g % 10 = 0 THEN 'paper' ELSE 'online' END, true "
            "FROM generate_series(CAST(:start AS integer), CAST(:end AS integer)) AS g"),
            {"cycle": cycle_id, "salt": cycle_id[:8], "start": present + 1, "end": total})
        connection.execute(sa.text(
            "INSERT INTO budget_ballot_choices (ballot_id, project_id) "
            "SELECT b.id, (CAST(:paris AS varchar[]))[1 + ((b.id * b.id + 5 * k) % 20)] FROM budget_ballots b, "
            "generate_series(0, 1) AS k WHERE b.cycle_id = :cycle AND b.id > :first "
            "UNION ALL SELECT b.id, (CAST(:local AS varchar[]))[1 + (CASE WHEN b.sector = 'paris-19' THEN 0 ELSE 10 "
            "END) + ((b.id % 7 + 3 * k) % 10)] FROM budget_ballots b, generate_series(0, 1) AS k "
            "WHERE b.cycle_id = :cycle AND b.id > :first"),
            {"cycle": cycle_id, "paris": paris, "local": local, "first": first})
        connection.execute(sa.text("ANALYZE budget_ballots; ANALYZE budget_ballot_choices"))


def rebuild_live_counts(uow_of, cycle_id: str):
    """The live counts the service keeps with each ballot (issue 17), rebuilt from the ballots inserted by SQL;
    nothing on older code (it sums the ballots at each read)."""
    try:
        from budget.handlers import vote_counts
    except ImportError:
        return
    with uow_of() as uow:
        vote_counts.replace(uow.session, cycle_id, vote_counts.recount(uow.session, cycle_id))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("ideas", "petitions", "projects", "ballots"))
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--waiting", type=int, default=0, help="ideas: how many of them wait in routing's inbox")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    if args.what == "ideas":
        summary = seed_ideas(args.total, args.waiting, args.seed)
    elif args.what == "petitions":
        summary = seed_petitions(args.total, args.seed)
    elif args.what == "projects":
        summary = seed_projects(args.total, args.seed)
    else:
        summary = seed_ballots(args.total)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

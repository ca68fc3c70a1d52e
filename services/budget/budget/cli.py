"""`python -m budget` / `hub-budget`: run, migrate, seed the demo (the Paris winners and a current cycle), import the
Paris open data of winning projects or a pabulib .pb file, rebuild the projects' text index or the live counts
(both are kept by the writes: these are for rows changed by hand)."""
import argparse
import json
import sys
import uuid
from pathlib import Path

from hubkit.config import database_url, hub_env
from hubkit.db import make_engine
from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8103
PACKAGE_DIR = Path(__file__).parent
PARIS_WINNERS = PACKAGE_DIR / "data" / "bp_projets_gagnants.csv"

# The command line acts as the platform itself (an admin with no account behind it).
COMMAND_LINE = {"account_id": "00000000-0000-4000-8000-000000000000", "roles": ["admin"]}
DEMO_CYCLE_ID = str(uuid.uuid5(uuid.UUID("5b1c6e1e-2f0e-4a7d-9c4b-1d2e3f4a5b6c"), "budget-participatif-2026"))
DEMO_CYCLE = {"title": "Budget participatif 2026", "paris_envelope": 30_000_000,
              "sector_envelopes": {"paris-centre": 3_000_000, **{f"paris-{n}": 3_500_000 for n in range(5, 21)}},
              "max_choices": 4, "eligibility": {"lives_in_paris": True, "min_age": 7}, "vote_day": None}


def _unit_of_work():
    from hubkit.db import UnitOfWork
    from sqlalchemy.orm import sessionmaker

    from .models import Base
    engine = make_engine(database_url(SERVICE_NAME))
    return UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata)


def _context(uow):
    """The command line's use cases: settings read once here, no peers (nothing here asks another service), no
    throttle (the platform itself acts)."""
    from .handlers import Context
    from .settings import Settings
    return Context(uow, Settings())


def seed_demo_cycle():
    from .handlers import Cycles
    from .models import Cycle
    with _unit_of_work() as uow:
        if uow.session.get(Cycle, DEMO_CYCLE_ID) is not None:
            print("Budget participatif de démonstration (mode local uniquement) : déjà présent.")
            return
        Cycles(_context(uow)).create_cycle(COMMAND_LINE, {**DEMO_CYCLE, "eligibility": {
            "email_verified": True, "certification": None, **DEMO_CYCLE["eligibility"]}}, cycle_id=DEMO_CYCLE_ID)
    print("Budget participatif de démonstration (mode local uniquement) : créé, étape « Dépôt des projets ».")


def import_paris(path: Path) -> dict:
    """The Paris winners as past cycles, one per edition; again: only what is missing is added."""
    from .adapters.paris_open_data import parse
    from .handlers import ParisData
    projects = parse(path.read_text(encoding="utf-8-sig"))
    with _unit_of_work() as uow:
        return ParisData(_context(uow)).import_paris(COMMAND_LINE, projects)


def import_pabulib(path: Path, title: str | None):
    from .handlers import PabulibFiles
    with _unit_of_work() as uow:
        command = {"content": path.read_text(encoding="utf-8"), "title": title, "filename": path.name}
        cycle = PabulibFiles(_context(uow)).import_pabulib(COMMAND_LINE, command)
    print(json.dumps({"cycle_id": cycle["id"], "projects_count": cycle["projects_count"],
                      "stage": cycle["stage"]}))


def reindex() -> dict:
    from .handlers import project_index
    with _unit_of_work() as uow:
        return project_index.reindex(uow.session)


def recount_votes() -> dict:
    from .handlers import vote_counts
    with _unit_of_work() as uow:
        return vote_counts.recount_every_cycle(uow.session)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-budget", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the budget service (RPC, events, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the budget database")
    sub.add_parser("seed-demo", help="create the demo cycle (local mode only)")
    paris = sub.add_parser("import-paris", help="import the Paris winners 2014-2023 (open data) as past cycles")
    paris.add_argument("path", type=Path, nargs="?", default=PARIS_WINNERS)
    importing = sub.add_parser("import-pabulib", help="import a pabulib .pb file as a cycle at the vote stage")
    importing.add_argument("path", type=Path)
    importing.add_argument("--title")
    sub.add_parser("reindex", help="put every project back in the text index (similar content, search)")
    sub.add_parser("recount-votes", help="rewrite every cycle's live counts from its ballots (no vote open)")
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

    if args.command == "run":
        from .service import BudgetService
        run_service(BudgetService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"budget: database at revision head ({url.split('@')[-1]})")
    elif args.command == "seed-demo":
        if hub_env() != "local":
            print("seed-demo refuse de tourner hors du mode local (HUB_ENV=local).", file=sys.stderr)
            sys.exit(2)
        seed_demo_cycle()
        imported = import_paris(PARIS_WINNERS)
        print(f"Lauréats du budget participatif de Paris 2014-2023 : {imported['projects_created']} projet(s) "
              f"importé(s) ({imported['cycles_created']} édition(s) nouvelle(s)).")
    elif args.command == "import-paris":
        from .adapters.paris_open_data import OpenDataError
        try:
            print(json.dumps(import_paris(args.path), ensure_ascii=False))
        except (OSError, OpenDataError) as error:
            print(f"Import impossible : {error}", file=sys.stderr)
            sys.exit(1)
    elif args.command == "reindex":
        print(json.dumps(reindex()))
    elif args.command == "recount-votes":
        print(json.dumps(recount_votes()))
    elif args.command == "import-pabulib":
        from hubkit.errors import HubError
        try:
            import_pabulib(args.path, args.title)
        except HubError as error:
            print(f"{error.message} {json.dumps(error.details, ensure_ascii=False)}", file=sys.stderr)
            sys.exit(1)

"""`python -m accounts` / `hub-accounts`: run, migrate, create the first admin, seed demo accounts."""
import argparse
import getpass
import json
import sys
from pathlib import Path

from hubkit.config import database_url, hub_env
from hubkit.db import make_engine
from hubkit.errors import HubError
from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8101
PACKAGE_DIR = Path(__file__).parent

# Demo accounts exist only on a local run (`make run`, HUB_ENV=local); their password is printed.
DEMO_PASSWORD = "Participation-2026"
DEMO_ACCOUNTS = [
    {"email": "admin@demo.paris.local", "pseudonym": "Admin démo", "roles": [("admin", None)]},
    {"email": "agent.deve@demo.paris.local", "pseudonym": "Agent DEVE", "roles": [("agent", "DEVE")]},
    {"email": "moderation@demo.paris.local", "pseudonym": "Modération démo", "roles": [("moderator", None)]},
    {"email": "camille@demo.paris.local", "pseudonym": "Camille du 11e", "roles": [],
     "profile": {"birth_date": "1990-05-14", "lives_in_paris": True, "address_line": "12 rue Oberkampf",
                 "postcode": "75011"}},
]


def _unit_of_work():
    from sqlalchemy.orm import sessionmaker

    from hubkit.db import UnitOfWork

    from .models import Base
    engine = make_engine(database_url(SERVICE_NAME))
    return UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata)


def _throttle():
    from hubkit.throttle import Throttle, connect
    return Throttle(connect())


def create_admin(email: str, pseudonym: str, password: str) -> str:
    from .handlers import Accounts
    with _unit_of_work() as uow:
        return Accounts(uow, _throttle()).create_admin(email, password, pseudonym).id


def seed_demo_accounts():
    from .handlers import Accounts
    print("Comptes de démonstration (mode local uniquement) :")
    for demo in DEMO_ACCOUNTS:
        with _unit_of_work() as uow:
            accounts = Accounts(uow, _throttle())
            account = accounts.create_verified_account(demo["email"], DEMO_PASSWORD, demo["pseudonym"])
            for role, direction in demo["roles"]:
                accounts.ensure_role(account, role, direction)
            if demo.get("profile") and account.lives_in_paris is None:
                from datetime import date
                profile = {**demo["profile"], "birth_date": date.fromisoformat(demo["profile"]["birth_date"])}
                accounts.update_profile(account.id, profile)
        roles = ", ".join(role + (f" {direction}" if direction else "") for role, direction in demo["roles"])
        print(f"  {demo['email']:<32} {DEMO_PASSWORD}   {roles or 'citoyen·ne'}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-accounts", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the accounts service (RPC, events, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the accounts database")
    admin = sub.add_parser("create-admin", help="create the first administrator (or make an account admin)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--pseudonym", required=True)
    admin.add_argument("--password", help="read from HUB_ADMIN_PASSWORD or prompted if omitted")
    sub.add_parser("seed-demo", help="create the demo accounts (local mode only)")
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

    if args.command == "run":
        from .service import AccountsService
        run_service(AccountsService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"accounts: database at revision head ({url.split('@')[-1]})")
    elif args.command == "create-admin":
        import os
        password = args.password or os.environ.get("HUB_ADMIN_PASSWORD") or getpass.getpass("Mot de passe : ")
        try:
            account_id = create_admin(args.email, args.pseudonym, password)
        except HubError as error:
            print(json.dumps(error.to_dict(), ensure_ascii=False), file=sys.stderr)
            sys.exit(2)
        print(f"administrateur prêt : {account_id}")
    elif args.command == "seed-demo":
        if hub_env() != "local":
            print("seed-demo refuse de tourner hors du mode local (HUB_ENV=local).", file=sys.stderr)
            sys.exit(2)
        seed_demo_accounts()

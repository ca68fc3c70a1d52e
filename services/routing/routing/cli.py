"""`python -m routing` / `hub-routing`: run, migrate, seed demo settings."""
import argparse
import sys
from pathlib import Path

from hubkit.config import database_url, hub_env
from hubkit.db import make_engine
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8105
PACKAGE_DIR = Path(__file__).parent
DEMO_WEBHOOK = "http://127.0.0.1:8199/dossiers"  # where a local receiver can listen (`make run` only)


def seed_demo():
    """Local runs only: the greening permit's webhook points at a local receiver and gets a secret, printed once,
    so a developer can play the scheme (receive dossiers, answer them) by hand."""
    from sqlalchemy.orm import sessionmaker

    from .base import new_secret
    from .models import Scheme
    engine = make_engine(database_url(SERVICE_NAME))
    with sessionmaker(engine)() as session:
        scheme = session.get(Scheme, "greening_permit")
        if scheme is None or scheme.webhook_secret:
            print("Routage : catalogue de démonstration déjà prêt.")
            return
        scheme.webhook_url, scheme.webhook_secret = DEMO_WEBHOOK, new_secret()
        session.commit()
        print(f"Routage (mode local uniquement) : le permis de végétaliser appelle {DEMO_WEBHOOK}, "
              f"secret HMAC : {scheme.webhook_secret}")
    engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the routing service (RPC, events, timers, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the routing database (with the City's schemes)")
    sub.add_parser("seed-demo", help="point the greening permit at a local receiver (local mode only)")
    args = parser.parse_args(argv)

    if args.command == "run":
        from .service import RoutingService
        run_service(RoutingService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"routing: database at revision head ({url.split('@')[-1]})")
    elif args.command == "seed-demo":
        if hub_env() != "local":
            print("seed-demo refuse de tourner hors du mode local (HUB_ENV=local).", file=sys.stderr)
            sys.exit(2)
        seed_demo()

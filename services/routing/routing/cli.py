"""`python -m routing` / `hub-routing`: run, migrate, seed demo settings, reconcile the inbox with the idea box."""
import argparse
import sys
from pathlib import Path

from hubkit.config import amqp_uri, database_url, hub_env
from hubkit.db import make_engine
from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8105
PACKAGE_DIR = Path(__file__).parent
DEMO_WEBHOOK = "http://127.0.0.1:8199/dossiers"  # where a local receiver can listen (`make run` only)


def seed_demo():
    """Local runs only: the greening permit's webhook points at a local receiver and gets a secret, printed once,
    so a developer can play the scheme (receive dossiers, answer them) by hand."""
    from sqlalchemy.orm import sessionmaker

    from .handlers.common import new_secret
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


def reconcile(from_start: bool = False):
    """One reconciliation now (ops: after an outage or a first deployment), whether the service runs or not:
    the ideas routing never heard of join the inbox; the service's relay publishes their events.
    `from_start`: read the idea box's whole submissions feed again, not only what came after the last run."""
    from sqlalchemy.orm import sessionmaker

    from hubkit.db import UnitOfWork
    from hubkit.errors import HubError
    from hubkit.rpc import RpcPool

    from .handlers.reconciliation import Reconciliation
    from .models import Base
    from .peers import PEER_TIMEOUT
    from .settings import load_settings
    engine = make_engine(database_url(SERVICE_NAME))
    factory = sessionmaker(engine, expire_on_commit=False)
    pool = RpcPool(amqp_uri(), size=1, timeout=PEER_TIMEOUT, identity=SERVICE_NAME)  # signs as routing (hubkit.trust)
    try:
        with pool.cluster({}) as cluster:
            result = Reconciliation(cluster.ideas, lambda: UnitOfWork(factory, SERVICE_NAME, Base.metadata),
                                    load_settings()).run(from_start=from_start)
    except HubError as error:
        print(f"routing: reconciliation failed: {error.message} {error.details or ''}".rstrip(), file=sys.stderr)
        sys.exit(1)
    finally:
        pool.close()
        engine.dispose()
    print(f"routing: {result['checked']} submitted ideas read, {len(result['recovered'])} recovered into the inbox, "
          f"{result['deferred']} submitted too recently (left to their event; run again later)"
          + "".join(f"\n  recovered {idea_id}" for idea_id in result["recovered"]))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the routing service (RPC, events, timers, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the routing database (with the City's schemes)")
    sub.add_parser("seed-demo", help="point the greening permit at a local receiver (local mode only)")
    reconciling = sub.add_parser("reconcile",
                                 help="add to the inbox the open ideas whose idea_submitted routing never received")
    reconciling.add_argument("--from-start", action="store_true",
                             help="read every idea of the idea box again, not only those since the last run")
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

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
    elif args.command == "reconcile":
        reconcile(from_start=args.from_start)

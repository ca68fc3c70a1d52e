"""`python -m notifications` / `hub-notifications`: run, migrate, and the dead letters every service has."""
import argparse
import sys
from pathlib import Path

from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8106
PACKAGE_DIR = Path(__file__).parent


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-notifications", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the notifications service (RPC, events, the digest timer, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the notifications database")
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

    if args.command == "run":
        from .service import NotificationsService
        run_service(NotificationsService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"notifications: database at revision head ({url.split('@')[-1]})")

"""`python -m petitions` / `hub-petitions`: run, migrate, seed demo petitions."""
import argparse
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

from hubkit.config import database_url, hub_env
from hubkit.db import make_engine
from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8104
PACKAGE_DIR = Path(__file__).parent

# Fixed ids: seeding again (every `make run` does) finds the petitions already there.
_DEMO_NAMESPACE = uuid.UUID("0c8e4d1a-7b2f-4f4e-8a61-5d3c2b1a0f99")


def _demo_id(slug: str) -> str:
    return str(uuid.uuid5(_DEMO_NAMESPACE, slug))


# Demo petitions exist only on a local run (`make run`, HUB_ENV=local), signed by the demo team with no
# account behind them; their signature counts are set directly (no demo signers exist).
DEMO_PETITIONS = [
    {"id": _demo_id("rue-aux-ecoles"), "status": "open", "arrondissement": 20, "signatures": 1240,
     "title": "Des « rues aux écoles » devant toutes les écoles du 20e",
     "asks": "Nous demandons que la rue devant chaque école élémentaire du 20e arrondissement soit fermée à la "
             "circulation aux heures d'entrée et de sortie des classes, puis aménagée et végétalisée.",
     "background": "Les rues aux écoles déjà créées ont fait baisser la pollution et rendu les abords des écoles "
                   "plus sûrs. Beaucoup d'écoles du 20e restent au bord de rues très passantes."},
    {"id": _demo_id("bains-douches"), "status": "threshold_reached", "signatures": 5312,
     "title": "Rouvrir les bains-douches municipaux le dimanche après-midi",
     "asks": "Nous demandons l'ouverture de tous les bains-douches municipaux le dimanche après-midi, toute "
             "l'année.",
     "background": "Pour les personnes sans logement ou mal logées, les bains-douches sont souvent le seul "
                   "accès à une douche. Le dimanche après-midi, la plupart sont fermés."},
    {"id": _demo_id("arbres-cours"), "status": "scheduled_for_council", "signatures": 6020,
     "session_date": date.today() + timedelta(days=20),
     "agenda_url": "https://www.paris.fr/pages/le-conseil-de-paris-et-ses-seances-2201",
     "title": "Planter des arbres dans toutes les cours d'immeubles de Paris Habitat",
     "asks": "Nous demandons un programme de plantation d'arbres dans les cours des immeubles du bailleur "
             "Paris Habitat, avec les locataires.",
     "background": "Les cours minérales sont des îlots de chaleur l'été. Des locataires sont prêts à participer "
                   "aux plantations et à l'entretien."},
    {"id": _demo_id("toilettes-publiques"), "status": "submitted", "arrondissement": 11,
     "title": "Plus de toilettes publiques gratuites près du canal",
     "asks": "Nous demandons l'installation de sanisettes supplémentaires le long du canal Saint-Martin et du "
             "canal de l'Ourcq.",
     "background": "Les quais sont très fréquentés du printemps à l'automne et les toilettes y manquent."},
]


def _unit_of_work():
    from sqlalchemy.orm import sessionmaker

    from hubkit.db import UnitOfWork

    from .models import Base
    engine = make_engine(database_url(SERVICE_NAME))
    return UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata)


def seed_demo_petitions():
    from .handlers import Context, Petitions
    from .settings import load_settings
    created, settings = 0, load_settings()
    for demo in DEMO_PETITIONS:
        with _unit_of_work() as uow:
            created += Petitions(Context(uow, settings=settings)).demo.seed_demo_petition(
                {"arrondissement": None, **demo})
    print(f"Pétitions de démonstration (mode local uniquement) : {created} créée(s), "
          f"{len(DEMO_PETITIONS) - created} déjà présente(s).")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-petitions", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the petitions service (RPC, events, timers, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the petitions database")
    sub.add_parser("seed-demo", help="create the demo petitions (local mode only)")
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

    if args.command == "run":
        from .service import PetitionsService
        run_service(PetitionsService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"petitions: database at revision head ({url.split('@')[-1]})")
    elif args.command == "seed-demo":
        if hub_env() != "local":
            print("seed-demo refuse de tourner hors du mode local (HUB_ENV=local).", file=sys.stderr)
            sys.exit(2)
        seed_demo_petitions()

"""`python -m ideas` / `hub-ideas`: run, migrate, seed demo ideas."""
import argparse
import os
import sys
import uuid
from pathlib import Path

from hubkit.config import database_url, hub_env
from hubkit.db import make_engine
from hubkit import dead_letters
from hubkit.runner import migrate, run_service

from . import SERVICE_NAME

HTTP_PORT = 8102
PACKAGE_DIR = Path(__file__).parent

# Fixed ids: seeding again (every `make run` does) finds the ideas already there.
_DEMO_NAMESPACE = uuid.UUID("5f0b6c2e-8a1d-4c3b-9e7f-2d4a6b8c0e12")


def _demo_id(slug: str) -> str:
    return str(uuid.uuid5(_DEMO_NAMESPACE, slug))


# Demo ideas exist only on a local run (`make run`, HUB_ENV=local). They are signed by the demo team,
# with no account behind them.
DEMO_IDEAS = [
    {"id": _demo_id("fontaines-canal"), "days_ago": 41, "theme": "environnement", "arrondissement": 10,
     "address_line": "Quai de Valmy",
     "title": "Des fontaines à boire le long du canal Saint-Martin",
     "description": "L'été, les quais du canal sont pleins de promeneurs et de familles, mais il n'y a presque "
                    "aucun point d'eau potable entre la place de la République et Jaurès. Installer trois ou "
                    "quatre fontaines Wallace ou des fontaines modernes éviterait les bouteilles en plastique.",
     "steps": [("under_review", "La direction de la propreté et de l'eau étudie les emplacements possibles "
                                "avec Eau de Paris.", None),
               ("forwarded", "L'idée est transmise au budget participatif : elle pourra être déposée comme "
                             "projet lors de la prochaine campagne.", "budget")],
     "comments": [("Lucie (démo)", "Excellente idée, surtout avec les canicules de ces dernières années."),
                  ("Karim (démo)", "Il faudrait aussi penser aux gamelles pour les chiens !")]},
    {"id": _demo_id("pieds-arbres-11e"), "days_ago": 30, "theme": "cadre_de_vie", "arrondissement": 11,
     "address_line": "Rue de la Roquette",
     "title": "Végétaliser les pieds d'arbres de la rue de la Roquette",
     "description": "Les pieds d'arbres sont souvent de la terre nue ou des grilles abîmées. Les habitants "
                    "seraient prêts à les planter et à les entretenir si la Ville les y autorisait.",
     "steps": [("under_review", "Nous vérifions avec la mairie du 11e quels pieds d'arbres sont concernés.", None),
               ("forwarded", "Chaque riverain peut demander un permis de végétaliser pour le pied d'arbre "
                             "devant chez lui : l'idée est transmise à ce dispositif.", "greening_permit")]},
    {"id": _demo_id("bancs-buttes-chaumont"), "days_ago": 21, "theme": "cadre_de_vie", "arrondissement": 19,
     "title": "Plus de bancs autour du parc des Buttes-Chaumont",
     "description": "Pour les personnes âgées qui montent la rue Manin, il manque des endroits où s'asseoir "
                    "entre le métro et les entrées du parc. Quelques bancs aideraient beaucoup.",
     "steps": [("under_review", "La direction de la voirie étudie la largeur des trottoirs concernés.", None)]},
    {"id": _demo_id("stationnement-velos-gares"), "days_ago": 14, "theme": "mobilites",
     "title": "Des parkings à vélos sécurisés près des gares",
     "description": "Beaucoup de personnes renoncent à venir à la gare à vélo par peur du vol. Des abris fermés, "
                    "accessibles avec le passe Navigo, existent dans d'autres villes : pourquoi pas à Paris ?"},
    {"id": _demo_id("ateliers-numeriques-seniors"), "days_ago": 9, "theme": "solidarites", "arrondissement": 20,
     "title": "Des ateliers numériques pour les seniors dans les bibliothèques",
     "description": "Beaucoup de démarches se font désormais en ligne. Des ateliers réguliers, animés par des "
                    "bénévoles ou des services civiques, aideraient les personnes âgées du quartier.",
     "steps": [("under_review", "Les bibliothèques de la Ville recensent les ateliers existants.", None),
               ("answered", "Des ateliers d'initiation au numérique existent déjà dans plusieurs bibliothèques "
                            "du 20e : leur programme est disponible à l'accueil de chaque bibliothèque.", None)]},
    {"id": _demo_id("cour-oasis"), "days_ago": 3, "theme": "education_jeunesse", "arrondissement": 14,
     "title": "Ouvrir les cours d'école « oasis » aux familles le samedi",
     "description": "Les cours d'école transformées en îlots de fraîcheur sont fermées le week-end. Les ouvrir "
                    "le samedi matin aux familles du quartier, comme cela se fait déjà dans quelques écoles, "
                    "donnerait un lieu ombragé de plus aux enfants."},
]


# A consultation like those of idee.paris (« Comment renforcer la démocratie participative à Paris »), so
# that a local hub shows every participation mode.
DEMO_CONSULTATION = {
    "id": _demo_id("consultation-democratie-participative"), "opened_days_ago": 10, "closes_in_days": 20,
    "title": "Comment renforcer la démocratie participative à Paris ?",
    "context": "La Ville souhaite mieux associer les Parisiennes et les Parisiens aux décisions qui les concernent. "
               "Dites-nous comment : vos propositions, votre avis sur une Assemblée des Parisien·nes, vos habitudes "
               "de participation et vos amendements à la future charte de la participation.",
    "resources": [{"label": "La participation citoyenne à Paris", "url": "https://www.paris.fr/participation"}],
    "agenda": [{"title": "Atelier ouvert à toutes et tous", "place": "Hôtel de Ville", "in_days": 7},
               {"title": "Restitution publique", "place": "Mairie du 20e", "in_days": 25}],
    "sections": [
        {"title": "Vos propositions", "mode": "proposals",
         "body": "Comment mieux associer les Parisien·nes aux décisions publiques ?",
         "proposals": [("Faciliter l'accès de tous à l'administration parisienne",
                        "Des permanences dans chaque mairie d'arrondissement pour accompagner les démarches en "
                        "ligne, et des formulaires écrits simplement.")]},
        {"title": "Créer une Assemblée des Parisien·nes", "mode": "argued_vote",
         "body": "Pensez-vous que la création d'une Assemblée des Parisien·nes est un bon moyen de faire participer "
                 "les citoyen·nes à la conception des politiques publiques ?"},
        {"title": "Vos habitudes de participation", "mode": "questionnaire",
         "questions": [{"label": "Avez-vous déjà participé à une démarche de la Ville ?", "kind": "single",
                        "choices": ["Oui, souvent", "Oui, une fois", "Jamais"]},
                       {"label": "Comment préférez-vous participer ?", "kind": "multiple",
                        "choices": ["En ligne", "Réunions publiques", "Ateliers de quartier", "Conseils de quartier"]},
                       {"label": "Une remarque ?", "kind": "text"}]},
        {"title": "La charte de la participation", "mode": "amendable_text",
         "body": "Article 1 : toute personne vivant, travaillant ou étudiant à Paris peut participer.\n"
                 "Article 2 : la Ville rend compte de la suite donnée à chaque contribution.",
         "proposals": [("Article 3 : des tirages au sort",
                        "Une partie des membres des instances participatives est tirée au sort, pour représenter la "
                        "diversité des habitant·es.")]},
    ],
}


def _unit_of_work_factory(url: str = None):
    """Units of work on one engine (one pool), for a command that opens many."""
    from sqlalchemy.orm import sessionmaker

    from hubkit.db import UnitOfWork

    from .models import Base
    factory = sessionmaker(make_engine(url or database_url(SERVICE_NAME)), expire_on_commit=False)
    return lambda: UnitOfWork(factory, SERVICE_NAME, Base.metadata)


def _unit_of_work():
    return _unit_of_work_factory()()


def seed_demo_ideas():
    from .handlers import Ideas
    created = 0
    for demo in DEMO_IDEAS:
        with _unit_of_work() as uow:
            created += Ideas(uow, throttle=None).seed_demo_idea(demo)
    print(f"Idées de démonstration (mode local uniquement) : {created} créée(s), "
          f"{len(DEMO_IDEAS) - created} déjà présente(s).")
    from .handlers import Consultations
    from .handlers.seeding import DEMO_PSEUDONYM
    with _unit_of_work() as uow:
        seeded = Consultations(uow, throttle=None).seed_demo_consultation(DEMO_CONSULTATION, DEMO_PSEUDONYM)
    print(f"Consultation de démonstration : {'créée' if seeded else 'déjà présente'}.")


IMPORT_BATCH = 500  # rows per unit of work: short transactions, and the index written once per batch
IMPORT_NICENESS = 10


def import_madrid(path: Path, new_unit_of_work=None, batch: int = IMPORT_BATCH) -> dict:
    """Imports the Decide Madrid proposals CSV (`;`-separated): one unit of work per `batch` rows, so a re-run
    after a failure goes on where it stopped; rows already imported are found by their source id.
    Returns how many rows ended each way ("created", "existing", "invalid_row" or a spam reason)."""
    import csv

    from hubkit.errors import InvalidInput
    from hubkit.validation import load

    from .handlers import Ideas
    from .schemas import MadridRowSchema
    new_unit_of_work = new_unit_of_work or _unit_of_work_factory()
    outcomes, rows = {}, []

    def write(rows):
        with new_unit_of_work() as uow:
            for outcome in Ideas(uow, throttle=None).import_proposals(rows):
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

    with path.open(encoding="utf-8", newline="") as handle:
        for raw in csv.DictReader(handle, delimiter=";"):
            try:
                rows.append(load(MadridRowSchema(), raw))
            except InvalidInput:
                outcomes["invalid_row"] = outcomes.get("invalid_row", 0) + 1
            if len(rows) >= batch:
                write(rows)
                rows = []
    if rows:
        write(rows)
    return outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(prog="hub-ideas", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the ideas service (RPC, events, /metrics)")
    sub.add_parser("migrate", help="create or upgrade the ideas database")
    sub.add_parser("seed-demo", help="create the demo ideas (local mode only)")
    madrid = sub.add_parser("import-madrid", help="import the Decide Madrid proposals CSV as a realistic seed")
    madrid.add_argument("csv", type=Path)
    dead_letters.add_parser(sub)  # list, replay, purge: the same for every service (hubkit.dead_letters)
    args = parser.parse_args(argv)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(SERVICE_NAME, args))

    if args.command == "run":
        from .service import IdeasService
        run_service(IdeasService, HTTP_PORT)
    elif args.command == "migrate":
        url = migrate(SERVICE_NAME, PACKAGE_DIR)
        print(f"ideas: database at revision head ({url.split('@')[-1]})")
    elif args.command == "seed-demo":
        if hub_env() != "local":
            print("seed-demo refuse de tourner hors du mode local (HUB_ENV=local).", file=sys.stderr)
            sys.exit(2)
        seed_demo_ideas()
    elif args.command == "import-madrid":
        if not args.csv.is_file():
            print(f"{args.csv}: fichier introuvable.", file=sys.stderr)
            sys.exit(2)
        os.nice(IMPORT_NICENESS)  # a batch job: the services beside it on the machine keep their share of the CPU
        outcomes = import_madrid(args.csv)
        skipped = {k: v for k, v in outcomes.items() if k not in ("created", "existing")}
        print(f"Decide Madrid : {outcomes.get('created', 0)} idée(s) importée(s), "
              f"{outcomes.get('existing', 0)} déjà présente(s), {sum(skipped.values())} écartée(s) {skipped}.")

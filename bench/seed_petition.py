"""Create one open petition to sign, directly in the petitions database; prints its id.

Run: `python bench/seed_petition.py THRESHOLD` with PETITIONS_DATABASE_URL set (migrated). Eligibility is the
City's default (live, work or study in Paris, declared at signing).
"""
import sys
import uuid

from sqlalchemy.orm import sessionmaker

from hubkit.config import database_url
from hubkit.db import UnitOfWork, make_engine
from petitions import SERVICE_NAME
from petitions.handlers import Context, Petitions
from petitions.models import Base


def main(threshold: int):
    engine = make_engine(database_url(SERVICE_NAME))
    petition_id = str(uuid.uuid4())
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata) as uow:
        Petitions(Context(uow)).demo.seed_demo_petition({
            "id": petition_id, "status": "open", "threshold": threshold, "signatures": 0,
            "author_pseudonym": "Banc d'essai", "arrondissement": 11,
            "title": "Pétition du banc d'essai des signatures",
            "asks": "Mesurer combien de signatures par seconde la plateforme enregistre exactement.",
            "background": "Une pétition créée par bench/run_bench.py, dans une base de données jetable."})
    engine.dispose()
    print(petition_id)


if __name__ == "__main__":
    main(int(sys.argv[1]))

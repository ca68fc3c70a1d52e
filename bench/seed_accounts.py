"""Create verified bench accounts directly in the accounts database (in-process, one transaction).

Run: `python bench/seed_accounts.py COUNT EMAIL_PREFIX PASSWORD` with ACCOUNTS_DATABASE_URL set.
Prints the e-mail addresses as a JSON list.
"""
import json
import sys

from sqlalchemy.orm import sessionmaker

from accounts import SERVICE_NAME
from accounts.handlers import Accounts
from accounts.models import Base
from hubkit.config import database_url
from hubkit.db import UnitOfWork, make_engine
from hubkit.throttle import Throttle, connect


def main(count: int, prefix: str, password: str):
    engine = make_engine(database_url(SERVICE_NAME))
    emails = [f"{prefix}-{index:03d}@bench.example.org" for index in range(count)]
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata) as uow:
        accounts = Accounts(uow, Throttle(connect()))
        for index, email in enumerate(emails):
            accounts.create_verified_account(email, password, f"{prefix} {index:03d}")
    engine.dispose()
    print(json.dumps(emails))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])

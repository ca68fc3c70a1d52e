"""Create verified signer accounts, each with an API session, directly in the accounts database.

Run: `python bench/seed_signers.py COUNT PREFIX PASSWORD [warm|cold]` with ACCOUNTS_DATABASE_URL (and
HUB_REDIS_URL) set. Prints the bearer tokens as a JSON list (one distinct account per token).

`warm` (the default): each session is then resolved once, as `Accounts.resolve_session` does for the gateway,
which puts its principal in the gateway's session cache (Redis) — the state of a signer who opened the
petition page before signing. `cold`: the gateway asks accounts for each signer's first request.

The signing scenario needs thousands of distinct signers (one signature per account and petition). Logging
them in through the gateway would measure argon2, not signing, and hashing thousands of passwords with the
production parameters would take minutes: this seeding process alone hashes with the cheapest argon2 settings
(the accounts service itself is untouched), and opens the sessions the way `Accounts.login` does.
"""
import json
import sys
from datetime import datetime, timezone

from argon2 import PasswordHasher
from sqlalchemy.orm import sessionmaker

from accounts import SERVICE_NAME, domain
from accounts.handlers import Accounts, passwords
from accounts.models import Base, Session
from accounts.settings import settings
from hubkit.config import database_url
from hubkit.db import UnitOfWork, make_engine
from hubkit.sessions import SessionCache
from hubkit.throttle import Throttle, connect


def main(count: int, prefix: str, password: str, sessions: str = "warm"):
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # this process only
    engine = make_engine(database_url(SERVICE_NAME))
    tokens, now = [], datetime.now(timezone.utc)
    with UnitOfWork(sessionmaker(engine, expire_on_commit=False), SERVICE_NAME, Base.metadata) as uow:
        accounts = Accounts(uow, Throttle(connect()))
        for index in range(count):
            account = accounts.create_verified_account(f"{prefix}-signer-{index:05d}@bench.example.org", password,
                                                       f"{prefix} s{index:05d}")
            secret = domain.new_secret()
            uow.session.add(Session(account_id=account.id, token_digest=domain.digest(secret), kind="api",
                                    label="bench", created_at=now, last_seen_at=now,
                                    expires_at=now + settings().citizen_sessions.absolute))
            tokens.append(secret)
    if sessions == "warm":
        factory = sessionmaker(engine, expire_on_commit=False)
        for start in range(0, len(tokens), 500):
            with UnitOfWork(factory, SERVICE_NAME, Base.metadata) as uow:
                accounts = Accounts(uow, Throttle(connect()), session_cache=SessionCache(connect()))
                for secret in tokens[start:start + 500]:
                    accounts.resolve_session(secret)
    engine.dispose()
    print(json.dumps(tokens))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3], *sys.argv[4:5])

"""people.py's administrators: `accounts create-admin` run by one process per platform that the tests keep (not a
Python start per administrator); each command's answer is its own, a failed one fails the test, and no connection
to the platform's database outlives a command."""
import os
import sqlite3
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from hubkit.testing import FreshDatabase

from .people import PASSWORD, _accounts_commands, run_accounts_command

pytestmark = pytest.mark.integration  # the command reaches the real Redis (its rate limits)
ACCOUNTS = Path(__file__).resolve().parents[2] / "services" / "accounts" / "accounts"


@pytest.fixture
def platform():
    """What run_accounts_command reads of a platform: its virtual host (the key of its process) and environment."""
    database = FreshDatabase("sqlite", "accounts", ACCOUNTS)
    vhost = f"hub_commands_{uuid.uuid4().hex[:8]}"
    yield SimpleNamespace(vhost=vhost, database=database, env={
        **os.environ, "HUB_ENV": "test", "ACCOUNTS_DATABASE_URL": database.url, "HUB_REDIS_PREFIX": vhost})
    process = _accounts_commands.pop(vhost, None)
    if process is not None:
        process.stdin.close()
        process.wait(30)
    database.drop()


def create_admin(platform, email: str, password: str = PASSWORD):
    run_accounts_command(platform, ["create-admin", "--email", email, "--pseudonym", f"Admin {uuid.uuid4().hex[:6]}",
                                    "--password", password])


def test_administrators_are_made_by_one_kept_process_and_a_failed_command_fails_the_test(platform):
    create_admin(platform, "premiere@paris.fr")
    process = _accounts_commands[platform.vhost]
    create_admin(platform, "seconde@paris.fr")
    assert _accounts_commands[platform.vhost] is process and process.poll() is None

    with pytest.raises(AssertionError, match="create-admin failed"):
        create_admin(platform, "troisieme@paris.fr", password="court")  # refused: too short a password
    create_admin(platform, "quatrieme@paris.fr")  # the process goes on after a failed command

    with sqlite3.connect(platform.database.path) as connection:
        emails = {email for (email,) in connection.execute("SELECT email FROM accounts")}
        admins = {email for (email,) in connection.execute(
            "SELECT email FROM accounts JOIN role_assignments ON role_assignments.account_id = accounts.id "
            "WHERE role_assignments.role = 'admin'")}
    assert emails == admins == {"premiere@paris.fr", "seconde@paris.fr", "quatrieme@paris.fr"}
    # its connections were closed after each command: the database file is not held open
    held = [path for path in Path(f"/proc/{process.pid}/fd").iterdir()
            if os.readlink(path).startswith(str(platform.database.path))]
    assert held == []

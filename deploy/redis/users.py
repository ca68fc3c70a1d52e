"""The hub's Redis users: one ACL user per component that uses Redis, limited to the hub's keys and the
commands its code sends.

    python deploy/redis/users.py render /path/to/users.acl   # write the ACL file redis-server --aclfile reads
    python deploy/redis/users.py show                        # print the rules (passwords not needed)

Settings, from the environment: HUB_REDIS_PREFIX (hub, as the hub's processes use it), each user's password in
REDIS_<NAME>_PASSWORD or a file named by REDIS_<NAME>_PASSWORD_FILE (a mounted secret), REDIS_ADMIN_PASSWORD
likewise for the operators' user, and optionally REDIS_MONITORING_PASSWORD for redis_exporter's user (no key at
all; without it the file has no such user: docker compose and Kubernetes, Secret `hub-redis-monitoring`, give it one).
The file holds SHA-256 hashes of the passwords, never the passwords; Redis
reads it at start, and again on `ACL LOAD` (a rotation, see docs/operations/redis.md). Stdlib only.

What the code sends (hubkit/throttle.py, hubkit/sessions.py, gateway/health.py):
- rate limits: EVALSHA of two Lua scripts (EVAL and SCRIPT LOAD when Redis forgot them), which call GET, TTL,
  INCRBY, EXPIRE and DECR; a pipeline (MULTI/EXEC) of INCR and EXPIRE; DEL. Keys `<prefix>:throttle:*`.
- the session cache: SET and DEL by accounts, GET and MGET by the gateway (read only: a gateway that is taken
  over cannot write a session). Keys `<prefix>:session:*`.
- PING, the gateway's readiness probe.
Commands a Lua script calls are checked against the calling user's rules too.
"""
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # deploy/, mounted beside this script
from mounted_secret import secret  # noqa: E402

THROTTLE_COMMANDS = ("evalsha", "eval", "script|load", "script|exists", "get", "ttl", "incr", "incrby", "decr",
                     "expire", "del", "multi", "exec", "discard")
SESSION_WRITE_COMMANDS = ("set", "del")
SESSION_READ_COMMANDS = ("get", "mget")
# What redis_exporter sends to read a server's figures (INFO ALL, CONFIG GET for maxclients and the like, the slow
# log and latency reports, its client name and the client list). It is given no key, so none of its commands can
# read or write the hub's data; CLIENT KILL, CONFIG SET and the rest stay refused.
MONITORING_USER = "monitoring"
MONITORING_COMMANDS = ("ping", "select", "info", "config|get", "client|setname", "client|getname", "client|list",
                       "client|info", "slowlog|get", "slowlog|len", "latency|latest", "latency|histogram",
                       "cluster|info", "memory|stats")


@dataclass(frozen=True)
class RedisUser:
    name: str
    throttle: bool = False        # rate limits (hubkit.throttle)
    sessions: str = ""            # the session cache: "write" (accounts) or "read" (gateway)


# budget and routing do not use Redis: they get no user
USERS = (
    RedisUser("accounts", throttle=True, sessions="write"),
    RedisUser("ideas", throttle=True),
    RedisUser("petitions", throttle=True),
    RedisUser("gateway", sessions="read"),
)


def rules(user: RedisUser, prefix: str) -> list:
    """The user's ACL rules after its password: its keys, then its commands (everything else is refused)."""
    keys, commands = [], ["ping"]
    if user.throttle:
        keys.append(f"~{prefix}:throttle:*")
        commands += THROTTLE_COMMANDS
    if user.sessions == "write":
        keys.append(f"~{prefix}:session:*")
        commands += SESSION_WRITE_COMMANDS + SESSION_READ_COMMANDS
    elif user.sessions == "read":
        keys.append(f"%R~{prefix}:session:*")
        commands += SESSION_READ_COMMANDS
    unique = list(dict.fromkeys(commands))
    return ["resetkeys", *keys, "resetchannels", "-@all", *(f"+{command}" for command in unique)]


def password_hash(password: str) -> str:
    return "#" + hashlib.sha256(password.encode()).hexdigest()


def monitoring_rules() -> list:
    return ["resetkeys", "resetchannels", "-@all", *(f"+{command}" for command in MONITORING_COMMANDS)]


def acl_file(passwords: dict, admin_password: str, prefix: str, users=USERS, user_prefix: str = "",
             monitoring_password: str = "") -> str:
    """The ACL file: the default user (no password) may only PING, for health checks; each component's user;
    `monitoring` (no key, the exporter's reads) when it has a password; `admin` (every key and command) for the
    operators."""
    lines = ["user default on nopass resetkeys resetchannels -@all +ping"]
    for user in users:
        lines.append(" ".join(["user", user_prefix + user.name, "on", password_hash(passwords[user.name]),
                               *rules(user, prefix)]))
    if monitoring_password:
        lines.append(" ".join(["user", user_prefix + MONITORING_USER, "on", password_hash(monitoring_password),
                               *monitoring_rules()]))
    lines.append(f"user {user_prefix}admin on {password_hash(admin_password)} ~* &* +@all")
    return "\n".join(lines) + "\n"


def environment_variables() -> list:
    """Every variable this script reads (each password also as `<name>_FILE`): tests/contract/test_compose.py
    checks the compose job against it."""
    return ["HUB_REDIS_PREFIX", "REDIS_ADMIN_PASSWORD", env_key(MONITORING_USER),
            *(env_key(user.name) for user in USERS)]


def env_key(name: str) -> str:
    return f"REDIS_{name.upper()}_PASSWORD"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    prefix = os.environ.get("HUB_REDIS_PREFIX") or "hub"
    if argv[:1] == ["show"]:
        for user in USERS:
            print(f"user {user.name} on #<sha256 of {env_key(user.name)}> {' '.join(rules(user, prefix))}")
        print(f"user {MONITORING_USER} on #<sha256 of {env_key(MONITORING_USER)}> {' '.join(monitoring_rules())}")
        return 0
    if len(argv) != 2 or argv[0] != "render":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    passwords = {user.name: secret(env_key(user.name)) for user in USERS}
    monitoring = env_key(MONITORING_USER)
    wanted = os.environ.get(monitoring) or os.environ.get(f"{monitoring}_FILE")
    monitoring_password = secret(monitoring) if wanted else ""
    text = acl_file(passwords, secret("REDIS_ADMIN_PASSWORD"), prefix, monitoring_password=monitoring_password)
    with open(argv[1], "w", encoding="utf-8") as file:
        file.write(text)
    names = [user.name for user in USERS] + ([MONITORING_USER] if monitoring_password else [])
    print(f"redis: {argv[1]} written for {', '.join(names)} and admin (keys {prefix}:*)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

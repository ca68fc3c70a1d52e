"""Configuration read from the environment, with local-first defaults."""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    return _number(name, str(default), int, "un nombre entier")


def env_float(name: str, default: float) -> float:
    return _number(name, str(default), float, "un nombre")


def _number(name: str, default: str, kind, expected: str):
    value = env_str(name, default)
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name} doit être {expected} (reçu : {value!r}).") from None


def env_bool(name: str, default: bool) -> bool:
    return env_str(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def var_dir() -> Path:
    """Where the embedded databases and local mail folder live (`var/` at the repository root)."""
    path = Path(env_str("HUB_VAR_DIR", str(REPO_ROOT / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def amqp_uri() -> str:
    return env_str("HUB_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def redis_url() -> str:
    return env_str("HUB_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_prefix() -> str:
    """Namespace of the hub's keys in Redis (lets several platforms share one Redis, e.g. in tests)."""
    return env_str("HUB_REDIS_PREFIX", "hub")


def database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL`, or one SQLite file per service under var/."""
    return env_str(f"{service.upper()}_DATABASE_URL", f"sqlite:///{var_dir() / (service + '.db')}")


def public_url() -> str:
    """Base URL of the hub as citizens see it, used in links sent by e-mail."""
    return env_str("HUB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def hub_env() -> str:
    """`local` (make run, demo data allowed), `test` or `production`."""
    return env_str("HUB_ENV", "production")


def nameko_config(service: str, http_port: int) -> dict:
    """The nameko configuration of a service, from the same environment as everything else."""
    return {
        "AMQP_URI": amqp_uri(),
        "WEB_SERVER_ADDRESS": f"{env_str('HUB_BIND_HOST', '127.0.0.1')}:{env_int(service.upper() + '_HTTP_PORT', http_port)}",
        "rpc_exchange": "nameko-rpc",
        "max_workers": env_int("HUB_MAX_WORKERS", 20),
        "serializer": "json",
    }

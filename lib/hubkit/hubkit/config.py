"""Configuration read from the environment, with local-first defaults."""
import os
import ssl
from pathlib import Path
from urllib.parse import urlparse

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


def env_secret(name: str) -> str | None:
    """`NAME` from the environment, or the content of the file `NAME_FILE` (a mounted secret); None if neither."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            return file.read().strip()
    except OSError as error:
        raise RuntimeError(f"{name}_FILE ne peut pas être lu ({path}) : {error.strerror}.") from None


def env_bool(name: str, default: bool) -> bool:
    return env_str(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def var_dir() -> Path:
    """Where the embedded databases and local mail folder live (`var/` at the repository root)."""
    path = Path(env_str("HUB_VAR_DIR", str(REPO_ROOT / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def amqp_uri() -> str:
    return env_str("HUB_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def amqp_ssl(uri: str = None) -> dict | None:
    """kombu's `ssl` options for an `amqps://` URI (None for `amqp://`): the broker's certificate must chain to
    HUB_AMQP_CA_FILE (else the system's CAs) and name the URI's host. Without them kombu would wrap the
    socket with `ssl=True`, which checks the chain but not the host name. HUB_AMQP_CERT_FILE and
    HUB_AMQP_KEY_FILE add a client certificate, for a broker that asks for one."""
    parsed = urlparse(uri or amqp_uri())
    if parsed.scheme != "amqps":
        return None
    options = {"cert_reqs": ssl.CERT_REQUIRED, "server_hostname": parsed.hostname,
               "ca_certs": env_str("HUB_AMQP_CA_FILE", ""), "certfile": env_str("HUB_AMQP_CERT_FILE", ""),
               "keyfile": env_str("HUB_AMQP_KEY_FILE", "")}
    return {key: value for key, value in options.items() if value}


def redis_url() -> str:
    return env_str("HUB_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_prefix() -> str:
    """Namespace of the hub's keys in Redis (lets several platforms share one Redis, e.g. in tests)."""
    return env_str("HUB_REDIS_PREFIX", "hub")


def database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL`, or one SQLite file per service under var/ outside production: production
    refuses SQLite (one file on one machine cannot be shared by replicas), and so a forgotten variable."""
    name = f"{service.upper()}_DATABASE_URL"
    url = env_str(name, "")
    if hub_env() == "production" and urlparse(url).scheme.split("+")[0] not in ("postgresql", "postgres"):
        problem = "absent" if not url else "pas une base PostgreSQL"
        raise ValueError(f"{name} refusé en production (HUB_ENV=production) : {problem}. Donnez l'URL de la base "
                         f"PostgreSQL du service (postgresql://utilisateur:mot-de-passe@hôte:5432/{service}).")
    return url or f"sqlite:///{var_dir() / (service + '.db')}"


def mail_url() -> str:
    """HUB_MAIL_URL, or the folder var/mail outside production: production refuses the folder (`file://`), where
    mails would pile up unseen on one machine instead of reaching citizens."""
    url = env_str("HUB_MAIL_URL", "")
    if hub_env() == "production" and urlparse(url).scheme not in ("smtp", "smtps"):
        problem = "absent" if not url else f"{urlparse(url).scheme or url}:// n'envoie rien"
        raise ValueError(f"HUB_MAIL_URL refusé en production (HUB_ENV=production) : {problem}. Donnez le serveur "
                         "SMTP (smtp://utilisateur:mot-de-passe@hôte:587?starttls=1 ou smtps://…).")
    return url or f"file://{var_dir() / 'mail'}"


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
        "AMQP_SSL": amqp_ssl(),
        # 0 where the broker's exchanges are provisioned (deploy/rabbitmq/users.py): a service then needs no right
        # to declare, hence to delete, the events exchange of a service it listens to
        "DECLARE_EVENT_EXCHANGES": env_bool("HUB_AMQP_DECLARE_EVENT_EXCHANGES", True),
        "WEB_SERVER_ADDRESS": f"{env_str('HUB_BIND_HOST', '127.0.0.1')}:{env_int(service.upper() + '_HTTP_PORT', http_port)}",
        "rpc_exchange": "nameko-rpc",
        "max_workers": env_int("HUB_MAX_WORKERS", 20),
        "serializer": "json",
    }


MIN_SECRET_LENGTH = 32
# Words of the placeholders found in examples and compose files ("change-me", "compose-placeholder-change-me"...)
PLACEHOLDER_WORDS = ("changeme", "placeholder", "example", "dummy", "insecure", "secret", "password")


def require_strong_secret(name: str, value: str):
    """Refuse (ValueError naming the setting) a secret that is missing, short, a placeholder or too repetitive:
    production must not start with a key anyone could guess."""
    folded = (value or "").lower().replace("-", "").replace("_", "")
    if len(value or "") < MIN_SECRET_LENGTH:
        problem = f"moins de {MIN_SECRET_LENGTH} caractères"
    elif any(word in folded for word in PLACEHOLDER_WORDS):
        problem = "une valeur d'exemple"
    elif len(set(value)) < 8:
        problem = "trop peu de caractères différents"
    else:
        return
    raise ValueError(f"{name} refusé en production (HUB_ENV=production) : {problem}. Générez-en un avec "
                     "python -c \"import secrets; print(secrets.token_hex(32))\".")


def env_optional_bool(name: str) -> bool | None:
    """A yes/no setting, or None when unset (its default then depends on HUB_ENV)."""
    return env_bool(name, False) if env_str(name, "") else None

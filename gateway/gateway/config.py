"""Gateway settings, from the environment."""
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from hubkit.config import (amqp_uri, env_float, env_int, env_optional_bool, env_str, hub_env, public_url, redis_url,
                           require_strong_secret)

HSTS_PRODUCTION_SECONDS = 365 * 24 * 3600


def checked_dashboards_url(url: str) -> str:
    """HUB_DASHBOARDS_URL without its trailing slash, or "" if unset. Its links are put in a page: only an http(s)
    URL with a host is taken, without credentials (they would be shown to every admin), query or fragment."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or parts.query \
            or parts.fragment or any(character.isspace() or character in "<>\"'" for character in url):
        raise ValueError("HUB_DASHBOARDS_URL doit être l'adresse http(s) de Grafana, sans identifiants ni paramètres "
                         f"(reçu : {url[:80]!r}).")
    return url.rstrip("/")


@dataclass
class Settings:
    secret_key: str = field(default_factory=lambda: env_str("HUB_SECRET_KEY", ""))
    # None: on in production, off elsewhere (local runs are served over plain HTTP)
    cookie_secure: bool | None = field(default_factory=lambda: env_optional_bool("HUB_COOKIE_SECURE"))
    # Strict-Transport-Security max-age; None: a year in production, none elsewhere
    hsts_seconds: int | None = field(default_factory=lambda: (
        env_int("HUB_HSTS_SECONDS", 0) if env_str("HUB_HSTS_SECONDS", "") else None))
    # proxies in front of the gateway whose X-Forwarded-For/-Proto are believed (0: none, the socket's address)
    trusted_proxies: int = field(default_factory=lambda: env_int("HUB_TRUSTED_PROXIES", 0))
    amqp_uri: str = field(default_factory=amqp_uri)
    redis_url: str = field(default_factory=redis_url)
    public_url: str = field(default_factory=public_url)
    rpc_timeout: float = field(default_factory=lambda: env_float("HUB_RPC_TIMEOUT", 5.0))
    rpc_pool_size: int = field(default_factory=lambda: env_int("HUB_RPC_POOL_SIZE", 32))
    # batches of one hot path travelling at once from this process (hubkit.batching): 2 for a lone process;
    # with several (HUB_GATEWAY_PROCESSES), 1 each keeps the batches large (each costs the services a transaction)
    batches_in_flight: int = field(default_factory=lambda: env_int(
        "HUB_BATCHES_IN_FLIGHT", 2 if env_int("HUB_GATEWAY_PROCESSES", 1) <= 1 else 1))
    services: tuple = field(default_factory=lambda: tuple(
        s for s in env_str("HUB_SERVICES", "accounts").split(",") if s))
    environment: str = field(default_factory=hub_env)
    # Grafana's base URL, for the links of the admin page "État du hub" (none without it)
    dashboards_url: str = field(default_factory=lambda: env_str("HUB_DASHBOARDS_URL", "").strip())

    def __post_init__(self):
        if self.batches_in_flight < 1:  # 0 would never send a batch: every signature and ballot would wait
            raise ValueError("HUB_BATCHES_IN_FLIGHT doit être un nombre entier d'au moins 1 "
                             f"(reçu : {self.batches_in_flight}).")
        for name, value in (("HUB_TRUSTED_PROXIES", self.trusted_proxies), ("HUB_HSTS_SECONDS", self.hsts_seconds)):
            if value is not None and value < 0:
                raise ValueError(f"{name} doit être un nombre entier positif ou nul (reçu : {value}).")
        self.dashboards_url = checked_dashboards_url(self.dashboards_url)
        production = self.environment == "production"
        if self.cookie_secure is None:
            self.cookie_secure = production
        if self.hsts_seconds is None:
            self.hsts_seconds = HSTS_PRODUCTION_SECONDS if production else 0
        if production:
            require_strong_secret("HUB_SECRET_KEY", self.secret_key)  # signs the session cookies
        elif not self.secret_key:
            # local and test runs: a fresh key per process (sessions end on restart)
            self.secret_key = secrets.token_hex(32)

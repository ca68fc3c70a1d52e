"""Gateway settings, from the environment."""
import secrets
from dataclasses import dataclass, field

from hubkit.config import amqp_uri, env_bool, env_float, env_int, env_str, hub_env, public_url, redis_url


@dataclass
class Settings:
    secret_key: str = field(default_factory=lambda: env_str("HUB_SECRET_KEY", ""))
    cookie_secure: bool = field(default_factory=lambda: env_bool("HUB_COOKIE_SECURE", False))
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

    def __post_init__(self):
        if self.batches_in_flight < 1:  # 0 would never send a batch: every signature and ballot would wait
            raise ValueError("HUB_BATCHES_IN_FLIGHT doit être un nombre entier d'au moins 1 "
                             f"(reçu : {self.batches_in_flight}).")
        if not self.secret_key:
            if self.environment == "production":
                raise RuntimeError("HUB_SECRET_KEY must be set in production (signs session cookies).")
            # local and test runs: a fresh key per process (sessions end on restart)
            self.secret_key = secrets.token_hex(32)

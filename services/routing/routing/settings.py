"""The routing service's settings: every ROUTING_* variable it reads, validated once, when the service starts.

Tests build `Settings(undo_seconds=0, ...)` by field name; a process reads the environment with `load_settings()`,
which stops it with a message naming the variable at fault. The hub's infrastructure (database, broker, keys,
public URL) is read by hubkit.
"""
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hubkit.config import hub_env

from .domain.webhooks import ALLOWED_NETWORKS_SETTING, parse_allowed_networks

TRUE_WORDS = ("1", "true", "yes")  # what ROUTING_ALLOW_HTTP_WEBHOOKS accepts as yes (anything else is no)


def _plain_http_by_default() -> bool:
    """Local runs and tests deliver webhooks to http://127.0.0.1; production only to https://."""
    return hub_env() in ("local", "test")


class Settings(BaseSettings):
    """ROUTING_* environment variables (defaults for production); each field names its variable."""
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True, env_ignore_empty=True)

    undo_seconds: int = Field(60, ge=0, validation_alias="ROUTING_UNDO_SECONDS")
    webhook_backoff_seconds: float = Field(30.0, gt=0, validation_alias="ROUTING_WEBHOOK_BACKOFF_SECONDS")
    webhook_max_attempts: int = Field(15, ge=1, validation_alias="ROUTING_WEBHOOK_MAX_ATTEMPTS")
    webhook_timeout_seconds: float = Field(5.0, gt=0, validation_alias="ROUTING_WEBHOOK_TIMEOUT_SECONDS")
    # the length of a deadline "day": shorter only for demos and tests
    day_seconds: int = Field(86400, ge=1, validation_alias="ROUTING_DEADLINE_DAY_SECONDS")
    allow_plain_http: bool = Field(default_factory=_plain_http_by_default,
                                   validation_alias="ROUTING_ALLOW_HTTP_WEBHOOKS")
    # Networks (ip_network) a webhook may reach although not public, e.g. 127.0.0.0/8 for a local demo receiver:
    # empty in every mode, a local run that calls a receiver on 127.0.0.1 says so (dev/run.py).
    webhook_allowed_networks: Annotated[tuple, NoDecode] = Field((), validation_alias=ALLOWED_NETWORKS_SETTING)
    # An open idea the inbox lacks is recovered by reconciliation only once older than this: a younger one's
    # idea_submitted is most likely on its way (recovering it would give it a fresh correlation id).
    reconcile_grace_seconds: float = Field(60.0, ge=0, validation_alias="ROUTING_RECONCILE_GRACE_SECONDS")
    # the service's timers
    sweep_seconds: float = Field(5.0, gt=0, validation_alias="ROUTING_SWEEP_SECONDS")
    delivery_seconds: float = Field(5.0, gt=0, validation_alias="ROUTING_DELIVERY_SECONDS")
    reconcile_seconds: float = Field(300.0, gt=0, validation_alias="ROUTING_RECONCILE_SECONDS")

    @field_validator("allow_plain_http", mode="before")
    @classmethod
    def _yes_or_no(cls, value):
        return value in TRUE_WORDS if isinstance(value, str) else value

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks(cls, value):
        return parse_allowed_networks(value) if isinstance(value, str) else tuple(value)


# pydantic's words for the errors a variable can have, in French (as hubkit.config words them)
PROBLEMS = {"int_parsing": "doit être un nombre entier", "float_parsing": "doit être un nombre",
            "greater_than_equal": "doit être supérieur ou égal à {ge}", "greater_than": "doit être supérieur à {gt}"}


def _problem(error: dict) -> str:
    variable = ".".join(str(part) for part in error["loc"])
    wording = PROBLEMS.get(error["type"])
    if wording is not None:
        told = f"{variable} {wording.format(**error.get('ctx', {}))}"
    else:  # a validator's own message, which names the variable
        told = error["msg"].removeprefix("Value error, ")
    return f"{told} (reçu : {error.get('input')!r})"


def load_settings() -> Settings:
    """The settings from the environment; a bad value stops the process with a message naming its variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise ValueError("Réglages du routage invalides : " + " ; ".join(map(_problem, error.errors()))) from None

"""What the City configures for notifications: one settings object, read from the NOTIFICATIONS_* environment
variables once, when the service starts (`load_settings`), then handed to the use cases. Tests build
`Settings(field=value)`.

The unsubscribe links' key is HUB_NOTIFICATIONS_SECRET (or HUB_NOTIFICATIONS_SECRET_FILE), like the hub's other
secrets: required and strong in production (HUB_ENV=production); elsewhere a fixed development key, so links
written by one local run still work after a restart.
"""
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubkit.config import env_secret, hub_env, require_strong_secret

PREFIX = "NOTIFICATIONS_"
SECRET_VARIABLE = "HUB_NOTIFICATIONS_SECRET"
DEVELOPMENT_SECRET = "dev-only-notifications-key-not-for-production-use"


def _secret_from_environment() -> str:
    return env_secret("HUB_NOTIFICATIONS_SECRET") or ""  # spelt out: tests/contract/test_compose.py reads it


class Settings(BaseSettings):
    """Each field is the environment variable NOTIFICATIONS_<FIELD> (e.g. `digest_seconds`), except `secret`."""
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    secret: str = Field(default_factory=_secret_from_environment, exclude=True, repr=False)
    environment: str = Field(default_factory=hub_env)
    # how often the digest timer looks for people whose weekly digest is due (it sends once per person and week)
    digest_seconds: int = Field(600, ge=1)
    # the digest goes out from this weekday (0: Monday) on, for the week before
    digest_weekday: int = Field(0, ge=0, le=6)
    # digests sent per timer run at most (the rest wait for the next run)
    digest_batch: int = Field(200, ge=1)

    @model_validator(mode="after")
    def _secret_for_the_environment(self):
        if self.environment == "production":
            require_strong_secret(SECRET_VARIABLE, self.secret)
        elif not self.secret:
            object.__setattr__(self, "secret", DEVELOPMENT_SECRET)
        return self


def load_settings() -> Settings:
    """The settings from the environment; a bad value stops the process with a message naming its variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise ValueError(" ".join(_explained(problem) for problem in error.errors())) from None


def _explained(problem: dict) -> str:
    if not problem["loc"]:
        return str((problem.get("ctx") or {}).get("error", problem["msg"]))
    variable = PREFIX + str(problem["loc"][0]).upper()
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "int_parsing":
        expected = "un nombre entier"
    elif kind == "greater_than_equal":
        expected = f"un nombre entier d'au moins {context['ge']}"
    elif kind == "less_than_equal":
        expected = f"un nombre entier d'au plus {context['le']}"
    else:
        expected = problem["msg"]
    return f"{variable} doit être {expected} (reçu : {problem.get('input')!r})."

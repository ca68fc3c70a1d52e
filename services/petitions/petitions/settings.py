"""What the City configures for petitions: one settings object, read from the PETITIONS_* environment variables
once, when the service starts (`load_settings`), then handed to the use cases. Tests build `Settings(field=value)`.

The database URL, the broker, keys and the public URL are the hub's own settings (hubkit.config).
"""
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain import ELIGIBILITY, LIVE_WORK_STUDY

PREFIX = "PETITIONS_"


class Settings(BaseSettings):
    """Each field is the environment variable PETITIONS_<FIELD> (e.g. `threshold`: PETITIONS_THRESHOLD)."""
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    sponsors_required: int = Field(5, ge=0)
    moderation_days: int = Field(7, ge=1)
    open_months: int = Field(12, ge=1)
    threshold: int = Field(5000, ge=1)
    eligibility: str = LIVE_WORK_STUDY
    # signatures per client address and per account: a burst window (one minute) and a sustained one (one hour)
    sign_ip_per_minute: int = Field(30, ge=1)
    sign_ip_per_hour: int = Field(300, ge=1)
    sign_account_per_minute: int = Field(5, ge=1)
    sign_account_per_hour: int = Field(60, ge=1)
    drafts_per_hour: int = Field(5, ge=1)
    # views and acceptances of co-sponsorship links per account: a few petitions a day sponsored, not link guessing
    sponsor_requests_per_hour: int = Field(30, ge=1)
    # how long a petition's chart by arrondissement is kept in a petitions process (0: always recounted)
    chart_cache_seconds: int = Field(2, ge=0)
    # a signer's client address is erased this many days after signing: the fraud view looks back 30 days at
    # most, the rest leaves moderators time to act on a report (docs/security/abuse.md)
    signer_ip_retention_days: int = Field(90, ge=1)
    # how often the timers run: the deadline sweep, and the erasure of signers' addresses past the retention
    sweep_seconds: int = Field(30, ge=1)
    ip_purge_seconds: int = Field(3600, ge=1)

    @field_validator("eligibility")
    @classmethod
    def _known_eligibility(cls, eligibility: str) -> str:
        if eligibility not in ELIGIBILITY:
            raise ValueError(f"l'une des valeurs {sorted(ELIGIBILITY)}")
        return eligibility


def load_settings() -> Settings:
    """The settings from the environment; a bad value stops the process with a message naming its variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise ValueError(" ".join(_explained(problem) for problem in error.errors())) from None


def _explained(problem: dict) -> str:
    variable = PREFIX + str(problem["loc"][0]).upper() if problem["loc"] else PREFIX.rstrip("_")
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "int_parsing":
        expected = "un nombre entier"
    elif kind == "greater_than_equal":
        expected = f"un nombre entier d'au moins {context['ge']}"
    elif kind == "value_error":
        expected = str(context.get("error", problem["msg"]))
    else:
        expected = problem["msg"]
    return f"{variable} doit être {expected} (reçu : {problem.get('input')!r})."

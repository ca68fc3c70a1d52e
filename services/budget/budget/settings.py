"""The budget service's settings: read once from the environment when the service starts (service.py), then handed
to the use cases. A bad value stops the process with a message naming the variable.

Hubkit's own infrastructure (database URL, broker, keys, the hub's public URL) is read by hubkit.
"""
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain import DEFAULT_ORGANISING_DIRECTION, DIRECTION_CODE


class Settings(BaseSettings):
    """Tests build `Settings(submissions_per_day=3)`; the service reads `Settings()` once."""
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True, env_ignore_empty=True)

    # The direction that runs the participatory budget: it owns the projects no delivery direction was named for
    # yet and records the paper ballots. Its format is checked here; whether accounts knows it, by the use cases
    # (accounts owns the directions' table).
    organising_direction: str = Field(DEFAULT_ORGANISING_DIRECTION, pattern=DIRECTION_CODE,
                                      validation_alias="BUDGET_ORGANISING_DIRECTION")
    # Projects a citizen may submit in 24 hours (docs/security/abuse.md).
    submissions_per_day: int = Field(10, ge=1, validation_alias="BUDGET_SUBMISSIONS_PER_DAY")

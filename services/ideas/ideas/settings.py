"""The ideas service's settings, read once from the environment (the same variable names as ever).

A bad value stops the process with pydantic's message, which names the variable. Hubkit's own settings (database
URL, broker, keys, HUB_ENV) stay in hubkit.config.
"""
from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubkit.config import hub_env


def _default_report_min_account_age_days() -> int:
    # 0 in local and test: the demo and the end-to-end tests report with accounts made a minute before
    return 0 if hub_env() in ("local", "test") else 7


class IdeasSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # reports a citizen may make in an hour (a refused one counts: it is what a flood looks like)
    reports_per_hour: int = Field(20, ge=1, validation_alias="IDEAS_REPORTS_PER_HOUR")
    # only reports of accounts at least this old count towards hiding an item (docs/security/abuse.md)
    report_min_account_age_days: int = Field(default_factory=_default_report_min_account_age_days, ge=0,
                                             validation_alias="IDEAS_REPORT_MIN_ACCOUNT_AGE_DAYS")


@cache
def settings() -> IdeasSettings:
    """The settings of this process, read from the environment the first time they are asked for."""
    return IdeasSettings()

"""The accounts service's settings, read once from the environment (the same variable names as ever).

A bad value stops the process with pydantic's message, which names the variable. Hubkit's own settings (database
URL, broker, keys, HUB_ENV) stay in hubkit.config.
"""
from datetime import timedelta
from functools import cache, cached_property

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain import SessionTimeouts


class AccountsSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Password guesses per 15 minutes (docs/security/accounts.md): per client address, and per (account, client
    # address); settable because a library or town-hall kiosk puts many citizens behind one address.
    login_failures_per_ip: int = Field(50, ge=1, validation_alias="ACCOUNTS_LOGIN_FAILURES_PER_IP")
    login_failures_per_account_and_ip: int = Field(5, ge=1,
                                                   validation_alias="ACCOUNTS_LOGIN_FAILURES_PER_ACCOUNT_AND_IP")
    # per client address and per hour
    registrations_per_ip: int = Field(30, ge=1, validation_alias="ACCOUNTS_REGISTRATIONS_PER_IP")
    email_changes_per_account: int = Field(5, ge=1, validation_alias="ACCOUNTS_EMAIL_CHANGES_PER_ACCOUNT")
    email_changes_per_ip: int = Field(20, ge=1, validation_alias="ACCOUNTS_EMAIL_CHANGES_PER_IP")
    # OWASP Session Management Cheat Sheet (idle and absolute timeouts): see docs/security/accounts.md.
    session_idle_hours: int = Field(7 * 24, ge=1, validation_alias="ACCOUNTS_SESSION_IDLE_HOURS")
    session_days: int = Field(30, ge=1, validation_alias="ACCOUNTS_SESSION_DAYS")
    staff_session_idle_minutes: int = Field(30, ge=1, validation_alias="ACCOUNTS_STAFF_SESSION_IDLE_MINUTES")
    staff_session_hours: int = Field(8, ge=1, validation_alias="ACCOUNTS_STAFF_SESSION_HOURS")

    @cached_property
    def citizen_sessions(self) -> SessionTimeouts:
        return SessionTimeouts(idle=timedelta(hours=self.session_idle_hours),
                               absolute=timedelta(days=self.session_days))

    @cached_property
    def staff_sessions(self) -> SessionTimeouts:
        return SessionTimeouts(idle=timedelta(minutes=self.staff_session_idle_minutes),
                               absolute=timedelta(hours=self.staff_session_hours))


@cache
def settings() -> AccountsSettings:
    """The settings of this process, read from the environment the first time they are asked for."""
    return AccountsSettings()

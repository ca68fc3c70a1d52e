"""Use cases of the accounts service, one group per module; each use case runs in one unit of work.

- registration: registering (without telling whether an address has an account), e-mail verification and changes
- sessions: logins, session timeouts, the gateway's session cache
- credentials: password resets and changes
- profile: the profile, certified attributes, what other services read about accounts
- roles: granting and revoking roles, the account search, accounts made from the command line
- gdpr: the personal-data export and the erasure of an account
"""
from .common import UseCases, rules, utcnow
from .credentials import Credentials
from .gdpr import Gdpr
from .profile import Profile
from .registration import Registration
from .roles import Roles

__all__ = ["Accounts", "UseCases", "rules", "utcnow"]


class Accounts(Registration, Credentials, Profile, Roles, Gdpr):
    """Every use case of the accounts service."""

"""Use cases of the accounts service, one group per module; each use case runs in one unit of work.

- registration: registering (without telling whether an address has an account), e-mail verification and changes
- sessions: logins, session timeouts, the gateway's session cache
- credentials: password resets and changes (passwords: hashing them, off the event loop)
- profile: the profile, certified attributes, what other services read about accounts
- roles: granting and revoking roles, the account search, accounts made from the command line
- gdpr: the personal-data export and the erasure of an account

Each group is a class of its own built on one `Context` (unit of work, throttle, session cache, settings, clock); a
group that needs another's help builds it on the same context. `Accounts` builds, for a use case named on it, the
group that holds it: `Accounts(uow, throttle).login(command)`.
"""
from ..settings import settings as process_settings
from .common import Context, UseCases, rules, utcnow
from .credentials import Credentials
from .gdpr import Gdpr
from .profile import Profile
from .registration import Registration
from .roles import Roles
from .sessions import Sessions

__all__ = ["Accounts", "Context", "UseCases", "rules", "utcnow"]


class Accounts:
    """Every use case of the accounts service over one unit of work, each run on a new instance of the group that
    declares it (in its `use_cases`); `settings`: the process's unless given."""
    groups = (Registration, Sessions, Credentials, Profile, Roles, Gdpr)
    group_of = {name: group for group in groups for name in group.use_cases}

    def __init__(self, uow, throttle, clock=utcnow, session_cache=None, settings=None):
        self.context = Context(uow, throttle, session_cache, settings or process_settings(), clock)

    def __getattr__(self, name: str):
        group = self.group_of.get(name)
        if group is None:
            raise AttributeError(f"Accounts has no use case {name!r}")
        return getattr(group(self.context), name)


if len(Accounts.group_of) != sum(len(group.use_cases) for group in Accounts.groups):
    raise TypeError("accounts: a use case is declared by two groups")

"""Roles (granted and revoked by admins, audited), the account search, and the accounts made from the command line.

The account search (admins and agents) never lists e-mail addresses: a fragment matches pseudonyms only and the
results carry ids, pseudonyms, roles and directions; a whole address is an exact lookup, the only answer with
addresses, recorded in `email_lookups` (who, when, which address, how many results) and never logged.
"""
import sqlalchemy as sa

from hubkit.errors import NotFound

from .. import domain, events
from ..models import Account, EmailLookup, RoleAssignment, RoleChange
from . import passwords
from .common import UseCases, rules
from .profile import Profile


class Roles(UseCases):
    use_cases = ("grant_role", "revoke_role", "search_accounts", "create_verified_account", "ensure_role",
                 "create_admin")

    def __init__(self, context):
        super().__init__(context)
        self.profile = Profile(context)

    def grant_role(self, actor_id, command: dict) -> dict:
        admin = self._require_role(actor_id, "admin")
        account = self._account(command["account_id"], for_update=True)
        with rules():
            domain.check_grant(command["role"], command["direction"])
        self._grant(account, command["role"], command["direction"], by=admin.id)
        return self.profile.account_view(account)

    def _grant(self, account: Account, role: str, direction: str | None, by: str | None):
        now = self.clock()
        if self.session.get(RoleAssignment, (account.id, role)) is None:
            self.session.add(RoleAssignment(account_id=account.id, role=role, granted_by=by, granted_at=now))
        if role == "agent":
            account.direction = direction
        self.session.add(RoleChange(account_id=account.id, role=role, direction=direction, action="granted",
                                    changed_by=by, changed_at=now))
        self._forget_sessions(account.id)
        self.session.flush()
        self.uow.emit(events.ROLE_GRANTED, events.subject(account.id),
                      {"account_id": account.id, "role": role, "direction": direction},
                      actor=events.actor(by, "admin" if by else "system"))

    def revoke_role(self, actor_id, command: dict) -> dict:
        admin = self._require_role(actor_id, "admin")
        account = self._account(command["account_id"], for_update=True)
        admins = self.session.execute(sa.select(sa.func.count()).select_from(RoleAssignment).where(
            RoleAssignment.role == "admin")).scalar_one()
        with rules():
            domain.check_revoke(command["role"], is_last_admin=admins <= 1)
        assignment = self.session.get(RoleAssignment, (account.id, command["role"]))
        if assignment is None:
            raise NotFound("Ce compte n'a pas ce rôle.")
        self.session.delete(assignment)
        if command["role"] == "agent":
            account.direction = None
        self.session.add(RoleChange(account_id=account.id, role=command["role"], action="revoked",
                                    changed_by=admin.id, changed_at=self.clock()))
        self._forget_sessions(account.id)
        self.session.flush()
        self.uow.emit(events.ROLE_REVOKED, events.subject(account.id),
                      {"account_id": account.id, "role": command["role"]}, actor=events.actor(admin.id, "admin"))
        return self.profile.account_view(account)

    def search_accounts(self, actor_id, query: dict) -> list:
        searcher = self._require_role(actor_id, "admin", "agent")
        text = query["query"].strip()
        exact = domain.is_whole_address(text)
        statement = sa.select(Account).where(Account.status == "active")
        if exact:
            statement = statement.where(Account.email == domain.normalise_email(text))
        elif text:  # pseudonyms only: matching a fragment of the addresses would let one guess them
            pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(sa.func.lower(Account.pseudonym).like(pattern, escape="\\"))
        if query["role"] and query["role"] != "citizen":
            statement = statement.join(RoleAssignment).where(RoleAssignment.role == query["role"])
        statement = statement.order_by(Account.created_at.desc()).limit(query["limit"]).offset(query["offset"])
        found = [self.profile.account_view(account) for account in self.session.execute(statement).scalars()]
        if exact:
            self.session.add(EmailLookup(looked_up_by=searcher.id, looked_up_at=self.clock(),
                                         email=domain.normalise_email(text), results=len(found)))
            self.session.flush()
            return found
        return [_without_address(view) for view in found]

    def create_verified_account(self, email: str, password: str, pseudonym: str) -> Account:
        """From the command line only (first admin, demo accounts): the e-mail counts as verified."""
        email = domain.normalise_email(email)
        account = self._by_email(email)
        if account is not None:
            return account
        with rules():
            pseudonym = domain.check_pseudonym(pseudonym)
            domain.check_password(password, email, pseudonym)
        self._check_pseudonym_free(pseudonym)
        now = self.clock()
        password_hash = passwords.hash_password(password)
        account = Account(email=email, password_hash=password_hash, pseudonym=pseudonym,
                          pseudonym_key=domain.pseudonym_key(pseudonym), status="active",
                          certification=domain.DECLARED, created_at=now, updated_at=now, email_verified_at=now)
        self.session.add(account)
        self.session.flush()
        self.uow.emit(events.ACCOUNT_REGISTERED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(None, "system"))
        return account

    def ensure_role(self, account: Account, role: str, direction: str | None = None):
        with rules():
            domain.check_grant(role, direction)
        if role not in self.roles_of(account.id):
            self._grant(account, role, direction, by=None)

    def create_admin(self, email: str, password: str, pseudonym: str) -> Account:
        account = self.create_verified_account(email, password, pseudonym)
        self.ensure_role(account, "admin")
        return account


def _without_address(view: dict) -> dict:
    """A search result from a fragment: who the account is, not how to reach it."""
    return {key: value for key, value in view.items() if key not in ("email", "email_verified", "pending_email")}

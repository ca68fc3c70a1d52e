"""nameko entrypoints of the accounts service: load the schema, run the use case, dump the result."""

from hubkit.correlation import Correlation
from hubkit.db import Database
from hubkit.mail import MailRelayProvider
from hubkit.metrics import EntrypointMetrics
from hubkit.outbox import OutboxRelayProvider
from hubkit.service_base import Infrastructure, rpc
from hubkit.sessions import SessionCacheProvider
from hubkit.throttle import RedisThrottle
from hubkit.validation import load

from . import SERVICE_NAME, domain, schemas
from .business_metrics import count_login
from .handlers import Accounts
from .models import Base
from .settings import settings

# Read once, when the service is loaded: a bad value stops the process with a message naming the variable.
SETTINGS = settings()
# Built once (building a schema deep-copies its fields; an instance holds no per-call state): the schemas of the
# hot paths, the internal calls other services make for every batch.
ACTOR = schemas.ActorSchema()
ACCOUNT_ID = schemas.AccountIdSchema()
ACCOUNT_IDS = schemas.AccountIdsSchema()


def actor_id(value) -> str:
    return str(load(ACTOR, {"actor_id": value})["actor_id"])


class AccountsService(Infrastructure):
    name = SERVICE_NAME

    correlation = Correlation()
    metrics = EntrypointMetrics()
    db = Database(SERVICE_NAME, Base.metadata)
    outbox = OutboxRelayProvider()
    mails = MailRelayProvider()
    throttle = RedisThrottle()
    session_cache = SessionCacheProvider()

    def _accounts(self, uow) -> Accounts:
        return Accounts(uow, self.throttle, session_cache=self.session_cache, settings=SETTINGS)

    @rpc
    def reference_data(self):
        """Roles and the City's directions (for the forms that grant them), its arrondissements and their postcodes:
        the hub's one copy of this reference data, which other services read from here."""
        return {"roles": list(domain.ROLES), "grantable_roles": list(domain.GRANTABLE_ROLES),
                "directions": [{"code": code, "name": name} for code, name in domain.DIRECTIONS.items()],
                "arrondissements": domain.arrondissements()}

    @rpc
    def register(self, data):
        command = load(schemas.RegisterSchema(), data)
        with self.db as uow:
            return self._accounts(uow).register(command)

    @rpc
    def verify_email(self, data):
        token = load(schemas.TokenSchema(), data)["token"]
        with self.db as uow:
            accounts = self._accounts(uow)
            return schemas.AccountSchema().dump(accounts.account_view(accounts.verify_email(token)))

    @rpc
    def resend_verification(self, data):
        command = load(schemas.EmailSchema(), data)
        with self.db as uow:
            self._accounts(uow).resend_verification(command)
        return {"status": "sent_if_pending"}

    @rpc
    def login(self, data):
        command = load(schemas.LoginSchema(), data)
        with count_login(), self.db as uow:
            return schemas.LoginResultSchema().dump(self._accounts(uow).login(command))

    @rpc
    def resolve_session(self, data):
        token = load(schemas.TokenSchema(), data)["token"]
        with self.db as uow:
            return schemas.PrincipalSchema().dump(self._accounts(uow).resolve_session(token))

    @rpc
    def logout(self, data):
        token = load(schemas.TokenSchema(), data)["token"]
        with self.db as uow:
            self._accounts(uow).logout(token)
        return {"status": "logged_out"}

    @rpc
    def list_sessions(self, actor, current_session_id=None):
        with self.db as uow:
            return schemas.SessionSchema(many=True).dump(
                self._accounts(uow).list_sessions(actor_id(actor), current_session_id))

    @rpc
    def revoke_session(self, actor, data):
        session_id = load(schemas.SessionIdSchema(), data)["session_id"]
        with self.db as uow:
            self._accounts(uow).revoke_session(actor_id(actor), session_id)
        return {"status": "revoked"}

    @rpc
    def request_password_reset(self, data):
        command = load(schemas.EmailSchema(), data)
        with self.db as uow:
            self._accounts(uow).request_password_reset(command)
        return {"status": "sent_if_known"}

    @rpc
    def reset_password(self, data):
        command = load(schemas.ResetPasswordSchema(), data)
        with self.db as uow:
            self._accounts(uow).reset_password(command)
        return {"status": "password_reset"}

    @rpc
    def change_password(self, actor, session_id, data):
        command = load(schemas.ChangePasswordSchema(), data)
        with self.db as uow:
            self._accounts(uow).change_password(actor_id(actor), session_id, command)
        return {"status": "password_changed"}

    @rpc
    def request_email_change(self, actor, data):
        command = load(schemas.ChangeEmailSchema(), data)
        with self.db as uow:
            self._accounts(uow).request_email_change(actor_id(actor), command)
        return {"status": "confirmation_sent"}

    @rpc
    def confirm_email_change(self, data):
        token = load(schemas.TokenSchema(), data)["token"]
        with self.db as uow:
            accounts = self._accounts(uow)
            return schemas.AccountSchema().dump(accounts.account_view(accounts.confirm_email_change(token)))

    @rpc
    def get_account(self, actor):
        with self.db as uow:
            return schemas.AccountSchema().dump(self._accounts(uow).get_account(actor_id(actor)))

    @rpc
    def update_profile(self, actor, data):
        changes = load(schemas.ProfileUpdateSchema(), data)
        with self.db as uow:
            return schemas.AccountSchema().dump(self._accounts(uow).update_profile(actor_id(actor), changes))

    @rpc
    def certify_attributes(self, actor, data):
        account_id = load(schemas.AccountIdSchema(), data)["account_id"]
        with self.db as uow:
            return schemas.AccountSchema().dump(self._accounts(uow).certify_attributes(actor_id(actor), account_id))

    @rpc
    def eligibility_attributes(self, data):
        account_id = load(ACCOUNT_ID, data)["account_id"]
        with self.db as uow:
            return schemas.dump_eligibility_attributes(self._accounts(uow).eligibility_attributes(account_id))

    @rpc
    def eligibility_attributes_many(self, data):
        """Internal: the attributes of up to 500 accounts at once (deleted and unknown ones are absent)."""
        account_ids = load(ACCOUNT_IDS, data)["account_ids"]
        with self.db as uow:
            attributes = self._accounts(uow).eligibility_attributes_many(account_ids)
        return schemas.dump_eligibility_attributes_many(attributes)

    @rpc
    def email_domains(self, data):
        """Internal (petitions' anti-fraud view; never exposed by the gateway): e-mail domains of up to 500
        accounts, never their addresses."""
        account_ids = load(schemas.AccountIdsSchema(), data)["account_ids"]
        with self.db as uow:
            return schemas.EmailDomainSchema(many=True).dump(self._accounts(uow).email_domains(account_ids))

    @rpc
    def notify(self, data):
        """Internal: another service e-mails accounts it knows by id (never exposed by the gateway)."""
        command = load(schemas.NotificationSchema(), data)
        with self.db as uow:
            return {"queued": self._accounts(uow).notify(command)}

    @rpc
    def public_profiles(self, data):
        account_ids = load(schemas.AccountIdsSchema(), data)["account_ids"]
        with self.db as uow:
            return schemas.PublicProfileSchema(many=True).dump(self._accounts(uow).public_profiles(account_ids))

    @rpc
    def grant_role(self, actor, data):
        command = load(schemas.RoleChangeSchema(), data)
        with self.db as uow:
            return schemas.AccountSchema().dump(self._accounts(uow).grant_role(actor_id(actor), command))

    @rpc
    def revoke_role(self, actor, data):
        command = load(schemas.RoleChangeSchema(), data)
        with self.db as uow:
            return schemas.AccountSchema().dump(self._accounts(uow).revoke_role(actor_id(actor), command))

    @rpc
    def search_accounts(self, actor, data):
        query = load(schemas.AccountSearchSchema(), data)
        with self.db as uow:
            return schemas.AccountSummarySchema(many=True).dump(
                self._accounts(uow).search_accounts(actor_id(actor), query))

    @rpc
    def export_personal_data(self, actor):
        with self.db as uow:
            return self._accounts(uow).export_personal_data(actor_id(actor))

    @rpc
    def delete_account(self, actor, data):
        command = load(schemas.PasswordConfirmationSchema(), data)
        with self.db as uow:
            self._accounts(uow).delete_account(actor_id(actor), command)
        return {"status": "deleted"}

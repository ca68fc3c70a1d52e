"""The personal-data export and the erasure of an account (GDPR)."""
import sqlalchemy as sa

from hubkit.errors import Conflict

from .. import domain, events
from ..models import EmailLookup, OneTimeToken, PseudonymReservation, RoleAssignment, RoleChange, Session
from .common import UseCases, _iso, aware
from .profile import Profile


class Gdpr(UseCases):
    use_cases = ("export_personal_data", "delete_account")

    def __init__(self, context):
        super().__init__(context)
        self.profile = Profile(context)

    def export_personal_data(self, actor_id) -> dict:
        account = self._account(actor_id)
        sessions = self.session.execute(sa.select(Session).where(Session.account_id == account.id)).scalars()
        role_history = self.session.execute(sa.select(RoleChange).where(
            RoleChange.account_id == account.id).order_by(RoleChange.id)).scalars()
        lookups = self.session.execute(sa.select(EmailLookup).where(
            EmailLookup.looked_up_by == account.id).order_by(EmailLookup.id)).scalars()
        view = self.profile.account_view(account)
        return {
            "account": {**view, "birth_date": _iso(view["birth_date"]), "created_at": _iso(view["created_at"]),
                        "certification": {**view["certification"],
                                          "verified_at": _iso(view["certification"]["verified_at"])},
                        "email_verified_at": _iso(aware(account.email_verified_at)),
                        "updated_at": _iso(aware(account.updated_at))},
            "sessions": [{"id": s.id, "kind": s.kind, "label": s.label, "created_at": _iso(aware(s.created_at)),
                          "last_seen_at": _iso(aware(s.last_seen_at)), "expires_at": _iso(aware(s.expires_at)),
                          "revoked_at": _iso(aware(s.revoked_at))} for s in sessions],
            "role_history": [{"role": r.role, "direction": r.direction, "action": r.action,
                              "changed_at": _iso(aware(r.changed_at))} for r in role_history],
            # a staff member's own exact-address lookups (docs/security/directions.md)
            "email_lookups": [{"email": lookup.email, "results": lookup.results,
                               "looked_up_at": _iso(aware(lookup.looked_up_at))} for lookup in lookups],
        }

    def delete_account(self, actor_id, command: dict):
        account = self._account(actor_id, for_update=True)
        self._check_password(account, command["password"], command["client"])
        if "admin" in self.roles_of(account.id):
            admins = self.session.execute(sa.select(sa.func.count()).select_from(RoleAssignment).where(
                RoleAssignment.role == "admin")).scalar_one()
            if admins <= 1:
                raise Conflict("Le dernier administrateur ne peut pas supprimer son compte.", code="LAST_ADMIN")
        role = self._top_role(account.id)
        mails_table, headers_table = self.uow._tables["mails"], self.uow._tables.get("mail_headers")
        unsent = sa.select(mails_table.c.id).where(mails_table.c.recipient == account.email,
                                                   mails_table.c.sent_at.is_(None))
        if headers_table is not None:  # their unsubscribe links name the account
            self.session.execute(headers_table.delete().where(headers_table.c.mail_id.in_(unsent)))
        self.session.execute(mails_table.delete().where(mails_table.c.id.in_(unsent)))
        self._forget_sessions(account.id)
        for model in (Session, OneTimeToken, RoleAssignment, PseudonymReservation):
            self.session.execute(sa.delete(model).where(model.account_id == account.id))
        for column in ("email", "email_verified_at", "password_hash", "pseudonym", "pseudonym_key", "birth_date",
                       "lives_in_paris", "address_line", "postcode", "arrondissement", "certified_by",
                       "certified_at", "direction"):
            setattr(account, column, None)
        account.status, account.certification = "deleted", domain.DECLARED
        account.deleted_at = account.updated_at = self.clock()
        self.uow.emit(events.ACCOUNT_DELETED, events.subject(account.id), {"account_id": account.id},
                      actor=events.actor(account.id, role))



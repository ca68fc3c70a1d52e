"""Tables of the accounts database."""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hubkit.tables import add_infrastructure_tables, add_mail_headers_table


class Base(DeclarativeBase):
    pass


add_infrastructure_tables(Base.metadata)
add_mail_headers_table(Base.metadata)  # notifications' List-Unsubscribe


def new_id() -> str:
    return str(uuid.uuid4())


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(sa.String(16), default="active")  # active | deleted
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    email_verified_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    pseudonym: Mapped[str | None] = mapped_column(sa.String(40))
    pseudonym_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    birth_date = mapped_column(sa.Date, nullable=True)
    lives_in_paris: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    address_line: Mapped[str | None] = mapped_column(sa.String(200))
    postcode: Mapped[str | None] = mapped_column(sa.String(5))
    arrondissement: Mapped[int | None] = mapped_column(sa.SmallInteger)
    certification: Mapped[str] = mapped_column(sa.String(16), default="declared")
    certified_by: Mapped[str | None] = mapped_column(sa.String(36))
    certified_at = mapped_column(sa.DateTime(timezone=True), nullable=True)
    direction: Mapped[str | None] = mapped_column(sa.String(16))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    deleted_at = mapped_column(sa.DateTime(timezone=True), nullable=True)


class RoleAssignment(Base):
    __tablename__ = "role_assignments"

    account_id: Mapped[str] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    granted_by: Mapped[str | None] = mapped_column(sa.String(36))
    granted_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class PseudonymReservation(Base):
    """A pseudonym tried at a registration with an address that already had an account: held for that account as
    a new account would hold it, so that trying the pseudonym again does not reveal the address was known."""
    __tablename__ = "pseudonym_reservations"

    pseudonym_key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    reserved_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class RoleChange(Base):
    """Audit trail of grants and revocations (ids only)."""
    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    direction: Mapped[str | None] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(8))  # granted | revoked
    changed_by: Mapped[str | None] = mapped_column(sa.String(36))
    changed_at = mapped_column(sa.DateTime(timezone=True), nullable=False)


class EmailLookup(Base):
    """Audit of the account search's exact-address lookups: who looked up which address, when, and how many
    accounts it found (the only search that shows e-mail addresses)."""
    __tablename__ = "email_lookups"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    looked_up_by: Mapped[str] = mapped_column(sa.String(36), index=True)
    looked_up_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    email: Mapped[str] = mapped_column(sa.String(254))
    results: Mapped[int] = mapped_column(sa.Integer)


class Session(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # browser | api
    label: Mapped[str | None] = mapped_column(sa.String(120))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    last_seen_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    expires_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    revoked_at = mapped_column(sa.DateTime(timezone=True), nullable=True)


class OneTimeToken(Base):
    """E-mail verification, password reset and e-mail change links (digests only)."""
    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))  # verify_email | reset_password | change_email
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    expires_at = mapped_column(sa.DateTime(timezone=True), nullable=False)
    used_at = mapped_column(sa.DateTime(timezone=True), nullable=True)

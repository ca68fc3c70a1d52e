"""E-mail: real SMTP to a configurable host, or a folder of .eml files for local runs.

`HUB_MAIL_URL`: `smtp://[user:password@]host:port[?starttls=1]`, `smtps://…` (TLS from the first byte), or
`file:///path/to/folder` (default: `var/mail`; with HUB_ENV=local each link is also logged so `make run` works
without a mail server: nowhere else, a link signs someone in or resets a password). TLS verifies the server's
certificate and name (`ssl.create_default_context()`). Mails are queued in the sender's transaction
(`UnitOfWork.queue_mail`) and sent by `MailRelay` with retries, once each however many replicas run it.
"""
import logging
import re
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import sqlalchemy as sa
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from . import metrics
from .config import env_str, hub_env, mail_url
from .db import utcnow
from .tables import infrastructure_tables

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://\S+")
SENDER = "Hub de la participation <ne-pas-repondre@participation.paris.local>"


# headers a sender may add to its mails (hubkit.db.UnitOfWork.queue_mail): never those the hub sets itself
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post"})
HEADER_VALUE = re.compile(r"[\x20-\x7e]{1,2000}\Z")  # printable ASCII on one line: no header injection


def build_message(recipient: str, subject: str, body: str, sender: str = SENDER, headers: dict = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = env_str("HUB_MAIL_FROM", sender)
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="participation.paris.local")
    for name, value in (headers or {}).items():
        if name not in EXTRA_HEADERS or not HEADER_VALUE.match(str(value)):
            raise ValueError(f"mail header refused: {name}")
        message[name] = value
    message.set_content(body)
    return message


class SmtpTransport:
    def __init__(self, host, port, username=None, password=None, starttls=False, timeout=10, implicit_tls=False):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout, self.implicit_tls = starttls, timeout, implicit_tls

    def tls_context(self) -> ssl.SSLContext:
        # smtplib's starttls() without a context checks neither the certificate nor the name: anyone on the path
        # could read the one-time links
        return ssl.create_default_context()

    def connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: EmailMessage):
        with self.connect() as smtp:
            if self.starttls and not self.implicit_tls:
                smtp.starttls(context=self.tls_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class FolderTransport:
    """Writes each mail to a .eml file; in local mode (HUB_ENV=local) also logs its links, so `make run` needs
    no mail server. Never elsewhere: logs travel further than the folder and outlive the links' owners."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.log_links = hub_env() == "local"

    def send(self, message: EmailMessage):
        self.folder.mkdir(parents=True, exist_ok=True)
        name = utcnow().strftime("%Y%m%dT%H%M%S%f") + ".eml"
        path = self.folder / name
        path.write_bytes(bytes(message))
        if self.log_links:
            links = LINK.findall(message.get_content())
            log.info("mail written to %s; links: %s", path, " ".join(links), extra={"mail_file": str(path)})
        else:
            log.info("mail written to %s", path, extra={"mail_file": str(path)})


def transport_from_url(url: str = None):
    url = url or mail_url()  # production refuses the folder and a missing setting (hubkit.config)
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FolderTransport(Path(unquote(parsed.path)))
    if parsed.scheme in ("smtp", "smtps"):
        options = parse_qs(parsed.query)
        implicit_tls = parsed.scheme == "smtps"
        return SmtpTransport(parsed.hostname or "127.0.0.1", parsed.port or (465 if implicit_tls else 25),
                             unquote(parsed.username) if parsed.username else None,
                             unquote(parsed.password) if parsed.password else None,
                             starttls=options.get("starttls", ["0"])[0] in ("1", "true"), implicit_tls=implicit_tls)
    raise ValueError(f"HUB_MAIL_URL must start with smtp://, smtps:// or file://, got {parsed.scheme}://")


class MailRelay:
    """Sends queued mails; a failed one is retried with a growing delay, the others still go.

    Safe with several replicas on one PostgreSQL database: a short transaction claims a few due mails
    (`FOR UPDATE SKIP LOCKED`, so replicas take different rows and never wait for each other), leases them
    (`next_attempt_at` pushed `lease_seconds` ahead, the attempt counted) and commits; the mails are sent after,
    holding no lock, and each is marked sent (or rescheduled) in a transaction of its own. A process that dies
    between claim and send leaves its mails leased: another relay sends them once the lease ran out, never two
    relays at once. The lease outlasts a claim's sends (`claim_size` mails, each at most a few SMTP timeouts);
    a mail whose sending outlived it could go twice, which is the price of never losing one. SQLite (one
    process per database) takes the same path without the row locks."""

    max_attempts = 8
    claim_size = 20
    lease_seconds = 300

    def __init__(self, session_factory, metadata, service_name: str, transport=None, clock=utcnow,
                 lease_seconds: float = None):
        self.session_factory = session_factory
        tables = infrastructure_tables(metadata)
        self.mails, self.mail_headers = tables["mails"], tables.get("mail_headers")
        self.service_name = service_name
        self.transport = transport or transport_from_url()
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds or self.lease_seconds)
        self._lock = Semaphore()

    def send_pending(self) -> int:
        """Send every due mail this relay can claim; returns how many were delivered."""
        sent = 0
        with self._lock:
            while True:
                claimed = self._claim()
                sent += sum(self._send(row, headers) for row, headers in claimed)
                if len(claimed) < self.claim_size:
                    return sent

    def _claim(self) -> list:
        """Due mails, leased to this relay in a transaction of their own (committed before any is sent)."""
        mails, now = self.mails, self.clock()
        with self.session_factory() as session:
            query = (sa.select(mails.c.id, mails.c.recipient, mails.c.subject, mails.c.body, mails.c.attempts)
                     .where(mails.c.sent_at.is_(None), mails.c.next_attempt_at <= now,
                            mails.c.attempts < self.max_attempts)
                     .order_by(mails.c.id).limit(self.claim_size))
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if rows:
                session.execute(mails.update().where(mails.c.id.in_([row.id for row in rows])).values(
                    attempts=mails.c.attempts + 1, next_attempt_at=now + self.lease))
                session.commit()
            headers = self._headers_of(session, [row.id for row in rows])
            return [(row, headers.get(row.id)) for row in rows]

    def _headers_of(self, session, mail_ids: list) -> dict:
        """{mail id: its extra headers} of the mails that have some."""
        if self.mail_headers is None or not mail_ids:
            return {}
        table = self.mail_headers
        return dict(session.execute(sa.select(table.c.mail_id, table.c.headers)
                                    .where(table.c.mail_id.in_(mail_ids))).all())

    def _send(self, row, headers: dict = None) -> bool:
        mails = self.mails
        try:
            self.transport.send(build_message(row.recipient, row.subject, row.body, headers=headers))
        except Exception as error:
            delay = timedelta(seconds=min(3600, 5 * 2 ** row.attempts))
            values = {"next_attempt_at": self.clock() + delay, "last_error": str(error)[:2000]}
            metrics.MAIL_FAILURES.labels(self.service_name).inc()
            log.warning("mail delivery failed, will retry", extra={"mail_id": row.id, "error": str(error)})
        else:
            # the body may hold a one-time link: once delivered it is not kept
            values = {"sent_at": self.clock(), "body": "", "recipient": "(envoyé)"}
            metrics.MAILS_SENT.labels(self.service_name).inc()
        with self.session_factory() as session:
            session.execute(mails.update().where(mails.c.id == row.id, mails.c.sent_at.is_(None)).values(**values))
            if headers and "sent_at" in values:  # an unsubscribe link is the recipient's: not kept either
                session.execute(self.mail_headers.delete().where(self.mail_headers.c.mail_id == row.id))
            session.commit()
        return "sent_at" in values


class MailRelayProvider(DependencyProvider):
    """Sends queued mails right after the commit that queued them, and on a timer (`poll`)."""

    def __init__(self, database_attr: str = "db"):
        self.database_attr = database_attr

    def setup(self):
        self._database = next(dep for dep in self.container.dependencies if dep.attr_name == self.database_attr)
        self._database.after_commit.append(self._wake)

    def start(self):
        self.relay = MailRelay(self._database.session_factory, self._database.metadata, self.container.service_name)

    def _wake(self, unit):
        if unit.committed_mails:
            self.container.spawn_managed_thread(self._send_quietly, identifier="mail-relay")

    def _send_quietly(self):
        try:
            self.relay.send_pending()
        except Exception:
            log.exception("mail relay run failed; the next poll retries")

    def get_dependency(self, worker_ctx):
        return self

    def poll(self) -> int:
        return self.relay.send_pending()

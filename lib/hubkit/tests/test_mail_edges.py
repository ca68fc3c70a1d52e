"""Mail at the edges: STARTTLS verifies the server's certificate and name (a real aiosmtpd with STARTTLS in its own
process), and the folder transport logs mail links only in local mode."""
import email
import email.policy
import logging
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hubkit.mail import FolderTransport, SmtpTransport, build_message, transport_from_url
from hubkit.testing import free_port, wait_for_port

LINK = "http://127.0.0.1:8000/compte/reinitialiser?token=secret-one-time-token-0123456789"


def make_certificate(folder: Path, name: str) -> tuple:
    """A self-signed certificate for `name` (and nothing else): (certificate, key)."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def starttls_server():
    """An SMTP server offering STARTTLS with a certificate for `localhost`: (port, certificate, maildir)."""
    folder = Path(tempfile.mkdtemp(prefix="hub-smtp-tls-"))
    cert, key = make_certificate(folder, "localhost")
    port, maildir = free_port(), folder / "Maildir"
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                "--tlscert", str(cert), "--tlskey", str(key),
                                "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, cert, maildir
    finally:
        process.terminate()
        process.wait(10)


def delivered(maildir: Path) -> list:
    return list((maildir / "new").glob("*")) if (maildir / "new").exists() else []


def message():
    return build_message("camille@example.fr", "Réinitialisation", f"Votre lien : {LINK}")


def test_starttls_refuses_a_certificate_no_authority_signed(starttls_server):
    port, _, maildir = starttls_server
    before = len(delivered(maildir))
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpTransport("localhost", port, starttls=True).send(message())
    assert len(delivered(maildir)) == before


def test_starttls_refuses_a_trusted_certificate_for_another_name(starttls_server, monkeypatch):
    port, cert, maildir = starttls_server
    transport = SmtpTransport("127.0.0.1", port, starttls=True)  # the certificate names localhost only
    monkeypatch.setattr(transport, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    with pytest.raises(ssl.SSLCertVerificationError):
        transport.send(message())


def test_starttls_delivers_to_a_server_whose_certificate_verifies(starttls_server, monkeypatch):
    port, cert, maildir = starttls_server
    before = len(delivered(maildir))
    transport = SmtpTransport("localhost", port, starttls=True)
    monkeypatch.setattr(transport, "tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    transport.send(message())
    assert len(delivered(maildir)) == before + 1


def test_the_default_context_verifies_certificates_and_names():
    context = SmtpTransport("localhost", 25, starttls=True).tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_mail_urls_choose_the_transport():
    starttls = transport_from_url("smtp://user:p%40ss@mail.example.fr:587?starttls=1")
    assert (starttls.host, starttls.port, starttls.password, starttls.starttls, starttls.implicit_tls) == (
        "mail.example.fr", 587, "p@ss", True, False)
    implicit = transport_from_url("smtps://mail.example.fr")
    assert (implicit.port, implicit.implicit_tls) == (465, True)
    with pytest.raises(ValueError, match="HUB_MAIL_URL"):
        transport_from_url("http://mail.example.fr")


@pytest.mark.parametrize("environment", ["production", "test"])
def test_the_folder_transport_never_logs_links_outside_local_mode(environment, monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("HUB_ENV", environment)
    with caplog.at_level(logging.DEBUG, logger="hubkit.mail"):
        FolderTransport(tmp_path).send(message())
    assert caplog.records and "token" not in caplog.text and "http" not in caplog.text
    written = email.message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=email.policy.default)
    assert LINK in written.get_content()  # the mail itself keeps its link


def test_the_folder_transport_logs_links_in_local_mode(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("HUB_ENV", "local")
    with caplog.at_level(logging.INFO, logger="hubkit.mail"):
        FolderTransport(tmp_path).send(message())
    assert LINK in caplog.text


"""`amqps://` and `rediss://`: the hub's connections verify the server's certificate chain and host name.

A throwaway CA and a certificate for `localhost` (openssl). For AMQP, a TLS listener that counts completed
handshakes stands in for the broker (the shared RabbitMQ has no TLS listener, and its configuration is not
ours to change): kombu, given hubkit.config.amqp_ssl's options as nameko is (AMQP_SSL), completes a handshake
only with the right CA and host name. For Redis, a redis-server of the test's own with a TLS port and the
hub's ACL users.
"""
import importlib.util
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import redis
from kombu import Connection

from hubkit.config import amqp_ssl, nameko_config
from hubkit.throttle import connect

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# A TLS server that prints a line per completed handshake, then closes (it is no broker).
HANDSHAKES = """
import socket, ssl, sys
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
while True:
    client, _ = listener.accept()
    try:
        with context.wrap_socket(client, server_side=True):
            print("handshake", flush=True)
    except (ssl.SSLError, OSError):
        client.close()
"""


def _load(name: str, relative: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def openssl(*arguments, cwd):
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates():
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed")
    directory = Path(tempfile.mkdtemp(prefix="hub-tls-"))
    try:
        for ca in ("ca", "other-ca"):
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
                    "-days", "1", "-subj", f"/CN=hub test {ca}", cwd=directory)
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost", cwd=directory)
        (directory / "san.ext").write_text("subjectAltName=DNS:localhost\n", encoding="utf-8")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "1", "-extfile", "san.ext", cwd=directory)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def tls_listener(certificates):
    process = subprocess.Popen([sys.executable, "-c", HANDSHAKES, str(certificates / "server.pem"),
                                str(certificates / "server.key")], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline())
        yield port, process.stdout
    finally:
        process.terminate()
        process.wait(timeout=10)


def amqps_handshake(uri: str, listener_output) -> str:
    """Connect with the options nameko gets; 'handshake' if the TLS handshake completed, else the client's error."""
    client_error = ""
    try:
        Connection(uri, ssl=amqp_ssl(uri), connect_timeout=5).connect()
    except Exception as error:  # the listener is no broker: after a handshake, the AMQP exchange fails
        client_error = f"{type(error).__name__}: {error}"
    if "CERTIFICATE_VERIFY_FAILED" in client_error or "certificate verify failed" in client_error:
        return client_error
    return listener_output.readline().strip()


def test_amqp_tls_options_reach_nameko(monkeypatch):
    monkeypatch.setenv("HUB_AMQP_URI", "amqps://accounts:pw@rabbitmq.example:5671/hub")
    monkeypatch.setenv("HUB_AMQP_CA_FILE", "/run/secrets/broker-ca.pem")
    config = nameko_config("accounts", 8101)
    assert config["AMQP_SSL"]["server_hostname"] == "rabbitmq.example"
    assert config["AMQP_SSL"]["ca_certs"] == "/run/secrets/broker-ca.pem"
    monkeypatch.setenv("HUB_AMQP_URI", "amqp://accounts:pw@rabbitmq:5672/hub")
    assert nameko_config("accounts", 8101)["AMQP_SSL"] is None


def test_amqps_verifies_the_brokers_certificate_and_host_name(certificates, tls_listener, monkeypatch):
    port, output = tls_listener
    monkeypatch.setenv("HUB_AMQP_CA_FILE", str(certificates / "ca.pem"))
    assert amqps_handshake(f"amqps://accounts:pw@localhost:{port}/hub", output) == "handshake"
    # the certificate names localhost, not 127.0.0.1
    assert "match" in amqps_handshake(f"amqps://accounts:pw@127.0.0.1:{port}/hub", output).lower()
    monkeypatch.setenv("HUB_AMQP_CA_FILE", str(certificates / "other-ca.pem"))
    assert "certificate verify failed" in amqps_handshake(f"amqps://accounts:pw@localhost:{port}/hub", output)
    monkeypatch.delenv("HUB_AMQP_CA_FILE")  # the system's CAs do not know the test's CA
    assert "certificate verify failed" in amqps_handshake(f"amqps://accounts:pw@localhost:{port}/hub", output)


def test_rediss_with_an_acl_user(certificates):
    redis_users = _load("hub_redis_users", "deploy/redis/users.py")
    passwords = {user.name: secrets.token_urlsafe(18) for user in redis_users.USERS}
    acl = certificates / "users.acl"
    acl.write_text(redis_users.acl_file(passwords, secrets.token_urlsafe(18), "hub"), encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(certificates), "--aclfile", str(acl),
         "--tls-cert-file", str(certificates / "server.pem"), "--tls-key-file", str(certificates / "server.key"),
         "--tls-ca-cert-file", str(certificates / "ca.pem"), "--tls-auth-clients", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"rediss://accounts:{passwords['accounts']}@localhost:{port}/0"
        trusted = f"{url}?ssl_ca_certs={certificates / 'ca.pem'}"
        _wait(lambda: connect(trusted).ping(), process)
        client = connect(trusted)
        assert client.set("hub:session:x", "1", ex=10) and client.get("hub:session:x") == "1"
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.get("other:x")
        with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
            connect(url).ping()  # the system's CAs do not know the test's CA
        with pytest.raises(redis.ConnectionError, match="(?i)match"):
            connect(trusted.replace("@localhost:", "@127.0.0.1:")).ping()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(probe, process):
    import time
    deadline = time.monotonic() + 10
    while True:
        try:
            return probe()
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_the_gateway_pool_and_the_outbox_relay_pass_the_same_tls_options(monkeypatch):
    """The gateway's RPC pool and the outbox relay open connections of their own: over amqps they check the
    broker's host name too, not only its certificate chain."""
    import sqlalchemy as sa

    from hubkit import outbox
    from hubkit.rpc import RpcPool
    from hubkit.tables import add_infrastructure_tables
    uri = "amqps://hub:secret@broker.example:5671/hub"
    assert RpcPool(uri).config["AMQP_SSL"]["server_hostname"] == "broker.example"
    assert RpcPool("amqp://guest:guest@127.0.0.1:5672/").config["AMQP_SSL"] is None
    opened = []

    class Refused(Exception):
        pass

    def recording_connection(url, **options):
        opened.append((url, options))
        raise Refused()
    monkeypatch.setattr(outbox, "Connection", recording_connection)
    metadata = sa.MetaData()
    add_infrastructure_tables(metadata)
    relay = outbox.OutboxRelay(None, metadata, "accounts", amqp=uri)
    with pytest.raises(Refused):
        relay._confirm_channel()
    assert opened[0][1]["ssl"]["server_hostname"] == "broker.example"
    assert opened[0][1]["ssl"]["cert_reqs"] == __import__("ssl").CERT_REQUIRED

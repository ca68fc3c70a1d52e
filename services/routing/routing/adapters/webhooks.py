"""Calling a scheme's webhook, only at checked addresses (docs/security/webhooks.md).

The hub calls only public addresses (or ROUTING_WEBHOOK_ALLOWED_NETWORKS): the scheme's host is resolved, every
address checked (domain.webhooks), and the connection made to a checked address (so a DNS answer changed in between
is never used), with the Host header and the TLS certificate check on the host's name. Redirects are never followed
and the answer's body is never read: only its status line and headers, which http.client bounds.

Written on http.client rather than requests/urllib3 (docs/architecture.md says why).
"""
import http.client
import socket
import ssl
from urllib.parse import urlsplit

from ..domain import webhooks
from ..domain.access import RuleBroken


class ForbiddenWebhookTarget(ValueError):
    """The webhook's host resolves to an address the hub may not call (the delivery fails, with this reason)."""


def resolve_addresses(host: str, port: int) -> list:
    """Every address the host's name resolves to (IPv4 and IPv6), in the resolver's order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(sockaddr[0] for _family, _type, _proto, _name, sockaddr in found))


def _target(url: str) -> tuple:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("webhook URL without http(s) scheme or host")
    return parts, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def check_webhook_url(url: str, allowed_networks: tuple = ()) -> None:
    """At save time: the URL's host resolves, and only to addresses the hub may call (else RuleBroken on
    `webhook_url`, naming the host)."""
    try:
        _parts, host, port = _target(url)
    except ValueError:  # a port that is no number, or out of range
        raise RuleBroken("Adresse du webhook invalide.", "webhook_url") from None
    webhooks.check_webhook_host(host)
    try:
        addresses = resolve_addresses(host, port)
    except OSError:
        raise RuleBroken(f"« {host} » ne correspond à aucune adresse (DNS).", "webhook_url") from None
    webhooks.check_webhook_addresses(host, addresses, allowed_networks)


def _checked_addresses(host: str, port: int, allowed_networks: tuple) -> list:
    """At each delivery, after resolving again: the addresses the call may use (a failed resolution is an
    OSError, retried later)."""
    try:
        webhooks.check_webhook_host(host)
        addresses = resolve_addresses(host, port)
        webhooks.check_webhook_addresses(host, addresses, allowed_networks)
    except RuleBroken as broken:
        raise ForbiddenWebhookTarget(f"{broken.message} Rien n'a été envoyé.") from None
    return addresses


def _connect_to_one_of(addresses: list, port: int, timeout: float) -> socket.socket:
    failure = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
    raise failure


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked addresses, never resolving the host's name again."""

    def __init__(self, host: str, port: int, addresses: list, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect_to_one_of(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host's name (SNI too), not the address."""

    def __init__(self, host: str, port: int, addresses: list, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self):
        sock = _connect_to_one_of(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float, allowed_networks: tuple) -> int:
    """POST the dossier; the receiver's HTTP status (any: a 3xx is an answer, never followed, so the signed body
    is never sent elsewhere). OSError when it cannot be reached, ForbiddenWebhookTarget (a ValueError) when its
    host resolves to an address the hub may not call: then nothing is sent.
    `allowed_networks`: Settings.webhook_allowed_networks (ROUTING_WEBHOOK_ALLOWED_NETWORKS)."""
    parts, host, port = _target(url)
    addresses = _checked_addresses(host, port, allowed_networks)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(host, port, addresses, timeout)
    try:
        connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                           headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()

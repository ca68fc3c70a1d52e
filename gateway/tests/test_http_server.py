"""The gateway's own WSGI server (gateway.server, as `python -m gateway` serves) on a free port, spoken to with a
raw socket: what eventlet answers before Flask sees the request has the hub's status and error body too."""
import json
import socket

import eventlet
import pytest

from gateway.server import MAX_HEADER_LINE, MAX_URL_LENGTH, serve


@pytest.fixture
def server(app):
    listener = eventlet.listen(("127.0.0.1", 0))
    thread = eventlet.spawn(serve, listener, app, max_connections=10)
    yield listener.getsockname()[1]
    thread.kill()
    listener.close()


def exchange(port: int, request: bytes) -> tuple:
    """Send `request`, read until the server closes (or 5 s): (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if length and len(body) >= int(length[0].split(b":")[1]):
                break
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def assert_hub_error(answer, status: int, code: str):
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"].startswith("application/json")
    document = json.loads(body)
    assert document == {"error": code, "message": document["message"], "details": {}} and document["message"]


def test_an_ordinary_request_is_served(server):
    status, headers, body = exchange(server, b"GET /api/v1/nothing-here HTTP/1.1\r\nHost: hub\r\n"
                                             b"Connection: close\r\n\r\n")
    assert status == 404 and json.loads(body)["error"] == "NOT_FOUND"


def test_a_url_longer_than_the_limit_is_a_414_with_the_hub_s_body(server):
    path = "/api/v1/budget/projects?q=" + "a" * MAX_URL_LENGTH
    answer = exchange(server, f"GET {path} HTTP/1.1\r\nHost: hub\r\n\r\n".encode())
    assert_hub_error(answer, 414, "URI_TOO_LONG")


def test_a_url_just_under_the_limit_reaches_the_app(server):
    path = "/api/v1/nothing-here?q=" + "a" * (MAX_URL_LENGTH - 100)
    status, _, _ = exchange(server, f"GET {path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n".encode())
    assert status == 404


def test_a_header_line_longer_than_the_limit_is_a_431(server):
    request = f"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Long: {'b' * MAX_HEADER_LINE}\r\n\r\n".encode()
    assert_hub_error(exchange(server, request), 431, "HEADERS_TOO_LARGE")


def test_headers_too_large_in_total_are_a_431(server):
    headers = "".join(f"X-Part-{n}: {'c' * 7000}\r\n" for n in range(12))  # 84 KiB: over eventlet's 64 KiB
    request = f"GET /healthz HTTP/1.1\r\nHost: hub\r\n{headers}\r\n".encode()
    assert_hub_error(exchange(server, request), 431, "HEADERS_TOO_LARGE")


def test_too_many_headers_are_a_431(server):
    headers = "".join(f"X-H{n}: v\r\n" for n in range(150))  # http.client accepts 100
    request = f"GET /healthz HTTP/1.1\r\nHost: hub\r\n{headers}\r\n".encode()
    assert_hub_error(exchange(server, request), 431, "HEADERS_TOO_LARGE")


def test_a_malformed_request_line_is_a_400_with_the_hub_s_body(server):
    assert_hub_error(exchange(server, b"NONSENSE\r\n\r\n"), 400, "BAD_REQUEST")
    assert_hub_error(exchange(server, b"GET / HTTP/9.9.9\r\n\r\n"), 400, "BAD_REQUEST")


def test_an_unsupported_method_is_a_405_through_the_real_server(server):
    status, headers, body = exchange(server, b"TRACE /api/v1/budget/projects HTTP/1.1\r\nHost: hub\r\n"
                                             b"Connection: close\r\n\r\n")
    assert status == 405 and "GET" in headers["allow"] and json.loads(body)["error"] == "METHOD_NOT_ALLOWED"

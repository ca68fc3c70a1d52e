"""The webhook call itself, against a real local HTTP server: any status comes back, redirects are not followed,
an unreachable receiver is an OSError (the delivery is retried later)."""
import http.server
import threading

import pytest

from hubkit.testing import free_port
from routing.delivery import post


class Receiver(http.server.BaseHTTPRequestHandler):
    answers, received = [], []

    def do_POST(self):
        Receiver.received.append((self.path, dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
        status = Receiver.answers.pop(0)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.answers, Receiver.received = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_statuses_come_back_and_redirects_are_not_followed(receiver):
    Receiver.answers = [500, 204, 302]
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=ab"}
    assert post(f"{receiver}/hook", b'{"a": 1}', headers, 5) == 500
    assert post(f"{receiver}/hook", b'{"a": 1}', headers, 5) == 204
    assert post(f"{receiver}/hook", b'{"a": 1}', headers, 5) == 302
    assert [path for path, _, _ in Receiver.received] == ["/hook"] * 3  # never /elsewhere
    assert Receiver.received[0][1]["X-Hub-Signature-256"] == "sha256=ab" and Receiver.received[0][2] == b'{"a": 1}'


def test_an_unreachable_receiver_raises_os_error():
    with pytest.raises(OSError):
        post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {}, 2)

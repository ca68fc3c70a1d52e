"""The webhook call itself, against a real local HTTP server: any status comes back, redirects are not followed,
an unreachable receiver is an OSError (the delivery is retried later); the receiver's host is resolved and checked
at each call, the connection goes to the address checked, and a forbidden one is never called."""
import http.server
import threading
import uuid

import pytest
from nameko.testing.services import worker_factory

from hubkit.envelope import make_event
from hubkit.testing import free_port
from routing.adapters import webhooks as delivery
from routing.adapters.webhooks import ForbiddenWebhookTarget, post
from routing.domain import webhooks as webhook_rules
from routing.handlers import Catalogue, Context, DecisionEffects, Decisions, Receiving
from routing.settings import Settings

LOCAL = webhook_rules.parse_allowed_networks("127.0.0.0/8")
ADMIN = {"account_id": "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9", "roles": ["citizen", "admin"], "direction": None}
AGENT = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "roles": ["citizen", "agent"], "direction": "DEVE"}


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
    assert post(f"{receiver}/hook", b'{"a": 1}', headers, 5, LOCAL) == 500
    assert post(f"{receiver}/hook?scheme=deve", b'{"a": 1}', headers, 5, LOCAL) == 204
    assert post(f"{receiver}/hook", b'{"a": 1}', headers, 5, LOCAL) == 302
    assert [path for path, _, _ in Receiver.received] == ["/hook", "/hook?scheme=deve", "/hook"]  # never /elsewhere
    assert Receiver.received[0][1]["X-Hub-Signature-256"] == "sha256=ab" and Receiver.received[0][2] == b'{"a": 1}'


def test_an_unreachable_receiver_raises_os_error():
    with pytest.raises(OSError):
        post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {}, 2, LOCAL)


def test_ssrf_a_receiver_on_loopback_is_not_called_without_the_allow_list(receiver):
    Receiver.answers = [200]
    for allowed in ((), Settings().webhook_allowed_networks, webhook_rules.parse_allowed_networks("10.0.0.0/8")):
        with pytest.raises(ForbiddenWebhookTarget) as refused:
            post(f"{receiver}/hook", b"{}", {}, 2, allowed)
        assert "« 127.0.0.1 »" in str(refused.value) and "Rien n'a été envoyé" in str(refused.value)
    assert Receiver.received == []
    opened = Settings(webhook_allowed_networks="127.0.0.0/8").webhook_allowed_networks  # as the variable reads
    assert post(f"{receiver}/hook", b"{}", {}, 2, opened) == 200


def test_the_name_is_resolved_at_each_call_and_the_checked_address_is_the_one_connected(receiver, monkeypatch):
    """DNS rebinding: a name that was public when saved, and resolves to loopback later, is refused; the name
    resolved once per call is connected by its checked address, with the name kept as Host."""
    port = int(receiver.rsplit(":", 1)[1])
    answers = {"hook.example.org": [["127.0.0.1"]]}

    def resolve(host, _port):
        return answers[host].pop(0)
    monkeypatch.setattr(delivery, "resolve_addresses", resolve)
    monkeypatch.setattr(delivery.socket, "getaddrinfo", lambda *args, **kwargs: pytest.fail("resolved twice"))
    Receiver.answers = [200]
    with pytest.raises(ForbiddenWebhookTarget, match="« hook.example.org »"):
        post(f"http://hook.example.org:{port}/hook", b"{}", {}, 2, ())
    answers["hook.example.org"] = [["127.0.0.1"]]
    assert post(f"http://hook.example.org:{port}/hook", b"{}", {}, 2, LOCAL) == 200
    [(path, headers, _)] = Receiver.received
    assert headers["Host"] == f"hook.example.org:{port}"


def test_tls_is_checked_against_the_host_name_not_the_address(monkeypatch):
    """The connection to a pinned address still verifies the certificate of the name (and sends it as SNI)."""
    wrapped, contexts = [], []
    real_context = delivery.ssl.create_default_context

    def checking_context():
        context = real_context()

        def wrap_socket(sock, server_hostname):
            wrapped.append(server_hostname)
            sock.close()
            raise OSError("certificate check stands in here")
        context.wrap_socket = wrap_socket
        contexts.append(context)
        return context
    monkeypatch.setattr(delivery.ssl, "create_default_context", checking_context)
    monkeypatch.setattr(delivery, "_connect_to_one_of", lambda addresses, port, timeout: __import__("socket").socket())
    monkeypatch.setattr(delivery, "resolve_addresses", lambda host, port: ["93.184.215.14"])
    with pytest.raises(OSError, match="certificate check"):
        post("https://dossiers.example.org/hook", b"{}", {}, 2, ())
    assert wrapped == ["dossiers.example.org"]
    [context] = contexts
    assert context.check_hostname and context.verify_mode == delivery.ssl.CERT_REQUIRED


# --- the service's sweep, as it runs ----------------------------------------------------------------------

class Database:
    """The service's `db` dependency on the test database: each `with` is a unit of work."""

    def __init__(self, store):
        self.store, self.current = store, []

    def __enter__(self):
        self.current.append(self.store.uow())
        return self.current[-1].__enter__()

    def __exit__(self, *failure):
        return self.current.pop().__exit__(*failure)


def forwarded_to_greening_permit(store, ideas, directions, url: str):
    settings = Settings(undo_seconds=0, allow_plain_http=True, webhook_allowed_networks=LOCAL)
    idea_id = str(uuid.uuid4())
    ideas.add(idea_id, "Végétaliser la rue Manin", "Des jardinières devant l'école.")
    envelope = make_event(type="idea_submitted", version=1, producer="ideas", subject={"kind": "idea", "id": idea_id},
                          payload={"idea_id": idea_id, "theme": "environnement", "arrondissement": 19},
                          actor={"account_id": None, "role": "citizen"}, correlation_id="req-1", causation_id="req-1")
    with store.uow() as uow:
        Catalogue(Context(uow, settings, directions)).update_scheme(ADMIN, {"code": "greening_permit",
                                                                           "webhook_url": url})
    with store.uow() as uow:
        Receiving(Context(uow, settings, directions)).receive_idea(envelope, ideas.get_idea({"idea_id": idea_id}))
    with store.uow() as uow:
        decision = Decisions(Context(uow, settings, directions)).decide(AGENT, {
            "idea_id": idea_id, "action": "forward", "scheme": "greening_permit", "message": "",
            "reason_code": None, "duplicate_of": None, "idempotency_key": uuid.uuid4().hex})
    with store.uow() as uow:
        DecisionEffects(Context(uow, settings, directions)).apply_decision(decision["id"])


def test_ssrf_the_sweep_records_a_refused_address_as_a_failure_and_sends_nothing(store, ideas, directions, receiver,
                                                                                monkeypatch):
    from routing import service
    forwarded_to_greening_permit(store, ideas, directions, f"{receiver}/dossiers")
    Receiver.answers = [200]
    monkeypatch.setattr(service, "SETTINGS", Settings(webhook_allowed_networks=()))
    worker = worker_factory(service.RoutingService, db=Database(store))
    worker.deliver_webhooks()
    [row] = store.rows("webhook_deliveries")
    assert row.delivered_at is None and row.attempts == 1 and row.last_status is None
    assert row.last_error.startswith("ForbiddenWebhookTarget: « 127.0.0.1 » mène à une adresse interdite")
    assert "ROUTING_WEBHOOK_ALLOWED_NETWORKS" in row.last_error and Receiver.received == []
    assert store.one("dossiers").status == "sent"


def test_the_sweep_delivers_to_a_local_receiver_the_allow_list_opens(store, ideas, directions, receiver,
                                                                     monkeypatch):
    from routing import service
    forwarded_to_greening_permit(store, ideas, directions, f"{receiver}/dossiers")
    Receiver.answers = [204]
    monkeypatch.setattr(service, "SETTINGS", Settings(webhook_allowed_networks=LOCAL))
    worker = worker_factory(service.RoutingService, db=Database(store))
    worker.deliver_webhooks()
    [row] = store.rows("webhook_deliveries")
    assert row.delivered_at is not None and row.last_error is None and len(Receiver.received) == 1
    assert store.one("dossiers").status == "delivered"

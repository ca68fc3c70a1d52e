"""« Agir » on the running platform: a Paris resident's request to the greening permit, sent from its page, opens a
dossier that reaches the scheme's real local HTTP receiver by the same signed webhook as a forwarded idea's (failing
once, delivered on retry, once), with the request as written and nothing personal; the scheme's signed answer then
shows on the person's dossier page. Its own platform: the routing settings below are read when its processes start."""
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
from pathlib import Path

import pytest
import requests

from hubkit.testing import Platform, free_port

from .people import administrator, csrf_token, pages_session, read_mail_link, resident, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = {path.parent.name: path.parent for path in sorted(ROOT.glob("services/*/*/__main__.py"))
            if path.parent.name == path.parent.parent.name}
# sweeps every half second, a retry after 1 s; the receiver listens on 127.0.0.1
ROUTING_ENV = {"ROUTING_DELIVERY_SECONDS": "0.5", "ROUTING_WEBHOOK_BACKOFF_SECONDS": "1",
               "ROUTING_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}


@pytest.fixture(scope="module")
def hub():
    platform = Platform(SERVICES, "sqlite", settings=ROUTING_ENV)
    yield platform
    platform.stop()


class SchemeSystem(http.server.BaseHTTPRequestHandler):
    """The greening permit's system: answers 500 to the first dossier call, 200 after; keeps what it got."""
    calls = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        SchemeSystem.calls.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        self.send_response(500 if len(SchemeSystem.calls) == 1 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def scheme_system():
    SchemeSystem.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), SchemeSystem)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_direct_request_is_delivered_signed_after_a_failed_call_and_its_answer_shown(hub, scheme_system):
    admin = administrator(hub, "admin.agir").headers
    url = f"http://127.0.0.1:{scheme_system.server_address[1]}/dossiers"
    scheme = requests.patch(f"{hub.url}/api/v1/routing/schemes/greening_permit", headers=admin,
                            json={"webhook_url": url, "rotate_secret": True})
    assert scheme.status_code == 200, scheme.text
    secret = scheme.json()["webhook_secret"]
    gardener = resident(hub, read_mail_link, "Jardinier")
    pages = pages_session(hub, gardener.email)
    form = pages.get(f"{hub.url}/agir/greening_permit").text
    token = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    sent = {"csrf_token": csrf_token(form), "idempotency_key": token, "title": "Jardinière rue Manin",
            "description": "Une jardinière de fleurs vivaces devant l'école, entretenue par les parents.",
            "arrondissement": "19", "location": "Devant l'école maternelle", "fields.support": "planter",
            "fields.upkeep": "on"}
    opened = pages.post(f"{hub.url}/agir/greening_permit", data=sent, allow_redirects=False)
    assert opened.status_code == 302, opened.text[:2000]
    reference = opened.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"DEVE-\d{4}-\d{6,}", reference)
    # the same form sent again (a double click, a retried request): the same dossier, nothing sent twice
    again = pages.post(f"{hub.url}/agir/greening_permit", data=sent, allow_redirects=False)
    assert again.headers["Location"].endswith(f"/agir/dossiers/{reference}")

    def delivered():
        return "act-state--delivered" in pages.get(f"{hub.url}/agir/dossiers/{reference}").text
    assert wait_for(delivered, 30)
    time.sleep(2)  # a few more delivery sweeps: nothing is sent again
    assert len(SchemeSystem.calls) == 2
    for call in SchemeSystem.calls:
        headers = call["headers"]
        assert headers["x-hub-delivery"] == reference and headers["x-hub-event"] == "dossier_created"
        expected = hmac.new(secret.encode(), headers["x-hub-timestamp"].encode() + b"." + call["body"],
                            hashlib.sha256).hexdigest()
        assert headers["x-hub-signature-256"] == f"sha256={expected}"
    document = json.loads(SchemeSystem.calls[-1]["body"])
    assert document["subject_kind"] == "direct_request" and document["idea_id"] is None
    assert document["title"] == "Jardinière rue Manin" and document["location"] == "Devant l'école maternelle"
    assert {"code": "upkeep", "label": "Je m'engage à entretenir les plantations (charte de végétalisation)",
            "value": True, "value_label": "oui"} in document["fields"]
    assert gardener.email not in SchemeSystem.calls[-1]["body"].decode() and "12 rue Manin" not in str(document)

    answer = json.dumps({"answer": "Permis accordé : une jardinière.", "status": "granted"}).encode()
    timestamp = str(int(time.time()))
    answer_path = f"/api/v1/routing/dossiers/{reference}/answer"
    signature = "sha256=" + hmac.new(secret.encode(), f"POST\n{answer_path}\n{timestamp}\n".encode() + answer,
                                     hashlib.sha256).hexdigest()
    answered = requests.post(f"{hub.url}{answer_path}", data=answer, headers={
        "Content-Type": "application/json", "X-Hub-Timestamp": timestamp, "X-Hub-Signature-256": signature})
    assert answered.status_code == 200, answered.text
    page = pages.get(f"{hub.url}/agir/dossiers/{reference}").text
    assert "Permis accordé : une jardinière." in page and "Réponse reçue" in page
    # another person never reads it
    neighbour = pages_session(hub, resident(hub, read_mail_link, "Voisin").email)
    assert neighbour.get(f"{hub.url}/agir/dossiers/{reference}").status_code == 404

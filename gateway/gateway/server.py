"""The gateway's WSGI server: eventlet's, with the hub's error body on the answers it writes itself.

eventlet.wsgi refuses a request line over `url_length_limit` (414), a header line over MAX_HEADER_LINE or
headers over MAX_TOTAL_HEADER_SIZE (answered as bare 400s), and malformed request lines or more than 100
headers (http.server's HTML page) before the request reaches Flask. These answers get the status a client
expects (414, 431, 400) and the body of every other error, `{"error", "message", "details"}`.
"""
import json
from http import HTTPStatus

from eventlet import wsgi

from .errors import error_body

MAX_URL_LENGTH = wsgi.MAX_REQUEST_LINE  # 8 KiB: the request line, method and version included
MAX_HEADER_LINE = wsgi.MAX_HEADER_LINE  # 8 KiB for one header line
_DRAIN_LIMIT = 64 * 1024


class JsonErrorProtocol(wsgi.HttpProtocol):
    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            self._drain_line()
            self.write_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return b""  # eventlet then closes the connection without writing its own answer
        return line

    def parse_request(self):
        try:
            return super().parse_request()
        except (wsgi.HeaderLineTooLong, wsgi.HeadersTooLarge):
            self.write_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            return False

    def send_error(self, code, message=None, explain=None):
        """http.server's answer to a malformed request line or too many headers, with the hub's body."""
        self.write_error(HTTPStatus(code))

    def write_error(self, status: HTTPStatus):
        body = json.dumps(error_body(status.value), ensure_ascii=False).encode("utf-8")
        head = (f"HTTP/1.1 {status.value} {status.phrase}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "X-Content-Type-Options: nosniff\r\n"
                "Connection: close\r\n\r\n").encode("ascii")
        self.close_connection = 1
        self.wfile.write(head + body)
        self.wfile.flush()

    def _drain_line(self):
        """Read on (bounded) to the end of the refused line: closing a socket with unread input sends a reset,
        and the client could lose the answer with it."""
        drained = 0
        try:
            while drained < _DRAIN_LIMIT:
                chunk = self.rfile.readline(MAX_URL_LENGTH)
                drained += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    return
        except OSError:
            return


def serve(listener, app, max_connections: int):
    """Serve `app` on `listener` until the process ends (the gateway's one way to serve)."""
    wsgi.server(listener, app, protocol=JsonErrorProtocol, log_output=False, max_size=max_connections,
                keepalive=True, socket_timeout=30, url_length_limit=MAX_URL_LENGTH)

"""The gateway's WSGI server: eventlet's, with the hub's error body on the answers it writes itself.

eventlet.wsgi refuses a request line over `url_length_limit` (414), a header line over MAX_HEADER_LINE or
headers over MAX_TOTAL_HEADER_SIZE (answered as bare 400s), and malformed request lines or more than 100
headers (http.server's HTML page) before the request reaches Flask. These answers get the status a client
expects (414, 431, 400) and the body of every other error, `{"error", "message", "details"}`.

It also stops gracefully (GracefulStop): eventlet.wsgi has no drain of its own, but it ends its accept loop on an
ESHUTDOWN from accept(), then closes the idle keep-alive connections, lets the busy ones finish their request and
waits for its pool. GracefulStop shuts the listening socket (the kernel refuses new connections from then on and the
waiting accept wakes), turns that into the ESHUTDOWN eventlet expects, and bounds the wait on the pool.

Every accepted connection has TCP_NODELAY (issue 17): eventlet writes an answer through a 16 KiB buffer, so an
answer over 16 KiB leaves in two writes; with Nagle's algorithm on, the second waits for the ACK of the first, which
a keep-alive client delays by up to 40 ms (it is waiting for the rest of the answer). Fresh connections escaped it
(quick ACKs at a connection's start), hence 80-88 ms against 33-37 ms for the same page
(bench/keepalive_latency.py measures both).
"""
import errno
import json
import logging
import os
import socket
import time
from http import HTTPStatus

import eventlet
from eventlet import wsgi
from eventlet.hubs import trampoline
from eventlet.patcher import original

from .errors import error_body

log = logging.getLogger("gateway")
_unpatched_os = original("os")
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


class StoppableListener:
    """The listening socket as wsgi.server sees it; once stopped, accept() ends the server's loop (ESHUTDOWN)."""

    no_delay = True  # TCP_NODELAY on each accepted connection (the module's docstring); the bench turns it off

    def __init__(self, sock):
        self._sock, self.stopped = sock, False

    def accept(self):
        try:
            connection, address = self._sock.accept()
        except OSError:
            if self.stopped:  # a shut listening socket fails its accept with EINVAL, which eventlet would raise
                raise OSError(errno.ESHUTDOWN, "listener stopped") from None
            raise
        if self.no_delay and connection.family in (socket.AF_INET, socket.AF_INET6):
            try:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # the peer already left: eventlet finds out at its first read
                pass
        return connection, address

    def stop(self):
        self.stopped = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # no new connection from now on; a waiting accept wakes
        except OSError:
            pass

    def __getattr__(self, name):
        return getattr(self._sock, name)


class GracefulStop:
    """On `begin()` (SIGTERM): `on_stopping()` at once (readiness turns false), then after `grace` seconds (for a
    load balancer to notice) the listener stops, the busy connections finish their request, for at most `timeout`
    seconds, and `serve()` returns."""

    def __init__(self, listener, grace: float, timeout: float, on_stopping=lambda: None, max_connections: int = 1000):
        self.listener = StoppableListener(listener)
        self.pool = eventlet.GreenPool(max_connections)
        self.grace, self.timeout, self.on_stopping = grace, timeout, on_stopping
        self.begun = False

    def begin(self):
        if self.begun:
            return
        self.begun = True
        self.on_stopping()
        eventlet.spawn_n(self._drain)

    def waker(self):
        """A function for a signal handler to call: it writes a byte to a pipe that a green thread waits on, which
        then begins. (A handler runs in whatever green thread was current, often the hub between two waits: a green
        thread spawned there would only run once something else woke the hub, maybe a minute later.)"""
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)

        def wait_for_the_signal():
            trampoline(read_end, read=True)
            self.begin()

        def wake():
            try:  # the unpatched write: eventlet's green one may not run in the hub, where a handler often runs
                _unpatched_os.write(write_end, b"!")
            except BlockingIOError:  # the pipe is full of earlier signals: the green thread is woken already
                pass
        eventlet.spawn_n(wait_for_the_signal)
        return wake

    def _drain(self):
        log.info("stopping: not ready any more", extra={"grace_seconds": self.grace, "pid": os.getpid()})
        eventlet.sleep(self.grace)
        self.listener.stop()
        started = time.monotonic()
        with eventlet.Timeout(self.timeout, False):
            self.pool.waitall()
        cut = list(self.pool.coroutines_running)
        for connection in cut:  # past the timeout: the process must end, as the orchestrator will kill it anyway
            connection.kill()
        log.info("stopped accepting; in-flight requests done", extra={
            "waited_seconds": round(time.monotonic() - started, 3), "cut_short": len(cut), "pid": os.getpid()})


def serve(listener, app, max_connections: int, stop: GracefulStop = None):
    """Serve `app` on `listener` until `stop` (built on the same listener) ran its course, or the process ends."""
    stop = stop or GracefulStop(listener, 0, 0, max_connections=max_connections)
    wsgi.server(stop.listener, app, protocol=JsonErrorProtocol, log_output=False, custom_pool=stop.pool,
                keepalive=True, socket_timeout=30, url_length_limit=MAX_URL_LENGTH)

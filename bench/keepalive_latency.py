"""Keep-alive against fresh connections on the gateway's own server (issue 17, TCP_NODELAY).

The gateway's WSGI server (gateway.server.serve, as `python -m gateway` runs it) answers a page of a given size; the
same request is timed on one kept-alive connection and on a new connection each time, with TCP_NODELAY off (the
server before issue 17) and on (now). Prints one JSON document: p50/p95 in ms per size, mode and connection kind,
and the keep-alive/fresh ratio of the medians.

    .venv/bin/python bench/keepalive_latency.py                 # 4 KiB and 30 KiB pages, 60 requests each
    .venv/bin/python bench/keepalive_latency.py --sizes 30000 --requests 200
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from gateway.server import GracefulStop, serve  # noqa: E402


def page_of(size: int):
    body = (b"<p>" + b"x" * 96 + b"</p>\n") * (size // 104 + 1)
    body = body[:size]

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]
    return app


def timed(requests: int, fresh: bool, port: int) -> list:
    durations, connection = [], None
    for _ in range(requests):
        started = time.perf_counter()
        if connection is None or fresh:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/page")
        answer = connection.getresponse()
        answer.read()
        durations.append((time.perf_counter() - started) * 1000)
        if fresh:
            connection.close()
    connection.close()
    return durations


def figures(durations: list) -> dict:
    ordered = sorted(durations)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2)}


def measure(size: int, no_delay: bool, requests: int) -> dict:
    listener = eventlet.listen(("127.0.0.1", 0))
    stop = GracefulStop(listener, 0, 0, max_connections=10)
    stop.listener.no_delay = no_delay
    server = eventlet.spawn(serve, listener, page_of(size), 10, stop)
    port = listener.getsockname()[1]
    try:
        timed(5, False, port)  # warm-up
        keep_alive, fresh = timed(requests, False, port), timed(requests, True, port)
    finally:
        server.kill()
        listener.close()
    result = {"keep_alive": figures(keep_alive), "fresh": figures(fresh)}
    result["keep_alive_over_fresh"] = round(result["keep_alive"]["p50_ms"] / max(result["fresh"]["p50_ms"], 0.01), 2)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4096,30000", help="page sizes in bytes, comma-separated")
    parser.add_argument("--requests", type=int, default=60)
    options = parser.parse_args()
    report = {}
    for size in (int(value) for value in options.sizes.split(",")):
        report[f"{size}_bytes"] = {"tcp_nodelay_off": measure(size, False, options.requests),
                                   "tcp_nodelay_on": measure(size, True, options.requests)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

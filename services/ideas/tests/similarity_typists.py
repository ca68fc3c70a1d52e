"""Citizens typing ideas, as a process of their own (test_loop_stays_free.py starts it): `count` clients, each asking
the ideas service for similar ideas again and again through the gateway's signed RPC client, until stdin closes.
Prints one line per answered request (the test counts them). Outside the test's process, as the gateway is outside
the service's: only the service's own work lands on its event loop.

python services/ideas/tests/similarity_typists.py AMQP_URI COUNT TEXTS.json"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from eventlet.hubs import trampoline  # noqa: E402

from hubkit.rpc import SignedClusterRpcProxy  # noqa: E402


def type_ideas(uri: str, number: int, count: int, texts: list, running: list):
    with SignedClusterRpcProxy({"AMQP_URI": uri, "serializer": "json"}, timeout=60) as cluster:
        position = number
        while running:
            title, description = texts[position % len(texts)]
            found = cluster.ideas.similar_ideas({"title": title, "description": description})["items"]
            print(len(found), flush=True)
            position += count


def stop_when_stdin_closes(running: list):
    """The test closes our stdin to stop us: the requests under way end, no new one starts (waited for green:
    a plain read of stdin would stop every green thread of the process)."""
    trampoline(sys.stdin.fileno(), read=True)
    running.clear()


def main():
    os.nice(10)  # their browsers and the gateway are elsewhere in production: the machine's CPU goes to the service
    uri, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, encoding="utf-8") as handle:
        texts = json.load(handle)
    running = [True]
    typists = [eventlet.spawn(type_ideas, uri, number, count, texts, running) for number in range(count)]
    eventlet.spawn(stop_when_stdin_closes, running)
    for typist in typists:
        typist.wait()


if __name__ == "__main__":
    main()

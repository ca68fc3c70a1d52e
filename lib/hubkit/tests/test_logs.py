"""JSON-lines logging: one parseable line per record, with the correlation ids and the record's extras."""
import io
import json
import logging

import pytest

from hubkit import correlation, logs


@pytest.fixture
def lines():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    flags = {name: getattr(logging, name) for name in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")}
    logs.configure("gateway")
    written = io.StringIO()
    root.handlers[0].setStream(written)  # stdout, in production
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, value in flags.items():
        setattr(logging, name, value)


def test_a_line_carries_the_correlation_ids_and_the_extras(lines):
    tokens = correlation.bind("req-42")
    try:
        logging.getLogger("gateway.access").info("%s %s %s", "POST", "/api/v1/x", 201,
                                                 extra={"status": 201, "duration_ms": 1.5, "odd": object})
    finally:
        correlation.unbind(tokens)
    [line] = lines()
    assert line["message"] == "POST /api/v1/x 201" and line["level"] == "info" and line["service"] == "gateway"
    assert line["logger"] == "gateway.access" and line["correlation_id"] == "req-42"
    assert line["status"] == 201 and line["duration_ms"] == 1.5 and line["odd"] == str(object)
    assert line["ts"].endswith("+00:00") and "lineno" not in line and "threadName" not in line


def test_an_exception_is_kept_on_its_line_and_noisy_libraries_are_quieter(lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("hub").exception("failed")
    logging.getLogger("kombu").info("chatter")
    [line] = lines()
    assert line["level"] == "error" and "ValueError: boom" in line["exception"]

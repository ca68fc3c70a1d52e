"""JSON-lines logging with the current correlation id on every line, and the current span's `trace_id` and
`span_id` when tracing is on and the span is recorded (hubkit.tracing): the way from a log line to its trace."""
import json
import logging
import sys
from datetime import datetime, timezone

from . import correlation, tracing

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "hub"):
        super().__init__()
        self.service = service

    def format(self, record):
        correlation_id, causation_id = correlation.current()
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or correlation_id,
            "causation_id": getattr(record, "causation_id", None) or causation_id,
        }
        trace_id, span_id = tracing.log_ids()
        if trace_id is not None:
            line["trace_id"], line["span_id"] = trace_id, span_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in line and not key.startswith("_"):
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(service: str, level: str = "INFO"):
    """Route every logger to stdout as JSON lines."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The JSON lines name neither source line, thread nor process: not looking them up saves a third of the
    # cost of each line (the gateway writes one per request). See "Optimization" in the logging HOWTO.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    for noisy in ("kombu", "amqp", "nameko", "werkzeug", "urllib3", "selenium"):
        logging.getLogger(noisy).setLevel("WARNING")
    # nameko logs expected (business) errors with a traceback at WARNING; they are counted in metrics instead
    logging.getLogger("nameko.containers").setLevel("ERROR")

"""The open datasets as files, streamed: the rows are asked of their service a page at a time (RPC
`open_data_page`, 2,000 rows) and written out as they come, in CSV (`;`, UTF-8 with a byte order mark, cells a
spreadsheet cannot run: hubkit.exports) or JSON (one array of objects). Whatever the dataset's size, the gateway
holds one page at a time; so does the service (keyset pages).

Only the registry's columns leave, in its order: a field a service would add by mistake is not published.
The first page is asked before the answer starts, so that a refused `after` or a service down is a clear 400 or
503; a failure later can only cut the stream short (the file then does not parse: CSV's last line or JSON's
closing bracket is missing), and is logged.
"""
import csv
import io
import json
import logging

from flask import stream_with_context

from hubkit.exports import safe_row

from . import remote
from .open_data_registry import Dataset

log = logging.getLogger(__name__)

PAGE_SIZE = 2000
BOM = "\ufeff"
JSON_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
              "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
              "month": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"},
              "uuid": {"type": "string", "format": "uuid",
                       "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}}


def page(dataset: Dataset, after: str | None, limit: int = PAGE_SIZE) -> dict:
    """One page of the dataset's rows from its service: {"rows", "next"}, each row cut to the registry's columns."""
    found = remote.call(dataset.service, "open_data_page", {"dataset": dataset.name, "after": after, "limit": limit})
    names = dataset.column_names
    return {"rows": [{name: row.get(name) for name in names} for row in found["rows"]], "next": found["next"]}


class Rows:
    """The dataset's rows from `after` on, page after page. The first page is asked at once (its errors are the
    request's); the others while the answer is being sent."""

    def __init__(self, dataset: Dataset, after: str | None = None, page_size: int = PAGE_SIZE):
        self.dataset, self.page_size = dataset, page_size
        self.first = page(dataset, after, page_size)

    def pages(self):
        current = self.first
        self.first = None  # the first page is not kept once sent
        while True:
            yield current["rows"]
            following = current["next"]
            if following is None:
                return
            try:
                current = page(self.dataset, following, self.page_size)
            except Exception:
                log.exception("open data export cut short", extra={"dataset": self.dataset.name})
                raise


def csv_chunks(dataset: Dataset, rows: Rows):
    """The CSV file, one chunk (bytes) per page: the header first, with the byte order mark."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(dataset.column_names))
    yield (BOM + out.getvalue()).encode("utf-8")
    names = dataset.column_names
    for rows_of_page in rows.pages():
        out.seek(0)
        out.truncate()
        writer.writerows(safe_row(row[name] for name in names) for row in rows_of_page)
        yield out.getvalue().encode("utf-8")


def json_chunks(rows: Rows):
    """One JSON array of objects, one chunk (bytes) per page."""
    yield b"["
    first = True
    for rows_of_page in rows.pages():
        if not rows_of_page:
            continue
        text = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows_of_page)
        yield (("\n" if first else ",\n") + text).encode("utf-8")
        first = False
    yield b"\n]\n"


def streamed(chunks):
    """The chunks within the request's context (the page calls need its request id and app)."""
    return stream_with_context(chunks)


def json_schema(dataset: Dataset, schema_url: str) -> dict:
    """The JSON Schema (2020-12) of the dataset's JSON file: an array of objects with exactly its columns."""
    properties = {}
    for column in dataset.columns:
        prop = dict(JSON_TYPES[column.type])
        if column.nullable:
            prop["type"] = [prop["type"], "null"]
        properties[column.name] = {**prop, "description": column.description}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_url, "title": dataset.title,
            "description": dataset.description, "type": "array",
            "items": {"type": "object", "properties": properties, "required": dataset.column_names,
                      "additionalProperties": False}}

"""How the gateway tests put fake services behind `gateway.remote`, next to the fake accounts service of
conftest.py. The fakes build on tests/fakes (`RecordingFake`: recording the calls, failing on demand)."""
import gateway.remote
from tests.fakes import RecordingFake, answers  # noqa: F401  (the gateway tests' own fakes of a service build on it)


def route_to(monkeypatch, accounts, batched=False, **fakes):
    """Send `remote.call` for each service named in `fakes` to its fake (called with the method and the arguments),
    the accounts service to the fake `accounts`, and fail on any other; `batched`: `remote.batched_call` too (a fake
    answers the one payload's outcome as if the batch held only this command)."""
    def route(service, method, *args):
        if service in fakes:
            return fakes[service](method, *args)
        assert service == "accounts", f"unexpected service {service}"
        return accounts(method, *args)
    monkeypatch.setattr(gateway.remote, "call", route)
    if batched:
        monkeypatch.setattr(gateway.remote, "batched_call", route)


class FakeSimilarContent(RecordingFake):
    """budget or petitions as `gateway.similar` asks them: `similar_content(data)` answers `items` (their shape:
    budget's and petitions' SimilarContentSchema)."""

    def __init__(self, items=()):
        super().__init__()
        self.items = list(items)

    def similar_content(self, data):
        return {"items": self.items}


def a_project(project_id="5b1e0f6a-2c3d-4e5f-8a9b-0c1d2e3f4a01", title="Des fontaines quai de Valmy",
              similarity=0.7, **changes) -> dict:
    return {"kind": "project", "id": project_id, "title": title, "excerpt": "Trois fontaines à boire.",
            "status": "won", "status_label": "Lauréat", "similarity": similarity, "actions": ["vote", "follow"],
            "edition": "2019", "cycle_id": "8d7c6b5a-4938-4726-a615-04f3e2d1c0b8", "arrondissement": 10, **changes}


def a_petition(petition_id="6c2f1a7b-3d4e-4f60-9b0c-1d2e3f4a5b02", title="Pour des fontaines au canal",
               similarity=0.5, **changes) -> dict:
    return {"kind": "petition", "id": petition_id, "title": title, "excerpt": "Nous demandons des fontaines.",
            "status": "open", "status_label": "Ouverte à la signature", "similarity": similarity,
            "actions": ["sign", "follow"], "signatures_count": 1234, "threshold": 5000, "arrondissement": None,
            **changes}


class FakeOpenData(RecordingFake):
    """A service publishing open datasets, as the gateway's exports ask it: `open_data_page(data)` answers
    {"rows", "next"} for any dataset of the registry, `sizes[dataset]` rows (10 unless set) made up on the fly from
    its columns' types — nothing kept, so 100,000 rows cost no memory here. Text cells cycle through values a CSV
    or a spreadsheet could misread (a formula, the separator, quotes, a line break, accents). `next` is the
    offset as text; anything else is refused as the services refuse a forged cursor."""

    TEXTS = ("Des fontaines le long du canal", "=HYPERLINK(\"http://exemple.invalid\")", "Bancs; arbres \"et\" eau",
             "Deux lignes\nà la suite", "+33 1 23 45 67 89", "Été à l'Hôtel de Ville")

    def __init__(self, sizes=None):
        super().__init__()
        self.sizes = dict(sizes or {})

    @answers
    def open_data_page(self, data):
        from hubkit.errors import InvalidInput
        from gateway.open_data_registry import dataset
        found = dataset(data["dataset"])
        after = data.get("after")
        if after is not None and not (isinstance(after, str) and after.isdigit()):
            raise InvalidInput(details={"after": ["Curseur invalide."]})
        start, size = int(after or 0), self.sizes.get(data["dataset"], 10)
        stop = min(size, start + data["limit"])
        rows = [{column.name: self.value(column, number) for column in found.columns} for number in range(start, stop)]
        return {"rows": rows, "next": str(stop) if stop < size else None}

    def value(self, column, number: int):
        if column.nullable and number % 7 == 6:
            return None
        if column.type == "uuid":
            return f"00000000-0000-4000-8000-{number:012d}"
        if column.type in ("integer", "number"):
            return number if column.type == "integer" else number / 4
        if column.type == "date":
            return f"2026-{number % 12 + 1:02d}-{number % 28 + 1:02d}"
        if column.type == "month":
            return f"2026-{number % 12 + 1:02d}"
        return self.TEXTS[number % len(self.TEXTS)]

"""The pabulib .pb format (pabulib.org/format), in plain Python: META, PROJECTS and VOTES sections, each a
';'-separated table with a header line (META's is `key;value`).

Used to import a real participatory budget as a cycle (projects, costs, and the votes column to check a
tally against) and to export a cycle's anonymised ballots and results.

The export's free text (META values, project names and categories) goes through hubkit.exports.spreadsheet_safe:
pabulib is read by tools (pabutools), but a .pb is also ';'-separated text a researcher opens in a spreadsheet to
look at, and project names are written by citizens. Ids, costs, counts and ballots are left as they are: they are
numbers or the keys VOTES refers to PROJECTS by, and a quote would break the file for every tool.
"""
import csv
import io

from hubkit.exports import spreadsheet_safe

SECTIONS = ("META", "PROJECTS", "VOTES")
FREE_TEXT_COLUMNS = ("name", "category")


class PabulibError(ValueError):
    """The text is not a .pb file this service reads; the message says where."""


def parse(text: str) -> dict:
    """{"meta": {key: value}, "projects": [row dicts], "votes": [row dicts]}; rows keep the file's order."""
    sections, current, header = {name: [] for name in SECTIONS}, None, None
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) == 1 and row[0].strip().upper() in SECTIONS:
            current, header = row[0].strip().upper(), None
            continue
        if current is None:
            raise PabulibError(f"ligne {number} : section META, PROJECTS ou VOTES attendue")
        if header is None:
            header = [cell.strip() for cell in row]
            continue
        if len(row) != len(header):
            raise PabulibError(f"ligne {number} : {len(header)} colonnes attendues, {len(row)} trouvées")
        sections[current].append(dict(zip(header, (cell.strip() for cell in row))))
    meta = {row["key"]: row["value"] for row in sections["META"] if "key" in row and "value" in row}
    if not sections["PROJECTS"]:
        raise PabulibError("section PROJECTS absente ou vide")
    for row in sections["PROJECTS"]:
        if not row.get("project_id") or not row.get("cost"):
            raise PabulibError("chaque projet a un project_id et un coût (cost)")
    return {"meta": meta, "projects": sections["PROJECTS"], "votes": sections["VOTES"]}


def cost_of(value: str) -> int:
    try:
        cost = float(value)
    except ValueError:
        raise PabulibError(f"coût illisible : {value!r}") from None
    if cost <= 0 or cost != int(cost):
        raise PabulibError(f"coût invalide : {value!r} (euros entiers, plus de 0)")
    return int(cost)


def choices_of(vote: str) -> list:
    return [choice.strip() for choice in vote.split(",") if choice.strip()]


def dump(meta: dict, projects: list, votes: list) -> str:
    """`projects`: dicts with project_id, cost, votes, name, category, district, selected;
    `votes`: dicts with voter_id and vote (the project ids, ',' between them)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, spreadsheet_safe(value)])
    writer.writerow(["PROJECTS"])
    columns = ["project_id", "cost", "votes", "name", "category", "district", "selected"]
    writer.writerow(columns)
    for project in projects:
        writer.writerow([spreadsheet_safe(project[column]) if column in FREE_TEXT_COLUMNS else project[column]
                         for column in columns])
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote"])
    for vote in votes:
        writer.writerow([vote["voter_id"], vote["vote"]])
    return out.getvalue()

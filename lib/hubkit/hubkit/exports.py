"""Exported text files that a spreadsheet may open: cells it would run as formulas are neutralised.

OWASP's CSV injection guidance: a cell whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return
is read by Excel, LibreOffice or Google Sheets as a formula (`=HYPERLINK(...)` sends data out, `=cmd|...` ran
commands); a single quote before it makes the spreadsheet show the text as typed. Only text gets the quote:
numbers (int, float, Decimal, never bool) are written as they are, so a negative amount stays a number, and a
cell that does not start with one of those characters is left exactly as it was. The csv module quotes cells
holding the separator, a quote or a line break, so a value cannot open a new cell or row either.
"""
import csv
import io
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The value as a spreadsheet shows it without running it: text starting with a formula character gets
    a leading single quote; numbers and any other text are returned unchanged."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(row) -> list:
    return [spreadsheet_safe(cell) for cell in row]


def csv_text(header: list, rows, delimiter: str = ";", lineterminator: str = "\r\n", bom: bool = True) -> str:
    """A CSV file's text, every cell (header included) through spreadsheet_safe; with a UTF-8 byte order mark by
    default, which spreadsheets need to read the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" if bom else "") + out.getvalue()

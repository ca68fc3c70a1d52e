"""What the services' wire-time tests share: finding every date-time string in a dumped answer, and those without
an offset (every datetime on the wire carries its timezone)."""
import re

MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?P<zone>[+-]\d{2}:\d{2}|Z)?")


def moments(value) -> list:
    """Every datetime string in a dumped answer, at any depth."""
    if isinstance(value, dict):
        return [moment for item in value.values() for moment in moments(item)]
    if isinstance(value, list):
        return [moment for item in value for moment in moments(item)]
    return [value] if isinstance(value, str) and MOMENT.fullmatch(value) else []


def without_offset(found: list) -> list:
    return [moment for moment in found if not MOMENT.fullmatch(moment)["zone"]]

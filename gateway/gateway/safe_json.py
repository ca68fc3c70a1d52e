"""JSON bodies with a nesting limit, checked before parsing.

Python's json module parses recursively: a body of ~1,000 nested brackets raises RecursionError, which is no
ValueError, so `request.get_json(silent=True)` let it escape as a 500. Every JSON body of the gateway (API,
Open311, the session cookie) is read through the app's JSON provider, so the depth is refused there, once.
"""
import re

from flask.json.provider import DefaultJSONProvider

from hubkit.errors import InvalidInput

MAX_JSON_DEPTH = 64  # the hub's deepest body (a ballot, a map selection) nests 4 levels
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_OPENING = frozenset(b"[{")


def json_depth(document: bytes) -> int:
    """The deepest nesting of arrays and objects in `document` (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b'""', document)):
        if bracket[0] in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_depth(document, limit: int = MAX_JSON_DEPTH):
    """Raise InvalidInput if `document` (str or bytes) nests deeper than `limit`."""
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else bytes(document)
    # the exact scan only when the brackets could reach the limit: the hot paths (ballots, signatures) skip it
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return
    if json_depth(raw) > limit:
        raise InvalidInput(f"JSON trop imbriqué : {limit} niveaux au plus.", code="JSON_TOO_DEEP",
                           details={"_schema": [f"Au plus {limit} niveaux d'objets ou de listes imbriqués."]})


class DepthLimitedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        check_depth(s)
        return super().loads(s, **kwargs)

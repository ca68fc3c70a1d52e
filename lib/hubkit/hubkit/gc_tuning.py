"""The cyclic garbage collector, tuned for long-running hub processes (the gateway and every service).

With Python's defaults a busy gateway spent a fifth of its CPU in the collector (bench/README.md): every
young-generation collection is frequent (each 700 new container objects, and a request makes hundreds), and
every full collection walked the whole application (modules, Flask app, schemas, SQLAlchemy metadata, templates)
for ~0.1 s, a pause every few seconds under load. Once a process has built what it keeps for its whole life,
`settle()` moves those objects out of the collector's reach (`gc.freeze()`: they are never scanned again) and
sets rarer collections (`HUB_GC_THRESHOLDS`). Reference counting still frees almost everything at once; the
collector only finds cycles, which a request rarely makes.
"""
import gc

from .config import env_str

DEFAULT_THRESHOLDS = (20_000, 20, 20)


def thresholds() -> tuple:
    """`HUB_GC_THRESHOLDS`, "young,middle,old" as gc.set_threshold takes them ("700,10,10": Python's defaults)."""
    value = env_str("HUB_GC_THRESHOLDS", ",".join(map(str, DEFAULT_THRESHOLDS)))
    try:
        parsed = tuple(int(part) for part in value.split(","))
    except ValueError:
        parsed = ()
    if len(parsed) != 3 or parsed[0] < 1 or min(parsed) < 0:
        raise ValueError("HUB_GC_THRESHOLDS doit être trois nombres entiers positifs séparés par des virgules, "
                         f"comme « 20000,20,20 » (reçu : {value!r}).")
    return parsed


def settle():
    """Call once the process built its long-lived objects, before it serves."""
    young, middle, old = thresholds()
    gc.collect()  # what start-up left as garbage is not frozen with the rest
    gc.freeze()
    gc.set_threshold(young, middle, old)

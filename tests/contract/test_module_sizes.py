"""No production module is over 400 lines, anywhere: a longer one is split by area (a module the reader can hold
in mind, one reason to change). One test per top-level area, so a failure names where the long module lives.
Migrations (generated, never edited) and tests are not production code."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
NOT_PRODUCTION = {"migrations", "tests", "__pycache__", "node_modules"}
AREAS = {"gateway": ROOT / "gateway" / "gateway", "hubkit": ROOT / "lib" / "hubkit" / "hubkit",
         "bench": ROOT / "bench", "dev": ROOT / "dev", "deploy": ROOT / "deploy",
         **{f"services/{service.name}": service / service.name for service in sorted((ROOT / "services").iterdir())
            if (service / service.name).is_dir()}}


def production_modules(area: Path) -> list:
    return [path for path in area.rglob("*.py") if not NOT_PRODUCTION & set(path.relative_to(area).parts)]


def too_long(area: Path) -> dict:
    """{path: lines} of the modules over the limit."""
    lengths = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in production_modules(area)}
    return {str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path): lines
            for path, lines in lengths.items() if lines > MAX_LINES}


def test_every_area_is_looked_at():
    assert {"gateway", "hubkit", "bench", "dev", "services/accounts", "services/routing"} <= set(AREAS)
    for name, area in AREAS.items():
        assert production_modules(area), f"{name}: no Python module under {area.relative_to(ROOT)}"


@pytest.mark.parametrize("area", sorted(AREAS))
def test_no_production_module_is_over_400_lines(area):
    assert too_long(AREAS[area]) == {}, f"split these {area} modules by area"


def test_the_check_sees_a_long_module(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "tests" / "test_long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_LINES)
    assert list(too_long(tmp_path).values()) == [MAX_LINES + 1]

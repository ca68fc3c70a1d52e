"""No test or product file reads outside the repository: a user's clone has nothing beside it (no `../shared`,
no workspace under `/work`, not the author's home), so such a path works only on the machine it was written on.
The data the tests need lives in tests/data (listed, with source and licence, in tests/data/README.md), and a
test whose data file is missing fails rather than skips."""
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = ROOT / "tests" / "data"
SKIPPED_DIRS = {".git", ".venv", "venv", ".tox", "var", "__pycache__", ".pytest_cache", "build", "dist", "node_modules"}
SKIPPED_TREES = {"tests/data", "bench/results"}  # third-party data (read, never run); files runs write
SCANNED_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".sql", ".txt", ".conf"}
SCANNED_NAMES = {"Makefile", "Dockerfile"}  # plus any file starting with a shebang (.ci/run, scripts)

# a folder named "shared" used as a path component: ../shared, "shared" / "data", join("shared", …), shared/seeds
SHARED_FOLDER = [
    re.compile(r"\.\.[/\\]+shared\b"),
    re.compile(r"""(?:/|\\)\s*["']shared["']|["']shared["']\s*(?:/|\\)"""),
    re.compile(r"""join\([^)]*["']shared["']"""),
    re.compile(r"""\bshared["']?\s*(?:[/\\]|,\s*["'])\s*(?:data|seeds?)\b"""),
]
ABSOLUTE_OUTSIDE = [
    (re.compile(r"(?<![\w.\-/~})])/work(?![\w.-])"), "the workspace /work"),
    (re.compile(r"(?<![\w.\-/~})])/(?:home|Users)/\w"), "a home directory"),
    (re.compile(r"""(?<![\w.\-/~])/root(?:/|["'\s]|$)"""), "root's home directory"),
    (re.compile(r"""["']~[/\\"']|\bPath\.home\(\)|\bexpanduser\(|\$\{?HOME\b"""), "the user's home directory"),
]
# `Path(__file__)` followed by its chain (.resolve(), .parent, .parents[N]), or os.path.dirname(…) around __file__
FILE_CHAIN = re.compile(r"__file__\)?(?:\)|\.resolve\(\)|\.absolute\(\)|\.parent\b(?!s)|\.parents\[\d+\])*")
DIRNAME_CHAIN = re.compile(r"((?:os\.path\.dirname\()+)(?:os\.path\.(?:abs|real)path\()?__file__")
# a run of ".." path components inside a string: ../../x, $(dirname "$0")/.., "..", Path(…) / ".."
PARENT_RUN = re.compile(r"""(?:\.\.[/\\])+(?:\.\.(?![\w.]))?|(?:[/\\]\.\.)+(?![\w.])"""
                        r"""|(?<![\w"'])["']\.\.["'](?![\w"'])""")

# a test that skips when its data file is absent passes on a machine without the data: it must fail instead
SKIP_ON_MISSING_FILE = re.compile(r"skipif\(\s*not\s+[^,]*\.(?:exists|is_file)\(\)"
                                  r"|if\s+not\s+[^:\n]*\.(?:exists|is_file)\(\)\s*:\s*\n\s*pytest\.skip\(")


def climbed(fragment: str) -> int:
    """How many levels the ".." components in this piece of source climb."""
    return sum(match.group().count("..") for match in PARENT_RUN.finditer(fragment))


def outside_references(relative_path: str, text: str) -> list:
    """(line number, line, why) for each place `text`, the content of `relative_path`, reaches outside the repository.

    A path built from `__file__` may climb to the repository root and no higher; other relative paths with ".."
    climb from the file's own folder (shell scripts, Makefile, configs), or from the repository root for Python
    (it runs from there: `make test`, `make run`)."""
    parts = Path(relative_path).parts
    depth = len(parts) - 1  # folders between the repository root and the file
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        def refuse(why):
            found.append((number, line.strip(), why))

        if any(pattern.search(line) for pattern in SHARED_FOLDER):
            refuse('a "shared" folder beside the repository')
        for pattern, where in ABSOLUTE_OUTSIDE:
            if pattern.search(line):
                refuse(f"an absolute path into {where}")
        anchor = DIRNAME_CHAIN.search(line) or FILE_CHAIN.search(line)
        if anchor:
            chain = anchor.group()
            levels = (chain.count(".parent") - chain.count(".parents[")
                      + sum(int(n) + 1 for n in re.findall(r"\.parents\[(\d+)\]", chain))
                      + chain.count("os.path.dirname("))
            # the first level is the file's own folder; what follows on the line may climb further with ".."
            if max(levels - 1, 0) + climbed(line[anchor.end():]) > depth:
                refuse("a path climbing from __file__ above the repository root")
        elif climbed(line) > (0 if relative_path.endswith(".py") else depth):
            refuse('a relative ".." path climbing above the repository root')
    return found


def scanned_files(root: Path) -> list:
    """Every test or product file under `root` that could name a path: sources, scripts, build files, configs."""
    files = []
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_DIRS and not name.endswith(".egg-info")
                         and (here / name).relative_to(root).as_posix() not in SKIPPED_TREES]
        for name in names:
            path = here / name
            if path.suffix in SCANNED_SUFFIXES or name in SCANNED_NAMES:
                files.append(path)
            elif not path.suffix and path.is_file():
                with path.open("rb") as handle:
                    if handle.read(2) == b"#!":
                        files.append(path)
    return sorted(files)


def outside_references_under(root: Path, exempt=()) -> list:
    return [f"{path.relative_to(root).as_posix()}:{number}: {why}: {line}"
            for path in scanned_files(root) if path not in exempt
            for number, line, why in outside_references(path.relative_to(root).as_posix(),
                                                        path.read_text(encoding="utf-8", errors="replace"))]


def test_no_test_or_product_file_reads_outside_the_repository():
    # this file is exempt: its samples below are the very patterns it refuses
    found = outside_references_under(ROOT, exempt={Path(__file__).resolve()})
    assert found == [], "paths outside the repository (copy the data into tests/data):\n" + "\n".join(found)


def test_no_test_skips_when_its_data_file_is_missing():
    test_modules = [path for path in scanned_files(ROOT) if path.name.startswith("test_") and path.suffix == ".py"]
    assert len(test_modules) > 50
    skipping = [path.relative_to(ROOT).as_posix() for path in test_modules if path != Path(__file__).resolve()
                and SKIP_ON_MISSING_FILE.search(path.read_text(encoding="utf-8"))]
    assert skipping == [], f"a missing data file must fail the test, not skip it: {skipping}"


@pytest.mark.parametrize("sample, skips", [
    ('@pytest.mark.skipif(not PARIS_CSV.exists(), reason="shared Paris data absent")\ndef test_x():', True),
    ('def rows():\n    if not MADRID_CSV.exists():\n        pytest.skip(f"{MADRID_CSV} is absent")\n', True),
    ('def rows():\n    if database_kind != "postgresql":\n        pytest.skip("SQLite has no arrays")\n', False),
    ('def rows():\n    assert MADRID_CSV.exists()\n', False),
])
def test_the_skip_check_tells_a_skip_on_a_missing_file(sample, skips):
    assert bool(SKIP_ON_MISSING_FILE.search(sample)) is skips


def test_the_scan_reaches_the_tests_the_build_and_the_ci():
    scanned = {path.relative_to(ROOT).as_posix() for path in scanned_files(ROOT)}
    assert {"Makefile", ".ci/run", "pyproject.toml", "requirements-dev.txt", "dev/ensure-services.sh",
            "services/budget/tests/conftest.py", "lib/hubkit/tests/test_text_index_precision.py",
            "tests/e2e/test_budget_pabulib.py", "lib/hubkit/hubkit/config.py", "gateway/gateway/app.py"} <= scanned
    assert not any(path.startswith((".venv/", "tests/data/", ".git/")) or ".egg-info/" in path for path in scanned)


@pytest.mark.parametrize("relative_path, line", [
    ("services/budget/tests/conftest.py",
     'PARIS_CSV = Path(__file__).resolve().parents[4] / "shared" / "data" / "paris" / "bp.csv"'),
    ("services/budget/tests/conftest.py", 'PABULIB = Path(__file__).resolve().parents[4] / "pabulib"'),
    ("tests/e2e/test_x.py", 'TOULOUSE = Path(__file__).parent.parent.parent.parent / "pabulib" / "t.pb"'),
    ("tests/e2e/test_x.py", 'DATA = Path(__file__).resolve().parents[2] / ".." / "elsewhere" / "t.pb"'),
    ("tests/e2e/test_x.py", 'DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "..", "..", "x")'),
    ("tests/e2e/test_x.py", 'DATA = os.path.join(ROOT, "shared", "data")'),
    ("tests/e2e/test_x.py", 'DATA = Path("../shared/data/ideas/decide_madrid_proposals.csv")'),
    ("tests/e2e/test_x.py", 'DATA = ROOT.parent / "shared"'),
    ("tests/e2e/test_x.py", 'SEEDS = "shared/seeds/accounts.json"'),
    ("tests/e2e/test_x.py", 'CSV = Path("/work/shared/data/paris/bp_projets_gagnants.csv")'),
    ("tests/e2e/test_x.py", "CSV = '/work/main/tests/data/x.csv'"),
    ("tests/e2e/test_x.py", 'CSV = Path("/home/camille/data/x.csv")'),
    ("tests/e2e/test_x.py", 'CSV = Path("~/data/x.csv").expanduser()'),
    ("tests/e2e/test_x.py", 'CSV = Path.home() / "x.csv"'),
    ("tests/e2e/test_x.py", 'CSV = Path("../data/x.csv")'),
    ("Makefile", "\t$(VENV)/bin/python -m budget import-paris ../shared/data/paris/bp_projets_gagnants.csv"),
    ("Makefile", "\tcp ../data/x.csv var/"),
    (".ci/run", 'cd "$(dirname "$0")/../.."'),
    ("dev/seed.sh", 'python -m ideas import-madrid "$HOME/decide_madrid_proposals.csv"'),
    ("pyproject.toml", 'testpaths = ["/work/main/tests"]'),
])
def test_the_scanner_refuses_a_planted_outside_path(relative_path, line):
    assert outside_references(relative_path, f"import os\n{line}\n") != []


@pytest.mark.parametrize("relative_path, line", [
    ("services/budget/tests/conftest.py", 'PABULIB_DIR = Path(__file__).resolve().parents[3] / "tests" / "data"'),
    ("services/budget/tests/conftest.py", 'PACKAGE_DIR = Path(__file__).resolve().parents[1] / "budget"'),
    ("lib/hubkit/hubkit/config.py", "REPO_ROOT = Path(__file__).resolve().parents[3]"),
    ("tests/e2e/test_x.py", 'TOULOUSE = Path(__file__).parent.parent / "data" / "pabulib" / "t.pb"'),
    ("gateway/gateway/paris_map.py", 'GEOJSON = Path(__file__).parent / "data" / "arrondissements.geojson"'),
    (".ci/run", 'cd "$(dirname "$0")/.."'),
    ("gateway/gateway/pages/petitions.py", "    def shared_by_every_visitor(page) -> bool:"),
    ("tests/e2e/test_x.py", '"""Runs on the shared platform, shared data-free fixtures."""'),
    ("tests/e2e/test_x.py", 'URL = f"{platform.url}/api/work/items"'),
    ("tests/e2e/test_x.py", 'URL = f"{platform.url}/work"'),
    ("services/budget/budget/schemas.py", 'by_arrondissement = fields.Dict()  # "1".."20" -> count (map)'),
    ("gateway/gateway/pages/forms.py", '"//evil.example", "/\\\\evil.example" or "https://..." would send'),
])
def test_the_scanner_lets_paths_inside_the_repository_pass(relative_path, line):
    assert outside_references(relative_path, line) == []


def test_a_planted_file_in_a_clone_is_found(tmp_path):
    (tmp_path / "services" / "budget" / "tests").mkdir(parents=True)
    (tmp_path / "Makefile").write_text("test:\n\tpytest\n")
    (tmp_path / "services" / "budget" / "tests" / "test_open_data.py").write_text(
        'from pathlib import Path\n\nCSV = Path(__file__).resolve().parents[4] / "shared" / "data" / "paris.csv"\n')
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "site.py").write_text('HOME = "/home/user/.venv"\n')  # not the project's
    found = outside_references_under(tmp_path)
    assert found and all(line.startswith("services/budget/tests/test_open_data.py:3: ") for line in found)
    assert any("shared" in line for line in found) and any("climbing from __file__" in line for line in found)


def test_every_test_data_file_is_listed_with_its_source_and_licence():
    readme = (TEST_DATA / "README.md").read_text(encoding="utf-8")
    data_files = sorted(path.relative_to(TEST_DATA).as_posix() for path in TEST_DATA.rglob("*")
                        if path.is_file() and path.name not in ("README.md", ".gitattributes"))
    assert data_files, "tests/data holds no data file"
    listed = re.findall(r"^\| `([^`]+)` \|", readme, re.M)
    assert sorted(listed) == data_files
    for row in re.findall(r"^\| `[^`]+` \|.*$", readme, re.M):
        source, licence = [cell.strip() for cell in row.strip("|").split("|")][-2:]
        assert source and licence, row
